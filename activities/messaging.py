"""The one messaging path: every journey send comes through `send_message`.

reserve the row by idempotency key → policy checks (send_checks.py) → render → quiet
hours → frequency-cap slot → count the attempt → provider call with the key → record.

Why a send never goes out twice:
- a retry or replay of a finished send finds its row and returns the recorded result;
- the provider gets the idempotency key. HTTP providers (Twilio, FCM, the email API,
  webhooks) and the in-app inbox de-duplicate on it, so a send whose worker died after
  the provider call is simply called again with the same key: at-least-once calls,
  exactly one message. Such a resumed send skips the policy checks, so a deferral or a
  cap decided on the second try can never strand a message that already went out;
- SMTP cannot de-duplicate. The row is marked (`attempted_at`) before the hand-off and
  the mark is cleared when the server certainly refused; a retry that finds the mark
  does not send again and records the message `sent` with the error "unconfirmed":
  at-most-once, so a crash in that window may lose one email but never doubles it.
Provider 4xx → `failed` / `provider_rejected`. 5xx and time-outs raise, so Temporal
retries with back-off; after `SEND_MAX_ATTEMPTS` the send is recorded `failed` /
`channel_unavailable` instead of failing the journey.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from temporalio import activity

from activities.channels import ChannelProvider, Outgoing, ProviderError, Recipient
from activities.faults import crash_point
from activities.send_checks import check_before_render, profile_context, quiet_hours_end, recipient_of
from activities.templates import Rendered, TemplateProblem, TemplateRenderer
from orkiestra import links
from orkiestra.contracts import SendRequest, SendResult
from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.models import Message
from orkiestra.persistence import contacts, frequency, messages
from orkiestra.settings import Settings

log = get_logger(__name__)
UNCONFIRMED = "unconfirmed: the worker stopped during the SMTP hand-off; not sent again to avoid a duplicate"


class MessagingActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        renderer: TemplateRenderer,
        providers: Mapping[str, ChannelProvider],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.renderer = renderer
        self.providers = dict(providers)

    # ----- database steps (run on a thread) ---------------------------------------------
    def _reserve(self, request: SendRequest) -> tuple[Message, Recipient, dict[str, Any]]:
        with transaction(self.sessions) as session:
            row = messages.reserve(session, request)
            contact = contacts.get_contact(session, request.contact_id)
            return row, recipient_of(contact, request.contact_id), profile_context(contact)

    def _check(self, request: SendRequest, recipient: Recipient, now: datetime) -> Any:
        with self.sessions() as session:
            provider = self.providers.get(request.channel)
            return check_before_render(session, self.settings, request, provider, recipient, now)

    def _take_slot(self, request: SendRequest, message_id: int, now: datetime) -> str:
        cap = self.settings.cap_for(request.channel, request.purpose)
        if cap is None:
            return "take"
        with transaction(self.sessions) as session:
            return frequency.take_slot(
                session,
                message_id=message_id,
                contact_id=request.contact_id,
                channel=request.channel,
                purpose=request.purpose,
                priority=request.priority,
                cap=cap[0],
                window=cap[1],
                now=now,
            )

    def _write(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        with transaction(self.sessions) as session:
            fn(session, *args, **kwargs)

    async def _db(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    # ----- outcomes -----------------------------------------------------------------------
    async def _record(
        self, request: SendRequest, message_id: int, status: str, reason: str | None = None, **fields: Any
    ) -> SendResult:
        if fields.get("to_address"):
            fields["to_address"] = fields["to_address"][:320]
        await self._db(self._write, messages.finish, message_id, status=status, reason=reason, **fields)
        log.info(
            f"journey.message.{status}",
            contact_id=request.contact_id,
            journey=request.journey,
            channel=request.channel,
            template=request.template,
            reason=reason,
        )
        return SendResult(
            status=status,  # type: ignore[arg-type]
            channel=request.channel,
            reason=reason,
            message_id=message_id,
            retry_at=fields.get("retry_at"),
        )

    @staticmethod
    def _stored(row: Message) -> SendResult:
        return SendResult(
            status=row.status if row.status in ("skipped", "failed", "deferred") else "sent",  # type: ignore[arg-type]
            channel=row.channel,
            reason=row.reason,
            message_id=row.id,
            retry_at=row.retry_at,
        )

    def _render(self, request: SendRequest, message_id: int, profile: dict[str, Any]) -> Rendered:
        urls = links.tracking_urls(self.settings, message_id, request.contact_id)
        context = {
            **request.context,
            **profile,
            **urls.template_context(),
            "public_url": self.settings.public_url,
        }
        rendered = self.renderer.render(request.channel, request.template, context)
        if request.channel == "email" and request.purpose == "marketing":
            # Every marketing email carries the signed preference-center link in its body.
            html, text = links.ensure_footer(rendered.html, rendered.text, urls)
            rendered = dataclasses.replace(rendered, html=html, text=text)
        if rendered.html:
            rendered = dataclasses.replace(rendered, html=links.with_pixel(rendered.html, urls.pixel))
        return rendered

    # ----- the activity -------------------------------------------------------------------
    @activity.defn(name="send_message")
    async def send_message(self, request: SendRequest) -> SendResult:
        now = request.now or datetime.now(UTC)
        row, recipient, profile = await self._db(self._reserve, request)
        message_id = row.id
        assert message_id is not None
        if row.status in messages.FINAL_STATUSES:
            return self._stored(row)
        provider = self.providers.get(request.channel)
        if row.attempted_at is not None and provider is not None and not provider.idempotent:
            return await self._record(
                request,
                message_id,
                "sent",
                to_address=row.to_address,
                error=UNCONFIRMED,
                provider=provider.name,
            )
        resuming = row.attempts > 0 and provider is not None
        if resuming:
            address = provider.address(recipient) if provider else None
        else:
            verdict = await self._db(self._check, request, recipient, now)
            if verdict.reason is not None:
                return await self._record(
                    request,
                    message_id,
                    "skipped",
                    verdict.reason,
                    to_address=verdict.address,
                    error=verdict.detail,
                )
            address = verdict.address
        assert provider is not None
        if not address:
            return await self._record(request, message_id, "skipped", "missing_address")
        try:
            rendered = self._render(request, message_id, profile)
        except TemplateProblem as exc:
            return await self._record(
                request, message_id, "skipped", "template_error", to_address=address, error=str(exc)
            )
        if not resuming:
            until = quiet_hours_end(self.settings, request, recipient, now)
            if until is not None:
                return await self._record(
                    request, message_id, "deferred", "quiet_hours", to_address=address, retry_at=until
                )
            decision = await self._db(self._take_slot, request, message_id, now)
            if decision != "take":
                why = "cap reached" if decision == "full" else "last slots kept for higher-priority sends"
                return await self._record(
                    request, message_id, "skipped", "frequency_cap", to_address=address, error=why
                )
        return await self._deliver(request, message_id, provider, address, rendered)

    async def _deliver(
        self,
        request: SendRequest,
        message_id: int,
        provider: ChannelProvider,
        address: str,
        rendered: Rendered,
    ) -> SendResult:
        outgoing = Outgoing(
            message_id=message_id,
            idempotency_key=request.idempotency_key,
            contact_id=request.contact_id,
            to=address,
            purpose=request.purpose,
            content=rendered,
            journey=request.journey,
            unsubscribe_url=links.unsubscribe_url(self.settings, request.contact_id),
        )
        # Mark → provider call → record runs to its end even if the activity is cancelled
        # meanwhile (e.g. its workflow task timed out under load): a cancelled SMTP hand-off
        # would otherwise leave the mark without a message and the retry would record an
        # email as "unconfirmed" that never went out.
        work = asyncio.ensure_future(self._hand_off(request, message_id, provider, outgoing))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            await asyncio.wait({work}, timeout=2 * self.settings.provider_timeout_seconds + 30)
            if work.done() and not work.cancelled():
                work.exception()  # retrieved: the retry reads the recorded outcome
            raise

    async def _hand_off(
        self, request: SendRequest, message_id: int, provider: ChannelProvider, outgoing: Outgoing
    ) -> SendResult:
        sent = {"to_address": outgoing.to, "subject": outgoing.content.summary, "provider": provider.name}
        await self._db(
            self._write, messages.start_attempt, message_id, provider.name, hand_off=not provider.idempotent
        )
        try:
            provider_id = await provider.send(outgoing)
        except ProviderError as exc:
            return await self._failed(request, message_id, provider, exc, sent)
        crash_point("after_provider_call", self.settings)
        return await self._record(request, message_id, "sent", provider_message_id=provider_id, **sent)

    async def _failed(
        self,
        request: SendRequest,
        message_id: int,
        provider: ChannelProvider,
        exc: ProviderError,
        sent: dict[str, Any],
    ) -> SendResult:
        if exc.ambiguous and not provider.idempotent:
            return await self._record(request, message_id, "sent", error=f"{UNCONFIRMED} ({exc})", **sent)
        attempt = activity.info().attempt if activity.in_activity() else 1
        if exc.permanent or attempt >= self.settings.send_max_attempts:
            await self._db(self._write, frequency.release_slot, message_id)
            if exc.permanent:
                return await self._record(
                    request, message_id, "failed", "provider_rejected", error=str(exc), **sent
                )
            error = f"gave up after {attempt} attempts: {exc}"
            return await self._record(
                request, message_id, "failed", "channel_unavailable", error=error, **sent
            )
        if not provider.idempotent:
            await self._db(self._write, messages.clear_attempt, message_id)
        log.warning(
            "journey.message.retrying",
            contact_id=request.contact_id,
            journey=request.journey,
            channel=request.channel,
            attempt=attempt,
            error=str(exc),
        )
        raise exc

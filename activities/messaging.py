"""The one messaging path: every journey send comes through `send_message`.

Order of work: reserve the message row by idempotency key (a retry or replay finds the
row and returns its result instead of sending again) → check the contact can be reached
→ render the template → call the provider → record status and reason.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import activity

from activities.email import ProviderError, SmtpEmailProvider
from activities.templates import TemplateProblem, TemplateRenderer
from orkiestra.contracts import SendRequest, SendResult
from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import contacts, messages
from orkiestra.settings import Settings

log = get_logger(__name__)


class MessagingActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        renderer: TemplateRenderer,
        email: SmtpEmailProvider,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.renderer = renderer
        self.email = email

    def _prepare(self, request: SendRequest) -> tuple[int, SendResult | None, dict[str, Any]]:
        with transaction(self.sessions) as session:
            row = messages.reserve(session, request)
            if row.status in messages.FINAL_STATUSES:
                return (
                    row.id,
                    SendResult(
                        status=row.status,
                        channel=row.channel,  # type: ignore[arg-type]
                        reason=row.reason,
                        message_id=row.id,
                    ),
                    {},
                )
            contact = contacts.get_contact(session, request.contact_id)
            if contact is None:
                profile: dict[str, Any] = {}
            else:
                profile = {
                    "id": contact.id,
                    "email": contact.email,
                    "phone": contact.phone,
                    "first_name": contact.first_name,
                    "last_name": contact.last_name,
                    "timezone": contact.timezone,
                    "traits": contact.traits or {},
                }
            return row.id, None, profile  # type: ignore[return-value]

    def _finish(self, message_id: int, **fields: Any) -> None:
        with transaction(self.sessions) as session:
            messages.finish(session, message_id, **fields)

    async def _record(
        self,
        request: SendRequest,
        message_id: int,
        status: str,
        reason: str | None = None,
        **fields: Any,
    ) -> SendResult:
        await asyncio.to_thread(self._finish, message_id, status=status, reason=reason, **fields)
        log.info(
            f"journey.message.{status}",
            contact_id=request.contact_id,
            journey=request.journey,
            template=request.template,
            reason=reason,
        )
        return SendResult(
            status=status,
            channel=request.channel,
            reason=reason,  # type: ignore[arg-type]
            message_id=message_id,
        )

    @activity.defn(name="send_message")
    async def send_message(self, request: SendRequest) -> SendResult:
        message_id, done, contact = await asyncio.to_thread(self._prepare, request)
        if done is not None:
            return done
        if request.holdout:
            return await self._record(request, message_id, "skipped", "holdout")
        if request.channel != "email":
            return await self._record(
                request,
                message_id,
                "skipped",
                "channel_unavailable",
                error=f"channel {request.channel!r} is not configured",
            )
        address = contact.get("email")
        if not address:
            return await self._record(request, message_id, "skipped", "missing_address")
        context = {
            **request.context,
            "contact": contact,
            "first_name": contact.get("first_name") or "",
            "public_url": self.settings.public_url,
        }
        try:
            rendered = self.renderer.email(request.template, context)
        except TemplateProblem as exc:
            return await self._record(
                request, message_id, "skipped", "template_error", to_address=address, error=str(exc)
            )
        try:
            provider_id = await self.email.send(address, rendered, request.idempotency_key)
        except ProviderError as exc:
            if exc.permanent:
                return await self._record(
                    request,
                    message_id,
                    "failed",
                    "provider_rejected",
                    to_address=address,
                    subject=rendered.subject,
                    error=str(exc),
                )
            log.warning(
                "journey.message.retrying",
                contact_id=request.contact_id,
                journey=request.journey,
                error=str(exc),
            )
            raise
        return await self._record(
            request,
            message_id,
            "sent",
            to_address=address,
            subject=rendered.subject,
            provider_message_id=provider_id,
        )

"""What a journey does: send, read fresh data, split, wait for a local time, continue.

Every side effect goes through an activity; everything here is deterministic.
"""

from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import (
        JourneyStart,
        LocalTimeRequest,
        Profile,
        ProfileRequest,
        SendRequest,
        SendResult,
    )
    from workflows.sdk.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, SEEN_CARRIED, JourneyCore
    from workflows.sdk.spec import pick_variant

T = TypeVar("T")
SEND_TIMEOUT = timedelta(minutes=2)
# Reasons that mean "this channel cannot reach the contact now": try the next one.
FALLBACK_REASONS = frozenset(
    {"no_consent", "unsubscribed", "suppressed", "missing_address", "channel_unavailable"}
)


class Journey(JourneyCore):
    """Base class of every journey. Subclass it and decorate with `@journey(...)`."""

    async def profile(self) -> Profile:
        """The contact's current profile, read through an activity (never stale)."""
        return await workflow.execute_activity(
            "load_profile",
            ProfileRequest(contact_id=self.contact_id),
            result_type=Profile,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def call_activity(self, name: str, arg: Any, *, result_type: type[T]) -> T:
        """Call an activity by name (fresh data, an outside service) with the journey's
        standard timeout and retries. Never read the database from workflow code."""
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    def variant(self, experiment: str, variants: list[str], weights: list[float] | None = None) -> str:
        """Deterministic A/B/n split by contact: the same contact always gets the same arm."""
        chosen = pick_variant(self.contact_id, f"{self.spec.name}:{experiment}", variants, weights)
        self._variants[experiment] = chosen
        return chosen

    async def send(
        self,
        channel: str,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        fallback: list[str] | tuple[str, ...] = (),
        purpose: str = "marketing",
        priority: int = 5,
    ) -> SendResult:
        """Send through the one messaging path (policy, template, idempotent provider call).

        With `fallback`, the next channel is tried when one cannot reach the contact
        (no consent, unsubscribed, suppressed, no address). A send deferred by quiet
        hours waits durably until the allowed time and is tried again. The idempotency key
        is the run's first execution id plus a counter, so a retry or replay never sends
        twice. Holdout contacts get the send recorded as skipped with reason `holdout`.
        """
        await self._checkpoint()
        result: SendResult | None = None
        for ch in (channel, *fallback):
            result = await self._send_once(ch, template, context, purpose, priority)
            while result.status == "deferred" and result.retry_at is not None:
                self._step = f"{self._step} (quiet hours)"
                await self._wait_until(
                    lambda: False, max(result.retry_at - workflow.now(), timedelta(0)), None
                )
                await self._checkpoint()
                result = await self._send_once(ch, template, context, purpose, priority)
            if result.status != "skipped" or result.reason not in FALLBACK_REASONS:
                break
        assert result is not None
        return result

    async def _send_once(
        self, channel: str, template: str, context: dict[str, Any] | None, purpose: str, priority: int
    ) -> SendResult:
        self._sends += 1
        info = workflow.info()
        ctx: dict[str, Any] = {"journey": self.spec.name}
        if self.start.event is not None:
            ctx["event"] = self.start.event.properties
        ctx.update(context or {})
        request = SendRequest(
            idempotency_key=f"{info.workflow_id}/{info.first_execution_run_id}/{self._sends}",
            contact_id=self.contact_id,
            channel=channel,
            template=template,
            journey=self.spec.name,
            workflow_id=info.workflow_id,
            context=ctx,
            purpose=purpose,  # type: ignore[arg-type]
            priority=priority,
            holdout=self.holdout,
            now=workflow.now(),
        )
        result = await workflow.execute_local_activity(
            "send_message",
            request,
            result_type=SendResult,
            start_to_close_timeout=SEND_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        workflow.logger.info(
            "journey.message.%s",
            result.status,
            extra={"contact_id": self.contact_id, "journey": self.spec.name, "template": template},
        )
        return result

    async def wait_until_local(self, hour: int, minute: int = 0, weekdays: list[int] | None = None) -> bool:
        """Sleep until the next `hour:minute` in the contact's time zone (optionally only on
        `weekdays`, Monday = 0). Returns True when the goal arrived meanwhile."""
        when = await workflow.execute_activity(
            "next_local_time",
            LocalTimeRequest(
                contact_id=self.contact_id, now=workflow.now(), hour=hour, minute=minute, weekdays=weekdays
            ),
            result_type=datetime,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        return await self.wait(max(when - workflow.now(), timedelta(0)))

    @property
    def history_is_long(self) -> bool:
        """True when Temporal suggests continuing as new (history near 4,096 events / 4 MB)."""
        return workflow.info().is_continue_as_new_suggested()

    async def continue_as_new(self, resume: dict[str, Any]) -> None:
        """Start a fresh run of this journey carrying `resume` (read it from `start.resume`).

        De-duplication ids, the send counter (idempotency keys) and pause state carry over.
        """
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            JourneyStart(
                journey=self.start.journey,
                contact_id=self.contact_id,
                event=self.start.event,
                key=self.start.key,
                resume=resume,
                seen_message_ids=self._seen_order[-SEEN_CARRIED:],
                sends=self._sends,
                paused=self._paused,
            )
        )

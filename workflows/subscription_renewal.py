"""Subscription renewal (seeds 000, 001): reminders 30, 7 and 1 days before the end date
and, in between, an upgrade offer whose wording is an A/B test. Renewing ends it.

The daily scan emits `Date Reached` 30 days before the contact's `subscription_end`
trait. Before every step the trait is read again (fresh, through an activity): if it moved
later the contact renewed some other way (converted); if it moved earlier or was removed
the subscription changed under us and the run exits rather than remind about a wrong date.
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.commerce import parse_day
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, JourneyEnded, date_reached, journey

ATTRIBUTE = "subscription_end"
SEND_HOUR_UTC = 10  # every step happens at 10:00 UTC on its day
OFFER_DAYS_BEFORE = 14
LATE = timedelta(days=1)  # a step more than a day overdue (a late enrolment) is skipped
OFFER_VARIANTS = ["upgrade_offer_discount", "upgrade_offer_features"]


@journey(trigger=date_reached(ATTRIBUTE, days_before=30), goal="Subscription Renewed", reentry=True)
class SubscriptionRenewal(Journey):
    """Renewal reminders 30, 7 and 1 days before the end, plus an A/B-tested upgrade offer."""

    async def _end_date(self, start: JourneyStart) -> datetime:
        properties = start.event.properties if start.event else {}
        end = parse_day(properties.get("date"), SEND_HOUR_UTC)
        if end is None:  # e.g. a manual enrolment: take the date from the profile
            end = parse_day((await self.profile()).traits.get(ATTRIBUTE), SEND_HOUR_UTC)
        if end is None:
            raise JourneyEnded("completed", f"contact has no {ATTRIBUTE} date")
        return end

    async def _still_due(self, end: datetime) -> dict[str, Any]:
        """The contact's fresh traits, or end the run if the end date changed."""
        traits = (await self.profile()).traits
        now_end = parse_day(traits.get(ATTRIBUTE), SEND_HOUR_UTC)
        if now_end is not None and now_end.date() > end.date():
            raise JourneyEnded("converted", f"{ATTRIBUTE} moved to {now_end.date().isoformat()}")
        if now_end is None or now_end.date() != end.date():
            raise JourneyEnded("exited", f"{ATTRIBUTE} changed or removed")
        return traits

    async def run(self, start: JourneyStart) -> None:
        end = await self._end_date(start)
        plan = sorted(
            [(end - timedelta(days=days), f"reminder-{days}d", days) for days in (30, 7, 1)]
            + [(end - timedelta(days=OFFER_DAYS_BEFORE), "offer", OFFER_DAYS_BEFORE)]
        )
        for at, step, days_left in plan:
            self.step(f"wait-{step}")
            if await self.wait(max(at - workflow.now(), timedelta(0))):
                return
            if workflow.now() - at > LATE:
                continue
            traits = await self._still_due(end)
            self.step(step)
            step_context = {
                "end_date": end.date().isoformat(),
                "days_left": days_left,
                "plan": traits.get("plan"),
            }
            if step == "offer":
                await self.send("email", self.variant("upgrade-offer", OFFER_VARIANTS), step_context)
            elif days_left == 1:  # the last call: a text where allowed, else email
                await self.send("sms", "renewal_last_call", step_context, fallback=["email"])
            else:
                await self.send("email", "renewal_reminder", step_context)
        self.step("wait-end")
        await self.wait(max(end - workflow.now(), timedelta(0)))

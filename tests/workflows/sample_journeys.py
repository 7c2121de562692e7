"""Small journeys that exercise one SDK feature each (not shipped, test-only).

Kept free of test imports: workflow modules are re-imported inside Temporal's sandbox.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, Trigger, journey


@journey(trigger="Test Wait For", listens=["Email Opened"], name="test-wait-for")
class WaitForJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        opened = await self.wait_for("Email Opened", timeout=timedelta(days=3))
        await self.send("email", "tips" if opened else "welcome")


@journey(trigger="Test Undeclared", name="test-undeclared")
class UndeclaredWaitJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.wait_for("Email Opened", timeout=timedelta(days=1))


@journey(trigger="Test Holdout", goal="Order Completed", holdout=0.5, name="test-holdout")
class HoldoutJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.send("email", "welcome")
        await self.wait(days=1)


@journey(trigger="Test Variant", name="test-variant")
class VariantJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        arm = self.variant("subject", ["welcome", "tips"])
        await self.send("email", arm)


@journey(trigger="Test Fallback", name="test-fallback")
class FallbackJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.send("push", "welcome", fallback=["email"])


@journey(trigger="Test Pause", name="test-pause")
class PauseJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.wait(days=1)
        await self.send("email", "welcome")


@journey(trigger="Test Signal", name="test-signal")
class SignalJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        payload = await self.wait_for_signal("callback-done", timeout=timedelta(days=2))
        if payload is not None and payload.get("outcome") == "happy":
            await self.send("email", "tips")


@journey(trigger="Test Local Time", name="test-local-time")
class LocalTimeJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.wait_until_local(hour=9)
        await self.send("email", "welcome")


@journey(trigger="Test Continue", name="test-continue")
class ContinueJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        done = (start.resume or {}).get("done", 0)
        await self.send("email", "welcome", {"round": done})
        if done + 1 < 3:
            await self.wait(days=7)
            await self.continue_as_new({"done": done + 1})


@journey(trigger=Trigger("Order Placed", key="order_id"), reentry=True, name="test-keyed")
class KeyedJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.wait(days=1)


SAMPLES = (
    KeyedJourney,
    WaitForJourney,
    UndeclaredWaitJourney,
    HoldoutJourney,
    VariantJourney,
    FallbackJourney,
    PauseJourney,
    SignalJourney,
    LocalTimeJourney,
    ContinueJourney,
)

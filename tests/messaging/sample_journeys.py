"""Tiny journeys for the messaging tests (not shipped). Workflow code: temporalio and the
standard library at top level, everything else passed through the sandbox."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, journey


@journey(trigger="Test Sms Nudge", name="test-sms-nudge")
class SmsNudgeJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        self.step("sms")
        await self.send("sms", "welcome")


@journey(trigger="Test Email Once", name="test-email-once")
class EmailOnceJourney(Journey):
    async def run(self, start: JourneyStart) -> None:
        self.step("email")
        await self.send("email", "welcome")


SAMPLES = (SmsNudgeJourney, EmailOnceJourney)

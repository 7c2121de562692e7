"""The journey of docs/journeys.md ("Write your first journey"), verbatim, so the guide's
code is tested in CI. Not shipped: it lives here with its templates in guide_templates/.

Trial conversion: help trial users to their first project, then remind them that the
trial ends. A subscription ends it at any point."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, journey


@journey(trigger="Trial Started", goal="Subscription Started")
class TrialConversion(Journey):
    """Tips or setup help on day 3, a trial-ending reminder on day 10."""

    async def run(self, start: JourneyStart) -> None:
        self.step("wait-first-check")
        if await self.wait(days=3):  # True: the goal arrived, stop here
            return
        profile = await self.profile()  # fresh contact data, read through an activity
        if profile.traits.get("projects", 0) > 0:
            self.step("tips")
            await self.send("email", "trial_tips")
        else:
            self.step("setup-help")
            await self.send("email", "trial_setup_help")
        self.step("wait-trial-end")
        if await self.wait(days=7):
            return
        self.step("trial-ending")
        await self.send("email", "trial_ending", {"days_left": 4})

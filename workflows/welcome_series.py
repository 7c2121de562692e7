"""Welcome series (seed 000): a new sign-up gets a welcome email at once, tips on day 2
and a first-order incentive on day 5 unless they have ordered; an order ends it."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, journey


@journey(trigger="Signed Up", goal="Order Completed")
class WelcomeSeries(Journey):
    """Welcome email now, tips on day 2, first-order incentive on day 5 unless ordered."""

    async def run(self, start: JourneyStart) -> None:
        self.step("welcome")
        await self.send("email", "welcome")
        self.step("wait-tips")
        if await self.wait(days=2):
            return
        self.step("tips")
        await self.send("email", "tips")
        self.step("wait-incentive")
        if await self.wait(days=3):
            return
        self.step("incentive")
        await self.send("email", "first_order_incentive")

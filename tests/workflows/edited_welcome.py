"""Two edits of the welcome series, to show what the replay test protects against.

Kept in their own module: workflow modules are re-imported inside Temporal's sandbox and
must import only `temporalio`, the standard library and pass-through modules.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, journey


@journey(trigger="Signed Up", goal="Order Completed", name="welcome-series")
class EditedInPlace(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.send("email", "welcome")
        await self.send("email", "new_step")  # added without a patch: breaks waiting contacts
        if await self.wait(days=2):
            return
        await self.send("email", "tips")
        if await self.wait(days=3):
            return
        await self.send("email", "first_order_incentive")


@journey(trigger="Signed Up", goal="Order Completed", name="welcome-series")
class EditedWithPatch(Journey):
    async def run(self, start: JourneyStart) -> None:
        await self.send("email", "welcome")
        if workflow.patched("welcome-new-step"):
            await self.send("email", "new_step")  # only runs started after the deploy
        if await self.wait(days=2):
            return
        await self.send("email", "tips")
        if await self.wait(days=3):
            return
        await self.send("email", "first_order_incentive")

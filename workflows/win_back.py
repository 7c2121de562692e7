"""Win-back (seeds 000, 001, 002): a customer who ordered before but not in 180 days gets
three offers over two weeks built from what they used to buy. An order ends it.

The daily scan emits `Contact Inactive` for contacts whose last `Order Completed` was
exactly 180 days ago; their past categories are read fresh through an activity.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import CategoriesRequest, JourneyStart
    from workflows.sdk import Journey, inactive_since, journey

INACTIVE_DAYS = 180
# (days after the previous offer, template): three emails over 14 days.
OFFERS = ((0, "winback_offer"), (7, "winback_reminder"), (7, "winback_last_chance"))
ATTRIBUTION_WINDOW = timedelta(days=7)  # an order within a week of the last offer converts
DISCOUNT_PERCENT = 15


@journey(trigger=inactive_since("Order Completed", INACTIVE_DAYS), goal="Order Completed", reentry=True)
class WinBack(Journey):
    """Three offers over 14 days from the categories a lapsed customer used to buy."""

    async def run(self, start: JourneyStart) -> None:
        categories = await self.call_activity(
            "past_categories", CategoriesRequest(contact_id=self.contact_id), result_type=list[str]
        )
        context = {"categories": categories, "discount": DISCOUNT_PERCENT}
        for number, (days, template) in enumerate(OFFERS, start=1):
            self.step(f"wait-offer-{number}")
            if days and await self.wait(days=days):
                return
            self.step(f"offer-{number}")
            await self.send("email", template, context)
        self.step("attribution")
        await self.wait(ATTRIBUTION_WINDOW)

"""Replenishment (seed 002): a reminder 3-5 days before a customer's expected next order,
computed from their own order intervals. One run per order; the next order ends it.

Expected next order = this order + the median gap between the customer's orders (read
through an activity, this order included). With fewer than MIN_ORDERS orders there is no
rhythm to predict and the run ends without sending; customers who order more often than
MIN_INTERVAL need no reminder. A new `Order Completed` starts the next order's run and is
also routed to this one (the dispatcher signals other runs of a keyed journey whose goal
is its own trigger), so a customer who reorders early is never reminded.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.commerce import categories_of, products_of
    from orkiestra.contracts import JourneyStart, OrderInterval, OrderIntervalRequest
    from workflows.sdk import Journey, JourneyEnded, Trigger, journey

MIN_ORDERS = 3
MIN_INTERVAL = timedelta(days=7)
LEAD = timedelta(days=4)  # remind 4 days before the expected date: inside the 3-5 day window
GRACE = timedelta(days=3)  # an order up to 3 days after the expected date still converts


@journey(trigger=Trigger("Order Completed", key="order_id"), goal="Order Completed")
class Replenishment(Journey):
    """A reminder 4 days before the expected next order, from the customer's own rhythm."""

    async def run(self, start: JourneyStart) -> None:
        ordered = workflow.now()  # the run starts when the order arrives
        self.step("rhythm")
        rhythm = await self.call_activity(
            "order_interval",
            OrderIntervalRequest(contact_id=self.contact_id, current=start.event, min_orders=MIN_ORDERS),
            result_type=OrderInterval,
        )
        if rhythm.median_days is None:
            raise JourneyEnded("completed", f"{rhythm.orders} orders: too few to predict the next")
        interval = timedelta(days=rhythm.median_days)
        if interval < MIN_INTERVAL:
            raise JourneyEnded("completed", f"orders every {rhythm.median_days:.1f} days: no reminder needed")

        expected = ordered + interval
        self.step("wait-reminder")
        if await self.wait(interval - LEAD):
            return
        properties = start.event.properties if start.event else {}
        self.step("reminder")
        await self.send(
            "email",
            "replenishment_reminder",
            {
                "expected_date": expected.date().isoformat(),
                "products": products_of(properties),
                "categories": categories_of(properties),
            },
        )
        self.step("attribution")
        await self.wait(LEAD + GRACE)

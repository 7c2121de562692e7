"""Post-purchase (seeds 000, 004): one run per order. A thank-you at once, a review
request two days after the expected delivery, and a cross-sell a week after the
purchase built from the categories bought.

The run starts when the order arrives, so `workflow.now()` at the start is the purchase
time. The expected delivery comes from the order's `expected_delivery` property (an ISO
date, or date-time) when the shop sends it, else DEFAULT_DELIVERY after the purchase.
"""

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.commerce import categories_of, order_value, parse_day, products_of
    from orkiestra.contracts import JourneyStart
    from workflows.sdk import Journey, Trigger, journey

DEFAULT_DELIVERY = timedelta(days=3)
REVIEW_AFTER_DELIVERY = timedelta(days=2)
CROSS_SELL_AFTER = timedelta(days=7)
SEND_HOUR_UTC = 10  # a delivery given as a date is taken as that day at 10:00 UTC


def order_context(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(properties.get("order_id", "")),
        "value": round(order_value(properties), 2),
        "currency": properties.get("currency") or "PLN",
        "products": products_of(properties),
    }


@journey(trigger=Trigger("Order Completed", key="order_id"))
class PostPurchase(Journey):
    """Thanks now, a review request 2 days after delivery, a cross-sell on day 7."""

    async def run(self, start: JourneyStart) -> None:
        properties = start.event.properties if start.event else {}
        purchased = workflow.now()
        order = order_context(properties)
        categories = categories_of(properties)

        self.step("thanks")
        await self.send("email", "order_thanks", {"order": order}, purpose="transactional")

        delivery = parse_day(properties.get("expected_delivery"), SEND_HOUR_UTC)
        review_at = (delivery or purchased + DEFAULT_DELIVERY) + REVIEW_AFTER_DELIVERY
        # A late delivery can push the review past the cross-sell: take them in time order.
        plan = sorted([(review_at, "review"), (purchased + CROSS_SELL_AFTER, "cross-sell")])
        for at, step in plan:
            self.step(f"wait-{step}")
            await self.wait(max(at - workflow.now(), timedelta(0)))
            self.step(step)
            if step == "review":
                await self.send("email", "review_request", {"order": order})
            elif categories:
                await self.send("email", "cross_sell", {"order": order, "categories": categories})

"""Abandoned cart (seed 001): a cart left for 2 hours without an order gets an email
reminder when it is worth at least MIN_CART_VALUE, reviews of its products at 24 hours
and, for premium customers only, a short SMS at 48 hours. An order ends it at any point.

Consent, suppression and frequency caps are not checked here: every send goes through
the messaging path, which records a skipped send with its reason.
"""

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.commerce import order_value, products_of
    from orkiestra.contracts import EventPayload, JourneyStart, Profile
    from workflows.sdk import Journey, JourneyEnded, journey

CART_EVENTS = ("Checkout Started", "Product Added")
MIN_CART_VALUE = 100.0
COOL_DOWN = timedelta(days=7)  # a contact re-enters at most once a week
ATTRIBUTION_WINDOW = timedelta(days=1)  # an order this soon after the last nudge still converts


def cart_of(events: list[EventPayload]) -> dict[str, Any]:
    """The cart as the latest events describe it: the last checkout if there was one
    (it lists the whole cart), else every product added so far."""
    checkouts = [e for e in events if e.name != "Product Added"]
    if checkouts:
        props = checkouts[-1].properties
        products, value = products_of(props), order_value(props)
    else:
        products = [p for e in events for p in products_of(e.properties)]
        value = sum(p["price"] * p["quantity"] for p in products)
    latest = events[-1].properties if events else {}
    return {
        "value": round(value, 2),
        "currency": latest.get("currency") or "PLN",
        "products": products,
        "url": latest.get("cart_url") or latest.get("url"),
    }


def is_premium(profile: Profile) -> bool:
    return profile.traits.get("premium") is True or "premium" in profile.segments


@journey(trigger=list(CART_EVENTS), goal="Order Completed", reentry=COOL_DOWN)
class AbandonedCart(Journey):
    """Cart reminder at 2 h (carts worth 100+), product reviews at 24 h, SMS to premium at 48 h."""

    def cart(self) -> dict[str, Any]:
        """Cart events seen so far: the trigger plus any later additions or checkouts."""
        events = [self.start.event] if self.start.event else []
        events += [e for e in self.events() if e.name in CART_EVENTS]
        return cart_of(events)

    async def run(self, start: JourneyStart) -> None:
        self.step("wait-reminder")
        if await self.wait(hours=2):
            return
        cart = self.cart()
        if cart["value"] < MIN_CART_VALUE:
            raise JourneyEnded("completed", f"cart value {cart['value']} below {MIN_CART_VALUE}")
        self.step("reminder")
        await self.send("email", "cart_reminder", {"cart": cart})

        self.step("wait-reviews")
        if await self.wait(hours=22):
            return
        self.step("reviews")
        cart = self.cart()
        await self.send("email", "cart_reviews", {"cart": cart})

        self.step("wait-sms")
        if await self.wait(hours=24):
            return
        if is_premium(await self.profile()):
            self.step("sms")
            await self.send("sms", "cart_nudge", {"cart": cart})
        self.step("attribution")
        await self.wait(ATTRIBUTION_WINDOW)

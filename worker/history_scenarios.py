"""What each shipped journey needs so its recorded history walks its main path.

`orkiestra histories record` enrols every journey on its first trigger. Most journeys
need more than the trigger's filter to get anywhere: a cart worth reminding, an order
with products, a purchase history to read. Each function here seeds that data for the
contact and returns the extra trigger properties.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from worker.testkit import JourneyTestKit

PRODUCTS = [
    {"product_id": "p1", "name": "Espresso Beans 1 kg", "price": 80, "quantity": 2, "category": "Coffee"},
    {"product_id": "p2", "name": "Milk Jug", "price": 40, "category": "Kitchen", "rating": 4.6},
]


def _past_orders(kit: JourneyTestKit, contact_id: str, *days_ago: int) -> None:
    for days in days_ago:
        at = datetime.now(UTC) - timedelta(days=days)
        kit.seed_event(contact_id, "Order Completed", at=at, products=PRODUCTS)


async def abandoned_cart(kit: JourneyTestKit, contact_id: str) -> dict[str, Any]:
    kit.seed_contact(contact_id, premium=True)  # walks the SMS branch too
    return {"value": 200, "currency": "PLN", "products": PRODUCTS}


async def post_purchase(kit: JourneyTestKit, contact_id: str) -> dict[str, Any]:
    return {"total": 200, "currency": "PLN", "products": PRODUCTS}


async def win_back(kit: JourneyTestKit, contact_id: str) -> dict[str, Any]:
    _past_orders(kit, contact_id, 270, 180)
    return {}


async def replenishment(kit: JourneyTestKit, contact_id: str) -> dict[str, Any]:
    _past_orders(kit, contact_id, 60, 30)
    return {"products": PRODUCTS}


async def subscription_renewal(kit: JourneyTestKit, contact_id: str) -> dict[str, Any]:
    end = (await kit.now() + timedelta(days=30)).date().isoformat()
    kit.seed_contact(contact_id, subscription_end=end, plan="Team")
    return {"date": end}


SCENARIOS: dict[str, Callable[[JourneyTestKit, str], Awaitable[dict[str, Any]]]] = {
    "abandoned-cart": abandoned_cart,
    "post-purchase": post_purchase,
    "win-back": win_back,
    "replenishment": replenishment,
    "subscription-renewal": subscription_renewal,
}

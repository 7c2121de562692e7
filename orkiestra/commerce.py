"""Reading e-commerce events as Segment's spec shapes them (`Checkout Started`,
`Product Added`, `Order Completed` with `products[]`), tolerant of what shops really send.

Pure functions: journeys call them inside workflow code, activities on stored events.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

PRODUCT_FIELDS = ("name", "price", "quantity", "category", "url", "image_url", "rating", "review_count")


def number(value: Any, default: float = 0.0) -> float:
    """A property as a number: `120`, `"120.50"` and `"120,50"` all work; junk gives `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return default
    return default


def product(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One product with every field a template may use present (None when unknown), so
    templates stay simple under StrictUndefined."""
    item = {f: raw.get(f) for f in PRODUCT_FIELDS}
    item["name"] = raw.get("name") or raw.get("sku") or raw.get("product_id") or "your item"
    item["price"] = number(raw.get("price"))
    item["quantity"] = int(number(raw.get("quantity"), 1.0)) or 1
    item["review"] = raw.get("review")  # a featured customer review, when the shop sends one
    return item


def products_of(properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The products of an order or checkout; a `Product Added` event is one product."""
    raw = properties.get("products")
    if isinstance(raw, list):
        return [product(p) for p in raw if isinstance(p, Mapping)]
    if any(k in properties for k in ("product_id", "sku", "name")):
        return [product(properties)]
    return []


def order_value(properties: Mapping[str, Any]) -> float:
    """`value`, else `total`, else `revenue`, else the sum of its products."""
    for field in ("value", "total", "revenue"):
        if properties.get(field) is not None:
            return number(properties[field])
    return sum(p["price"] * p["quantity"] for p in products_of(properties))


def categories_of(properties: Mapping[str, Any]) -> list[str]:
    """Categories bought in one order, in order of first appearance, without repeats."""
    found = [p.get("category") for p in products_of(properties)] + [properties.get("category")]
    return list(dict.fromkeys(c for c in found if isinstance(c, str) and c))


def top_categories(orders: Iterable[Mapping[str, Any]], limit: int) -> list[str]:
    """The categories bought most often across `orders` (newest first breaks ties)."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for i, order in enumerate(orders):
        for category in categories_of(order):
            counts[category] += 1
            first_seen.setdefault(category, i)
    ranked = sorted(counts, key=lambda c: (-counts[c], first_seen[c]))
    return ranked[:limit]


def median_interval_days(times: Iterable[datetime]) -> float | None:
    """The median gap in days between consecutive orders; None for fewer than two."""
    ordered = sorted(times)
    gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(ordered)]
    return statistics.median(gaps) if gaps else None


def parse_day(value: Any, hour: int = 0) -> datetime | None:
    """An ISO date (`2025-06-30`, at `hour` UTC) or date-time property as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(hour), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def days_between(later: datetime, earlier: datetime) -> int:
    """Whole days from `earlier` to `later`, rounded (for "in 7 days" in a message)."""
    return round((later - earlier) / timedelta(days=1))

"""Purchase history for journey branches: what a contact buys and how often.

Read fresh from the events table each time a journey asks, so a win-back offer or a
replenishment reminder reflects every order up to that moment.
"""

from __future__ import annotations

from temporalio import activity

from orkiestra.commerce import median_interval_days, top_categories
from orkiestra.contracts import CategoriesRequest, OrderInterval, OrderIntervalRequest
from orkiestra.db import SessionFactory
from orkiestra.logging import get_logger
from orkiestra.persistence import purchases

log = get_logger(__name__)


class PurchaseActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    @activity.defn(name="past_categories")
    def past_categories(self, request: CategoriesRequest) -> list[str]:
        with self.sessions() as session:
            orders = purchases.event_properties(session, request.contact_id, request.event)
        return top_categories(orders, request.limit)

    @activity.defn(name="order_interval")
    def order_interval(self, request: OrderIntervalRequest) -> OrderInterval:
        with self.sessions() as session:
            stored = purchases.event_times(session, request.contact_id, request.event)
        times = {mid: at for mid, at in stored}
        if request.current is not None:
            # The triggering order may not be committed yet when the run starts.
            times.setdefault(request.current.message_id, request.current.timestamp)
        orders = len(times)
        median = median_interval_days(times.values()) if orders >= request.min_orders else None
        log.debug("purchases.interval", contact_id=request.contact_id, orders=orders, median_days=median)
        return OrderInterval(orders=orders, median_days=median)

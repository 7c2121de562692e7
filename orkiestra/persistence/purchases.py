"""A contact's past purchases, read from the events table (no separate orders table:
the `Order Completed` events are the order history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from orkiestra.models import Event

MAX_ORDERS = 200  # enough history for intervals and categories, bounded for heavy buyers


def event_times(session: Session, contact_id: str, name: str) -> list[tuple[str, datetime]]:
    """(messageId, timestamp) of the contact's most recent `name` events, oldest first."""
    rows = session.execute(
        select(Event.message_id, Event.timestamp)
        .where(Event.contact_id == contact_id, Event.name == name)
        .order_by(Event.timestamp.desc())
        .limit(MAX_ORDERS)
    ).all()
    return [(mid, at) for mid, at in reversed(rows)]


def event_properties(session: Session, contact_id: str, name: str) -> list[dict[str, Any]]:
    """Properties of the contact's most recent `name` events, newest first."""
    rows = session.execute(
        select(Event.properties)
        .where(Event.contact_id == contact_id, Event.name == name)
        .order_by(Event.timestamp.desc())
        .limit(MAX_ORDERS)
    ).scalars()
    return [dict(p or {}) for p in rows]

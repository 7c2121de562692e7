"""The daily scan's two questions: whose date falls on a day, and who went quiet.

Both are one SQL statement per trigger and day, and read the same on SQLite and
PostgreSQL (JSON traits through SQLAlchemy's JSON operators, times as UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from orkiestra.models import Contact, Event


def contacts_with_date(session: Session, attribute: str, on: date) -> list[tuple[str, str]]:
    """Contacts whose trait `attribute` (an ISO date or date-time) falls on `on`.

    The date is read as written (`2025-06-30` or `2025-06-30T18:00:00+02:00` both count as
    30 June), so a customer's local date is what matters, not the UTC one.
    """
    value = Contact.traits[attribute].as_string()
    rows = session.execute(
        select(Contact.id, value).where(value.like(f"{on.isoformat()}%")).order_by(Contact.id)
    ).all()
    return [(cid, raw) for cid, raw in rows if _date_of(raw) == on]


def contacts_last_seen_doing(session: Session, event: str, on: date) -> list[tuple[str, datetime]]:
    """Contacts whose most recent `event` happened on day `on` (UTC), with its time."""
    start = datetime.combine(on, time(0), UTC)
    last = func.max(Event.timestamp)
    rows = session.execute(
        select(Event.contact_id, last)
        .where(Event.name == event)
        .group_by(Event.contact_id)
        .having(last >= start, last < start + timedelta(days=1))
        .order_by(Event.contact_id)
    ).all()
    return [(cid, at) for cid, at in rows]


def _date_of(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()  # the date as written
    except ValueError:
        return None

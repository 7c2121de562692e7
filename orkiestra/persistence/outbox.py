"""Claiming and completing outbox rows.

A dispatcher claims a batch by writing its lease (owner + time) on rows that are due.
On PostgreSQL the candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so two
dispatchers never claim the same row; on SQLite the single writer lock gives the same.
Delivered rows are deleted; failed ones get a back-off and wait for the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from orkiestra.models import Event, OutboxEntry


@dataclass(frozen=True)
class ClaimedEvent:
    outbox_id: int
    attempts: int
    event_id: int
    message_id: str
    type: str
    name: str | None
    contact_id: str
    properties: dict[str, Any]
    timestamp: datetime


def claim(session: Session, owner: str, limit: int, lease: timedelta) -> list[ClaimedEvent]:
    now = datetime.now(UTC)
    candidates = (
        select(OutboxEntry.id).where(OutboxEntry.available_at <= now).order_by(OutboxEntry.id).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.execute(candidates).scalars())
    if not ids:
        return []
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(ids))
        .values(lease_owner=owner, available_at=now + lease, attempts=OutboxEntry.attempts + 1)
    )
    rows = session.execute(
        select(OutboxEntry.id, OutboxEntry.attempts, Event)
        .join(Event, Event.id == OutboxEntry.event_id)
        .where(OutboxEntry.id.in_(ids))
        .order_by(OutboxEntry.id)
    ).all()
    return [
        ClaimedEvent(
            outbox_id=oid,
            attempts=attempts,
            event_id=ev.id,
            message_id=ev.message_id,
            type=ev.type,
            name=ev.name,
            contact_id=ev.contact_id,
            properties=ev.properties,
            timestamp=ev.timestamp,
        )
        for oid, attempts, ev in rows
    ]


def complete(session: Session, outbox_ids: list[int], owner: str) -> None:
    if outbox_ids:
        session.execute(
            delete(OutboxEntry).where(OutboxEntry.id.in_(outbox_ids), OutboxEntry.lease_owner == owner)
        )


def retry_later(session: Session, outbox_id: int, error: str, delay: timedelta) -> None:
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == outbox_id)
        .values(available_at=datetime.now(UTC) + delay, lease_owner=None, last_error=error[:2000])
    )


def pending_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(OutboxEntry)).scalar_one()

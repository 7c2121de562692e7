"""Claiming and completing outbox rows.

A dispatcher claims a batch by writing its lease (owner + time) on rows that are due.
On PostgreSQL the candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so two
dispatchers never claim the same row. On SQLite the candidate SELECT runs before the
write lock is taken, so two dispatchers can pick the same ids; the claiming UPDATE
therefore re-checks that each row is still due and only the rows it actually updated
(RETURNING) count as claimed. Delivered rows are deleted; failed ones get a back-off and
wait for the next attempt. Completing and backing off only touch rows the caller still
holds, so a dispatcher whose lease ran out cannot undo another one's claim.
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
    ids = list(
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), OutboxEntry.available_at <= now)
            .values(lease_owner=owner, available_at=now + lease, attempts=OutboxEntry.attempts + 1)
            .returning(OutboxEntry.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    if not ids:
        return []
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


def retry_later(session: Session, outbox_id: int, owner: str, error: str, delay: timedelta) -> None:
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == outbox_id, OutboxEntry.lease_owner == owner)
        .values(available_at=datetime.now(UTC) + delay, lease_owner=None, last_error=error[:2000])
    )


def pending_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(OutboxEntry)).scalar_one()

"""The in-app inbox: what the in-app channel stores and the contact's app reads.

The in-app provider writes with the send's idempotency key (a retried send finds its
row instead of adding a second one); the inbox API lists and marks messages read. Every
read is scoped to one contact, so a token for one inbox can never read another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from orkiestra.models import InboxMessage
from orkiestra.persistence.dialect import insert_for


def add(
    session: Session,
    contact_id: str,
    title: str,
    body: str,
    idempotency_key: str,
    *,
    message_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> InboxMessage:
    """Store one message (or return the one stored under the same key)."""
    session.execute(
        insert_for(session, InboxMessage)
        .values(
            idempotency_key=idempotency_key,
            message_id=message_id,
            contact_id=contact_id,
            title=title[:255],
            body=body,
            data=data or {},
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    return session.execute(
        select(InboxMessage).where(InboxMessage.idempotency_key == idempotency_key)
    ).scalar_one()


def list_for_contact(
    session: Session,
    contact_id: str,
    *,
    unread_only: bool = False,
    limit: int = 50,
    before_id: int | None = None,
) -> list[InboxMessage]:
    """Newest first; page with `before_id` (the last id of the previous page)."""
    query = select(InboxMessage).where(InboxMessage.contact_id == contact_id)
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    if before_id is not None:
        query = query.where(InboxMessage.id < before_id)
    return list(session.execute(query.order_by(InboxMessage.id.desc()).limit(limit)).scalars())


def get(session: Session, contact_id: str, inbox_id: int) -> InboxMessage | None:
    row = session.get(InboxMessage, inbox_id)
    return row if row is not None and row.contact_id == contact_id else None


def unread_count(session: Session, contact_id: str) -> int:
    return session.execute(
        select(func.count())
        .select_from(InboxMessage)
        .where(InboxMessage.contact_id == contact_id, InboxMessage.read_at.is_(None))
    ).scalar_one()


def mark_read(session: Session, contact_id: str, inbox_id: int, at: datetime | None = None) -> bool:
    """Mark one message read; False when the contact has no such message. Marking twice
    keeps the first read time."""
    row = get(session, contact_id, inbox_id)
    if row is None:
        return False
    if row.read_at is None:
        row.read_at = at or datetime.now(UTC)
        session.flush()
    return True


def mark_all_read(session: Session, contact_id: str, at: datetime | None = None) -> int:
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.contact_id == contact_id, InboxMessage.read_at.is_(None))
        .values(read_at=at or datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)

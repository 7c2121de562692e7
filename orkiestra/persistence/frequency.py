"""Frequency-cap slots, taken atomically on SQLite and PostgreSQL alike.

`take_slot` runs in its own transaction whose FIRST statement is an upsert of the
contact's `send_locks` row. On PostgreSQL that row lock makes concurrent decisions for the
same contact and channel wait for each other (and READ COMMITTED gives each following
statement a fresh view, so the waiter sees the slot the first one took). On SQLite the
upsert takes the database write lock at once (a write-first transaction, equivalent to
BEGIN IMMEDIATE), so the same holds. Without the lock, two sends at the same instant
could both count two used slots of three and both send.

Higher-priority sends in flight for the same contact and channel are counted from the
message log (status `sending`, no slot yet, reserved within `PENDING_WINDOW`); the rule
itself is `orkiestra.policy.frequency.slot_decision`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlmodel import Session

from orkiestra.models import Message, SendLock, SendSlot
from orkiestra.persistence.dialect import insert_for
from orkiestra.policy.frequency import Decision, slot_decision

# A reserved send older than this is stuck (its worker died), not competing.
PENDING_WINDOW = timedelta(minutes=10)


def _lock(session: Session, contact_id: str, channel: str) -> None:
    statement = insert_for(session, SendLock).values(contact_id=contact_id, channel=channel, version=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["contact_id", "channel"], set_={"version": SendLock.version + 1}
        )
    )


def take_slot(
    session: Session,
    *,
    message_id: int,
    contact_id: str,
    channel: str,
    purpose: str,
    priority: int,
    cap: int,
    window: timedelta,
    now: datetime,
) -> Decision:
    """Take a slot for `message_id` if the cap and higher-priority sends allow it.

    Call in a fresh transaction and commit right after. Idempotent: a retry of a message
    that already holds a slot gets "take" again without taking a second one.
    """
    _lock(session, contact_id, channel)
    if session.execute(select(SendSlot.id).where(SendSlot.message_id == message_id)).first():
        return "take"
    used = session.execute(
        select(func.count())
        .select_from(SendSlot)
        .where(
            SendSlot.contact_id == contact_id,
            SendSlot.channel == channel,
            SendSlot.purpose == purpose,
            SendSlot.taken_at > now - window,
        )
    ).scalar_one()
    higher = session.execute(
        select(func.count())
        .select_from(Message)
        .where(
            Message.contact_id == contact_id,
            Message.channel == channel,
            Message.purpose == purpose,
            Message.status == "sending",
            Message.priority > priority,
            Message.id != message_id,
            Message.created_at > datetime.now(UTC) - PENDING_WINDOW,
            ~exists().where(SendSlot.message_id == Message.id),
        )
    ).scalar_one()
    decision = slot_decision(cap, used, higher)
    if decision == "take":
        session.add(
            SendSlot(
                message_id=message_id,
                contact_id=contact_id,
                channel=channel,
                purpose=purpose,
                priority=priority,
                taken_at=now,
            )
        )
        session.flush()
    return decision


def release_slot(session: Session, message_id: int) -> None:
    """Give the slot back: the provider refused the message, so it did not count."""
    session.execute(delete(SendSlot).where(SendSlot.message_id == message_id))


def used_slots(session: Session, contact_id: str, channel: str, purpose: str, since: datetime) -> int:
    return session.execute(
        select(func.count())
        .select_from(SendSlot)
        .where(
            SendSlot.contact_id == contact_id,
            SendSlot.channel == channel,
            SendSlot.purpose == purpose,
            SendSlot.taken_at > since,
        )
    ).scalar_one()

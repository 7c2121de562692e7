"""The message log: one row per send, keyed by its idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlmodel import Session

from orkiestra.contracts import SendRequest
from orkiestra.models import Message
from orkiestra.persistence.dialect import insert_for

# Provider feedback (delivered, bounced, complained) moves a sent message on; it is as
# final as "sent", so a retried or replayed send never goes out again. A `deferred` row
# is final too: the journey retries a quiet-hours send under a new key.
FINAL_STATUSES = frozenset({"sent", "skipped", "failed", "deferred", "delivered", "bounced", "complained"})


def reserve(session: Session, request: SendRequest) -> Message:
    """Create the row for this send, or return the one an earlier attempt made."""
    now = datetime.now(UTC)
    session.execute(
        insert_for(session, Message)
        .values(
            idempotency_key=request.idempotency_key,
            contact_id=request.contact_id,
            journey=request.journey,
            workflow_id=request.workflow_id,
            channel=request.channel,
            template=request.template,
            purpose=request.purpose,
            priority=request.priority,
            status="sending",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    return session.execute(
        select(Message).where(Message.idempotency_key == request.idempotency_key)
    ).scalar_one()


def finish(
    session: Session,
    message_id: int,
    *,
    status: str,
    reason: str | None = None,
    to_address: str | None = None,
    subject: str | None = None,
    provider_message_id: str | None = None,
    error: str | None = None,
    provider: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record the outcome; `attempted_at` is cleared, the hand-off is settled."""
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(
            status=status,
            reason=reason,
            to_address=to_address,
            subject=subject,
            provider_message_id=provider_message_id,
            error=error,
            provider=provider,
            retry_at=retry_at,
            attempted_at=None,
            updated_at=datetime.now(UTC),
        )
    )


def start_attempt(session: Session, message_id: int, provider: str, *, hand_off: bool) -> None:
    """Count a provider call before making it. `hand_off=True` (a provider that cannot
    de-duplicate, SMTP) also marks the row: if the worker dies before `finish`, the next
    attempt finds the mark and must not call the provider again."""
    values: dict[str, object] = {
        "attempts": Message.attempts + 1,
        "provider": provider,
        "updated_at": datetime.now(UTC),
    }
    if hand_off:
        values["attempted_at"] = datetime.now(UTC)
    session.execute(update(Message).where(Message.id == message_id).values(**values))


def clear_attempt(session: Session, message_id: int) -> None:
    """The provider certainly did not take the message (refused before the hand-off)."""
    session.execute(update(Message).where(Message.id == message_id).values(attempted_at=None))


def for_contact(session: Session, contact_id: str, limit: int = 200) -> list[Message]:
    return list(
        session.execute(
            select(Message)
            .where(Message.contact_id == contact_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        ).scalars()
    )

"""The message log: one row per send, keyed by its idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlmodel import Session

from orkiestra.contracts import SendRequest
from orkiestra.models import Message
from orkiestra.persistence.dialect import insert_for

FINAL_STATUSES = frozenset({"sent", "skipped", "failed"})


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
) -> None:
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
            updated_at=datetime.now(UTC),
        )
    )


def for_contact(session: Session, contact_id: str, limit: int = 200) -> list[Message]:
    return list(
        session.execute(
            select(Message)
            .where(Message.contact_id == contact_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        ).scalars()
    )

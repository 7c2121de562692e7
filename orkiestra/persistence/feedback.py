"""What providers report back about a send: find the message it is about, move its
status on, find the contact of an address we cannot match to a message.

Suppressing the address of a hard bounce or a complaint is `persistence.suppressions`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from orkiestra.models import Contact, Message
from orkiestra.persistence.suppressions import normalize

# Feedback only moves a message forward: a late "delivered" never hides a bounce.
_RANK = {"sending": 0, "sent": 1, "delivered": 2, "bounced": 3, "complained": 4}


def find_message(
    session: Session, *, message_id: int | None = None, provider_message_id: str | None = None
) -> Message | None:
    """Our own id when the provider echoes it back, else the id the provider gave us."""
    if message_id is not None:
        found = session.get(Message, message_id)
        if found is not None:
            return found
    if provider_message_id:
        candidates = {provider_message_id, provider_message_id.strip("<>"), f"<{provider_message_id}>"}
        return (
            session.execute(select(Message).where(Message.provider_message_id.in_(candidates)).limit(1))
            .scalars()
            .first()
        )
    return None


def mark(session: Session, message: Message, status: str, error: str | None = None) -> bool:
    """Move the message to `status` unless it already went further; True if it moved."""
    if _RANK.get(status, 0) <= _RANK.get(message.status, -1) or message.status not in _RANK:
        return False
    values: dict[str, object] = {"status": status, "updated_at": datetime.now(UTC)}
    if error:
        values["error"] = error[:2000]
    session.execute(update(Message).where(Message.id == message.id).values(**values))
    return True


def contact_for_address(session: Session, channel: str, address: str) -> str | None:
    """The contact who has this address now (feedback about a mail we cannot match)."""
    if channel == "email":
        query = select(Contact.id).where(func.lower(Contact.email) == normalize(channel, address))
    elif channel == "sms":
        query = select(Contact.id).where(Contact.phone.in_({address.strip(), normalize(channel, address)}))
    else:
        return None
    return session.execute(query.limit(1)).scalars().first()

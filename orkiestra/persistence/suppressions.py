"""Suppressed addresses: bounces, complaints and unsubscribes, checked before every send.

Called by the provider feedback webhooks (hard bounce, complaint), the one-click
unsubscribe and support. An address is normalised (emails lower-cased, spaces dropped
from phone numbers) so `Ala@Example.com` and `ala@example.com` are one mailbox.

What a suppression blocks: `bounce`, `complaint` and `manual` block every send to the
address (the mailbox does not work, or its owner reported us); `unsubscribe` blocks
marketing only, so receipts still arrive. A stronger reason replaces a weaker one,
never the other way round.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import Session

from orkiestra.models import SuppressedAddress

MARKETING_ONLY = frozenset({"unsubscribe"})
_STRENGTH = {"unsubscribe": 0, "manual": 1, "complaint": 2, "bounce": 3}


def normalize(channel: str, address: str) -> str:
    address = address.strip()
    if channel == "email":
        return address.lower()
    if channel == "sms":
        return "".join(address.split())
    return address


def suppress(
    session: Session,
    address: str,
    channel: str,
    reason: str,
    *,
    source: str = "system",
    contact_id: str | None = None,
    detail: str | None = None,
) -> SuppressedAddress:
    """Suppress `address` on `channel` (idempotent; keeps the stronger reason)."""
    key = normalize(channel, address)
    row = session.get(SuppressedAddress, (channel, key), with_for_update=True)
    if row is None:
        row = SuppressedAddress(
            channel=channel,
            address=key,
            reason=reason,
            source=source[:64],
            contact_id=contact_id,
            detail=(detail or None) and detail[:1000],
            created_at=datetime.now(UTC),
        )
        session.add(row)
    elif _STRENGTH.get(reason, 1) > _STRENGTH.get(row.reason, 1):
        row.reason, row.source = reason, source[:64]
        row.detail = (detail or None) and detail[:1000]
        row.contact_id = row.contact_id or contact_id
    session.flush()
    return row


def is_suppressed(
    session: Session, address: str, channel: str, purpose: str = "marketing"
) -> SuppressedAddress | None:
    """The suppression that blocks a `purpose` send to `address`, or None."""
    row = session.get(SuppressedAddress, (channel, normalize(channel, address)))
    if row is None or (purpose != "marketing" and row.reason in MARKETING_ONLY):
        return None
    return row


def unsuppress(session: Session, address: str, channel: str) -> bool:
    """Lift a suppression (support, after the contact fixed their mailbox)."""
    result = session.execute(
        delete(SuppressedAddress).where(
            SuppressedAddress.channel == channel, SuppressedAddress.address == normalize(channel, address)
        )
    )
    return bool(result.rowcount)

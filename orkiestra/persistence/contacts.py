"""Contact profiles: identify() traits, anonymous → known merges, reads for the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session

from orkiestra.models import Contact, ContactAlias, Event, OutboxEntry
from orkiestra.models.types import UTCDateTime
from orkiestra.persistence.dialect import insert_for

_COLUMN_TRAITS = {
    "email": ("email",),
    "phone": ("phone",),
    "timezone": ("timezone",),
    "first_name": ("firstName", "first_name"),
    "last_name": ("lastName", "last_name"),
}
_COLUMN_LENGTH: dict[str, int] = {
    column: Contact.__table__.c[column].type.length for column in _COLUMN_TRAITS
}  # type: ignore[attr-defined]


def _column_text(column: str, value: Any) -> str | None:
    """A trait as column text, or None when it cannot be one (an object, empty, too long).

    The trait itself is always kept in `traits`; only the typed column is left alone, so
    odd input never fails the whole call (PostgreSQL enforces VARCHAR lengths).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    return text if 0 < len(text) <= _COLUMN_LENGTH[column] else None


def resolve_contact_ids(session: Session, anonymous_ids: Iterable[str]) -> dict[str, str]:
    """Map anonymous ids that were merged into a known contact to that contact's id."""
    ids = list(set(anonymous_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ContactAlias.anonymous_id, ContactAlias.contact_id).where(ContactAlias.anonymous_id.in_(ids))
    )
    return {anonymous_id: contact_id for anonymous_id, contact_id in rows}


def ensure_contacts(session: Session, seen: dict[str, tuple[bool, datetime]]) -> None:
    """Create missing contacts and move each one's `last_seen_at` forward to its own latest
    event, as two executemany statements (compiled once, whatever the batch size)."""
    if not seen:
        return
    table = Contact.__table__  # type: ignore[attr-defined]
    ordered = sorted(seen.items())  # one lock order for concurrent batches (no deadlocks)
    rows = [
        {"id": cid, "anonymous": anon, "traits": {}, "created_at": at, "updated_at": at}
        for cid, (anon, at) in ordered
    ]
    session.execute(insert_for(session, table).on_conflict_do_nothing(), rows)
    at = bindparam("seen_at", type_=UTCDateTime())
    session.execute(
        update(table)
        .where(table.c.id == bindparam("contact_id"))
        .where(table.c.last_seen_at.is_(None) | (table.c.last_seen_at < at))
        .values(last_seen_at=at),
        [{"contact_id": cid, "seen_at": when} for cid, (_, when) in ordered],
    )


def apply_traits(
    session: Session,
    contact_id: str,
    traits: dict[str, Any],
    context: dict[str, Any],
    at: datetime,
    *,
    known: bool = True,
) -> None:
    """Merge `traits` into the profile. `known=False` (an identify that carries only an
    anonymousId) keeps the contact anonymous, so a later identify can still merge it."""
    # Row lock: two identifies of one contact must not overwrite each other's traits.
    contact = session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        contact = Contact(id=contact_id, created_at=at, anonymous=not known)
        session.add(contact)
    if known:
        contact.anonymous = False
    contact.traits = {**(contact.traits or {}), **traits}
    for column, names in _COLUMN_TRAITS.items():
        for name in names:
            text = _column_text(column, traits.get(name))
            if text is not None:
                setattr(contact, column, text)
    if "name" in traits and not contact.first_name and isinstance(traits["name"], str):
        first, _, last = traits["name"].partition(" ")
        contact.first_name = _column_text("first_name", first)
        contact.last_name = _column_text("last_name", last) or contact.last_name
    if not contact.timezone and isinstance(context.get("timezone"), str):
        contact.timezone = _column_text("timezone", context["timezone"])
    contact.updated_at = at


def merge_anonymous(session: Session, anonymous_id: str, contact_id: str, at: datetime) -> None:
    """Tie `anonymous_id` to `contact_id`: move its events and traits, keep an alias."""
    if anonymous_id == contact_id:
        return
    session.execute(
        insert_for(session, ContactAlias)
        .values(anonymous_id=anonymous_id, contact_id=contact_id, created_at=at)
        .on_conflict_do_nothing()
    )
    anonymous = session.get(Contact, anonymous_id)
    if anonymous is None or not anonymous.anonymous:
        return
    known = session.get(Contact, contact_id)
    if known is not None:
        known.traits = {**(anonymous.traits or {}), **(known.traits or {})}
        for column in _COLUMN_TRAITS:
            if getattr(known, column) is None:
                setattr(known, column, getattr(anonymous, column))
    session.execute(update(Event).where(Event.contact_id == anonymous_id).values(contact_id=contact_id))
    session.execute(
        update(OutboxEntry).where(OutboxEntry.contact_id == anonymous_id).values(contact_id=contact_id)
    )
    session.execute(delete(Contact).where(Contact.id == anonymous_id))


def get_contact(session: Session, contact_id: str) -> Contact | None:
    contact = session.get(Contact, contact_id)
    if contact is not None:
        return contact
    alias = session.get(ContactAlias, contact_id)
    return session.get(Contact, alias.contact_id) if alias else None

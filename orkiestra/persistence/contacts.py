"""Contact profiles: identify() traits, anonymous → known merges, reads for the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import Session

from orkiestra.models import Contact, ContactAlias, Event
from orkiestra.persistence.dialect import insert_for

_COLUMN_TRAITS = {
    "email": ("email",),
    "phone": ("phone",),
    "timezone": ("timezone",),
    "first_name": ("firstName", "first_name"),
    "last_name": ("lastName", "last_name"),
}


def resolve_contact_ids(session: Session, anonymous_ids: Iterable[str]) -> dict[str, str]:
    """Map anonymous ids that were merged into a known contact to that contact's id."""
    ids = list(set(anonymous_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ContactAlias.anonymous_id, ContactAlias.contact_id).where(ContactAlias.anonymous_id.in_(ids))
    )
    return dict(rows.tuples().all())


def ensure_contacts(session: Session, seen: dict[str, tuple[bool, datetime]]) -> None:
    """Create missing contacts and move `last_seen_at` forward, in two statements."""
    if not seen:
        return
    rows = [
        {"id": cid, "anonymous": anon, "traits": {}, "created_at": at, "updated_at": at}
        for cid, (anon, at) in seen.items()
    ]
    session.execute(insert_for(session, Contact).values(rows).on_conflict_do_nothing())
    latest = max(at for _, at in seen.values())
    session.execute(
        update(Contact)
        .where(Contact.id.in_(list(seen)))
        .where((Contact.last_seen_at.is_(None)) | (Contact.last_seen_at < latest))
        .values(last_seen_at=latest)
    )


def apply_traits(
    session: Session, contact_id: str, traits: dict[str, Any], context: dict[str, Any], at: datetime
) -> None:
    contact = session.get(Contact, contact_id)
    if contact is None:
        contact = Contact(id=contact_id, created_at=at)
        session.add(contact)
    contact.anonymous = False
    contact.traits = {**(contact.traits or {}), **traits}
    for column, names in _COLUMN_TRAITS.items():
        for name in names:
            if traits.get(name) not in (None, ""):
                setattr(contact, column, str(traits[name]))
    if "name" in traits and not contact.first_name and isinstance(traits["name"], str):
        first, _, last = traits["name"].partition(" ")
        contact.first_name, contact.last_name = first or None, last or contact.last_name
    if not contact.timezone and isinstance(context.get("timezone"), str):
        contact.timezone = context["timezone"]
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
    session.execute(delete(Contact).where(Contact.id == anonymous_id))


def get_contact(session: Session, contact_id: str) -> Contact | None:
    contact = session.get(Contact, contact_id)
    if contact is not None:
        return contact
    alias = session.get(ContactAlias, contact_id)
    return session.get(Contact, alias.contact_id) if alias else None

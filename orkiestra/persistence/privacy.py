"""GDPR: export everything held about a contact, and erase their personal data.

Both walk `SQLModel.metadata`, so a table another module adds later is covered without
touching this file: any table with a `contact_id` column is exported, and its rows are
deleted on erasure, unless it is one of the few whose rows we keep anonymised:

- events keep name, type and time (counts, funnels, journey statistics) with empty
  properties and context and without user or anonymous id;
- messages keep channel, template, journey and status (send counts, caps history),
  without address, subject, error or any id derived from the contact;
- journey runs keep journey, status and times.

The kept rows are re-keyed to `erased-<hash>`, a keyed hash of the contact id: stable,
so aggregates per contact still add up, and not reversible without `SECRET_KEY`.
Tables keyed by an address rather than a contact (suppression lists) lose the rows of
the contact's addresses. The erasure itself is recorded in `erasures` under that hash.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, Table, cast, delete, literal, or_, select, update
from sqlmodel import Session, SQLModel

from orkiestra.models import Contact, ContactAlias, Erasure, Event, JourneyRun, Message
from orkiestra.persistence import contacts

KEPT_ANONYMISED = {"events", "messages", "journey_runs"}
# Columns that hold a contact's address in tables keyed by address (suppression lists).
# Not `email`: tables without a contact id that have one hold staff (CRM owners).
ADDRESS_COLUMNS = ("address", "recipient")
SKIPPED = {"contacts", "erasures", "alembic_version"}
EXPORT_NAMES = {
    "events": "events",
    "messages": "messages",
    "journey_runs": "journeys",
    "subscription_changes": "subscriptions",
    "contact_aliases": "aliases",
    "suppressed_addresses": "suppressions",
}


def subject_hash(secret: str, contact_id: str) -> str:
    return hmac.new(secret.encode(), f"erasure:{contact_id}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class Subject:
    """The contact and every id and address that points at them."""

    contact: Contact
    ids: list[str]
    addresses: list[str] = field(default_factory=list)


def find_subject(session: Session, contact_id: str) -> Subject | None:
    contact = contacts.get_contact(session, contact_id)
    if contact is None:
        return None
    aliases = session.execute(
        select(ContactAlias.anonymous_id).where(ContactAlias.contact_id == contact.id)
    ).scalars()
    ids = [contact.id, *aliases]
    addresses = [a for a in (contact.email, contact.phone) if a]
    if contact.email:
        addresses.append(contact.email.lower())
    return Subject(contact, ids, sorted(set(addresses)))


def _other_tables() -> list[Table]:
    return [t for name, t in SQLModel.metadata.tables.items() if name not in SKIPPED]


def _rows(session: Session, table: Table, subject: Subject) -> list[dict[str, Any]]:
    conditions = []
    if "contact_id" in table.c:
        conditions.append(table.c.contact_id.in_(subject.ids))
    conditions += [table.c[c].in_(subject.addresses) for c in ADDRESS_COLUMNS if c in table.c]
    if not conditions:
        return []
    return [dict(r._mapping) for r in session.execute(select(table).where(or_(*conditions)))]


def export(session: Session, subject: Subject) -> dict[str, Any]:
    c = subject.contact
    out: dict[str, Any] = {
        "contact_id": c.id,
        "exported_at": datetime.now(UTC),
        "profile": {
            "id": c.id,
            "email": c.email,
            "phone": c.phone,
            "timezone": c.timezone,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "traits": c.traits or {},
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "last_seen_at": c.last_seen_at,
        },
    }
    for table in _other_tables():
        rows = _rows(session, table, subject)
        if rows or table.name in EXPORT_NAMES:
            out[EXPORT_NAMES.get(table.name, table.name)] = rows
    return out


def erase(session: Session, subject: Subject, secret: str, journeys_exited: int) -> Erasure:
    digest = subject_hash(secret, subject.contact.id)
    pseudonym = f"erased-{digest[:24]}"
    ids = subject.ids
    summary: dict[str, int] = {}

    def count(name: str, result: Any) -> None:
        if result.rowcount:
            summary[name] = summary.get(name, 0) + int(result.rowcount)

    count(
        "events",
        session.execute(
            update(Event)
            .where(Event.contact_id.in_(ids))
            .values(contact_id=pseudonym, user_id=None, anonymous_id=None, properties={}, context={})
        ),
    )
    count(
        "messages",
        session.execute(
            update(Message)
            .where(Message.contact_id.in_(ids))
            .values(
                contact_id=pseudonym,
                to_address=None,
                subject=None,
                error=None,
                workflow_id=None,
                idempotency_key=literal("erased-") + cast(Message.id, String),
            )
        ),
    )
    count(
        "journey_runs",
        session.execute(
            update(JourneyRun)
            .where(JourneyRun.contact_id.in_(ids))
            .values(contact_id=pseudonym, workflow_id=JourneyRun.journey + literal(f"/{pseudonym}"))
        ),
    )
    for table in _other_tables():
        if table.name in KEPT_ANONYMISED:
            continue
        conditions = []
        if "contact_id" in table.c:
            conditions.append(table.c.contact_id.in_(ids))
        if table.name == "contact_aliases":
            conditions.append(table.c.anonymous_id.in_(ids))
        conditions += [table.c[c].in_(subject.addresses) for c in ADDRESS_COLUMNS if c in table.c]
        if conditions:
            count(table.name, session.execute(delete(table).where(or_(*conditions))))
    count("contacts", session.execute(delete(Contact).where(Contact.id.in_(ids))))
    erasure = Erasure(
        subject=digest, erased_at=datetime.now(UTC), journeys_exited=journeys_exited, summary=summary
    )
    session.add(erasure)
    session.flush()
    return erasure

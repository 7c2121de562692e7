"""Store Segment calls: events, profile changes and outbox rows in one transaction.

An event is acknowledged only after this commits, and the outbox row that will carry it
to Temporal is part of the same commit, so nothing acknowledged can be lost. Events no
journey cares about get no outbox row at all: they cost one INSERT and no Temporal call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from orkiestra.models import Event, OutboxEntry
from orkiestra.persistence import contacts, scoring
from orkiestra.persistence.dialect import insert_for
from orkiestra.segment import AliasCall, IdentifyCall, SegmentCall


@dataclass(frozen=True)
class IngestResult:
    received: int
    stored: int
    duplicates: int
    routed: int


def store_calls(session: Session, calls: Sequence[SegmentCall], interesting: frozenset[str]) -> IngestResult:
    now = datetime.now(UTC)
    aliases = contacts.resolve_contact_ids(
        session, (c.anonymousId for c in calls if c.anonymousId and not c.userId)
    )

    def contact_of(call: SegmentCall) -> str:
        if call.userId:
            return call.userId
        assert call.anonymousId is not None
        return aliases.get(call.anonymousId, call.anonymousId)

    # The same messageId twice in one request is one event, as across requests.
    unique: dict[str, SegmentCall] = {}
    for call in calls:
        unique.setdefault(call.messageId or "", call)
    rows = [
        {
            "message_id": mid,
            "type": call.type,
            "name": call.event_name,
            "contact_id": contact_of(call),
            "user_id": call.userId,
            "anonymous_id": call.anonymousId,
            "properties": call.event_properties,
            "context": call.context,
            "timestamp": call.occurred_at,
            "received_at": now,
        }
        for mid, call in unique.items()
    ]
    # executemany rather than one multi-VALUES statement: SQLAlchemy compiles a VALUES
    # list of thousands of rows afresh on every call (seconds per batch); executemany
    # compiles once and sends the rows in pages, RETURNING only the ones inserted.
    events = Event.__table__  # type: ignore[attr-defined]
    inserted = session.execute(
        insert_for(session, events)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(events.c.id, events.c.message_id),
        rows,
    ).all()
    new_ids = dict((mid, eid) for eid, mid in inserted)
    fresh = [(unique[mid], new_ids[mid]) for mid in unique if mid in new_ids]

    seen: dict[str, tuple[bool, datetime]] = {}
    for call, _ in fresh:
        cid = contact_of(call)
        at = max(call.occurred_at, seen[cid][1]) if cid in seen else call.occurred_at
        seen[cid] = (not call.userId and cid == call.anonymousId, at)
    contacts.ensure_contacts(session, seen)

    # Outbox rows go in before the profile changes, so a merge later in this same batch
    # moves them to the known contact together with their events.
    outbox = [
        {"event_id": event_id, "contact_id": contact_of(call), "available_at": now}
        for call, event_id in fresh
        if call.event_name in interesting
    ]
    if outbox:
        session.execute(insert_for(session, OutboxEntry.__table__), outbox)  # type: ignore[attr-defined]
    for call, _ in fresh:
        if isinstance(call, IdentifyCall):
            cid = contact_of(call)
            contacts.apply_traits(
                session, cid, call.traits, call.context, call.occurred_at, known=bool(call.userId)
            )
            if call.userId and call.anonymousId:
                contacts.merge_anonymous(session, call.anonymousId, call.userId, call.occurred_at)
        elif isinstance(call, AliasCall):
            contacts.merge_anonymous(session, call.previousId, call.userId, call.occurred_at)
    # Lead scoring and lifecycle stages, in this same transaction and only for calls stored
    # just now (a repeated messageId scores nothing); a `Lead Qualified` it emits is stored
    # through this same path.
    emitted = scoring.after_store(session, [(call, contact_of(call)) for call, _ in fresh])
    if emitted:
        store_calls(session, emitted, interesting)
    return IngestResult(
        received=len(calls),
        stored=len(fresh),
        duplicates=len(calls) - len(fresh),
        routed=len(outbox),
    )

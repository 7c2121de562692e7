"""Helpers for the engagement tests: contacts and sent messages made through the real
persistence paths, and looks at what a request stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from orkiestra.contracts import SendRequest
from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Event, Message, SubscriptionChange
from orkiestra.persistence import messages
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import IdentifyCall, TrackCall

WRITE_KEY = "wk-engagement-0123456789"
ADMIN_KEY = "ak-engagement-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def identify(db: SessionFactory, contact_id: str, **traits: Any) -> str:
    with transaction(db) as session:
        store_calls(session, [IdentifyCall(userId=contact_id, traits=traits)], frozenset())
    return contact_id


def track(db: SessionFactory, contact_id: str, event: str, **properties: Any) -> None:
    with transaction(db) as session:
        store_calls(session, [TrackCall(userId=contact_id, event=event, properties=properties)], frozenset())


def sent_message(
    db: SessionFactory,
    contact_id: str,
    *,
    channel: str = "email",
    to: str | None = None,
    provider_id: str | None = None,
    template: str = "welcome",
    journey: str | None = "welcome-series",
    key: str | None = None,
) -> int:
    """A message row as the messaging path leaves it after a successful send."""
    request = SendRequest(
        idempotency_key=key or f"{journey}/{contact_id}/{template}/{channel}",
        contact_id=contact_id,
        channel=channel,
        template=template,
        journey=journey,
        workflow_id=f"{journey}/{contact_id}",
    )
    with transaction(db) as session:
        row = messages.reserve(session, request)
        assert row.id is not None
        messages.finish(
            session, row.id, status="sent", to_address=to, subject="Welcome!", provider_message_id=provider_id
        )
        return row.id


def events(db: SessionFactory, name: str | None = None) -> list[Event]:
    query = select(Event).order_by(Event.id)
    if name is not None:
        query = query.where(Event.name == name)
    with db() as session:
        return list(session.execute(query).scalars())


def message(db: SessionFactory, message_id: int) -> Message:
    with db() as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found


def changes(db: SessionFactory, contact_id: str) -> list[tuple[str | None, str | None, bool, str]]:
    with db() as session:
        rows = session.execute(
            select(SubscriptionChange)
            .where(SubscriptionChange.contact_id == contact_id)
            .order_by(SubscriptionChange.id)
        ).scalars()
        return [(r.channel, r.topic, r.subscribed, r.source) for r in rows]

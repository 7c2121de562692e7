"""Store lead events (contacted, accepted, disqualified, deal won) through the ingest path.

Used by the CRM webhook and by the built-in CRM's own API: the events land in the
contact's timeline, move the lifecycle stage (ingest's scoring hook) and reach the lead
SLA journey through the outbox and dispatcher like every other event.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlmodel import Session

from api.state import AppState
from orkiestra.db import transaction
from orkiestra.models import Contact
from orkiestra.persistence import contacts, crm
from orkiestra.persistence.ingest import store_calls
from orkiestra.sales.webhooks import CrmEvent
from orkiestra.segment import TrackCall


def _contact_id(session: Session, event: CrmEvent) -> str | None:
    if event.contact_id:
        contact = contacts.get_contact(session, event.contact_id)
        return contact.id if contact else None
    if event.hubspot_id:
        lead = crm.lead_by_external_id(session, event.hubspot_id)
        return lead.contact_id if lead else None
    if event.email:
        query = select(Contact.id).where(Contact.email == event.email).order_by(Contact.created_at)
        return session.execute(query).scalars().first()
    return None


async def store_lead_events(state: AppState, events: Sequence[CrmEvent]) -> tuple[int, list[str]]:
    """Store the events; returns how many were new and the ones whose contact is unknown."""

    def store() -> tuple[int, list[str]]:
        unknown: list[str] = []
        calls = []
        with transaction(state.sessions) as session:
            for event in events:
                contact_id = _contact_id(session, event)
                if contact_id is None:
                    unknown.append(event.message_id)
                    continue
                calls.append(
                    TrackCall(
                        userId=contact_id,
                        event=event.name,
                        messageId=event.message_id,
                        properties=event.properties,
                        timestamp=event.at,
                    )
                )
            stored = store_calls(session, calls, state.interesting).stored if calls else 0
        return stored, unknown

    result = await run_in_threadpool(store)
    if state.dispatcher is not None and result[0]:
        state.dispatcher.notify()
    return result

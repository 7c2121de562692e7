"""Admin API for contacts: profile, messages (with reasons), timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from api.deps import AdminDep, SessionDep, StateDep
from api.errors import ApiError
from api.live_state import live_states
from api.schemas import ContactPublic, JourneyRunPublic, MessagePublic, TimelineEntry
from orkiestra.models import Contact
from orkiestra.persistence import consents, contacts, journeys, messages, scoring, timeline

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], dependencies=[AdminDep])


def _contact_or_404(session: SessionDep, contact_id: str) -> Contact:
    contact = contacts.get_contact(session, contact_id)
    if contact is None:
        raise ApiError(404, f"no contact with id {contact_id!r}; contacts appear after identify or track")
    return contact


@router.get("/{contact_id}", response_model=ContactPublic)
async def get_contact(contact_id: str, state: StateDep) -> ContactPublic:
    """The profile, plus where each active journey is right now."""
    view = await run_in_threadpool(_contact_view, state, contact_id)
    live = await live_states(state.client, [j.workflow_id for j in view.journeys if j.status == "active"])
    for run in view.journeys:
        run.state = live.get(run.workflow_id)
    return view


def _contact_view(state: StateDep, contact_id: str) -> ContactPublic:
    with state.sessions() as session:
        return _build_contact(session, contact_id)


def _build_contact(session: Session, contact_id: str) -> ContactPublic:
    contact = _contact_or_404(session, contact_id)
    traits = contact.traits or {}
    runs = journeys.runs_for_contact(session, contact.id)
    lead = scoring.current(session, contact.id)
    return ContactPublic(
        id=contact.id,
        email=contact.email,
        phone=contact.phone,
        timezone=contact.timezone,
        first_name=contact.first_name,
        last_name=contact.last_name,
        traits=traits,
        # Segments land with their own issue; until then a contact has none.
        score=lead.score if lead else 0,
        stage=lead.stage if lead else "subscriber",
        segments=[],
        consents=consents.summary(session, contact.id),
        journeys=[JourneyRunPublic.model_validate(r, from_attributes=True) for r in runs],
        created_at=contact.created_at,
        last_seen_at=contact.last_seen_at,
    )


@router.get("/{contact_id}/messages", response_model=list[MessagePublic])
def get_messages(
    contact_id: str, session: SessionDep, limit: int = Query(200, ge=1, le=1000)
) -> list[MessagePublic]:
    contact = _contact_or_404(session, contact_id)
    return [
        MessagePublic.model_validate(m, from_attributes=True)
        for m in messages.for_contact(session, contact.id, limit)
    ]


@router.get("/{contact_id}/timeline", response_model=list[TimelineEntry])
async def get_timeline(
    contact_id: str, state: StateDep, limit: int = Query(500, ge=1, le=5000)
) -> list[TimelineEntry]:
    """Events, journey starts and ends, messages; newest first, led by each active
    journey's current step ("waiting for Email Opened until ...")."""

    def load() -> tuple[list[dict[str, Any]], list[str]]:
        with state.sessions() as session:
            contact = _contact_or_404(session, contact_id)
            active = [r.workflow_id for r in journeys.active_runs(session, contact.id)]
            return timeline.for_contact(session, contact.id, limit), active

    entries, active = await run_in_threadpool(load)
    now = datetime.now(UTC)
    live = await live_states(state.client, active)
    current = [
        TimelineEntry(
            at=now,
            kind="journey.now",
            title=s.journey,
            detail={"workflow_id": wid, **s.model_dump(mode="json", exclude={"journey", "contact_id"})},
        )
        for wid, s in live.items()
    ]
    return current + [TimelineEntry(**entry) for entry in entries]

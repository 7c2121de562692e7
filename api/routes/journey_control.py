"""Support actions on journeys: manual enrolment, pause / resume / exit / custom signals.

Enrolment goes through the normal event path (an internal event in the outbox), so it
is durable and obeys the same one-run-per-contact and re-entry rules as any trigger.
Signals go straight to the contact's active runs.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import AdminDep, SessionDep, StateDep
from api.errors import ApiError
from orkiestra.contracts import ControlSignal
from orkiestra.db import transaction
from orkiestra.persistence import contacts, journeys
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from worker.starter import signal_control
from workflows.catalog import journey_specs
from workflows.sdk.spec import MANUAL_ENROLMENT

router = APIRouter(prefix="/v1", tags=["journeys"], dependencies=[AdminDep])


class EnrolRequest(BaseModel):
    contact_id: str = Field(min_length=1, max_length=255)
    properties: dict[str, Any] = Field(default_factory=dict)
    key: str | None = Field(default=None, max_length=255, description="one run per contact and key")


class EnrolAccepted(BaseModel):
    journey: str
    contact_id: str
    message_id: str


class SignalRequest(BaseModel):
    action: Literal["pause", "resume", "exit", "custom"]
    name: str | None = Field(default=None, max_length=255, description="required for custom signals")
    payload: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = Field(default=None, max_length=1000)


class SignalResult(BaseModel):
    signalled: list[str]


def _known_journey(name: str) -> None:
    names = [s.name for s in journey_specs()]
    if name not in names:
        raise ApiError(404, f"no journey named {name!r}; known journeys: {', '.join(names)}")


@router.post(
    "/journeys/{journey}/enrolments", status_code=status.HTTP_202_ACCEPTED, response_model=EnrolAccepted
)
async def enrol(journey: str, body: EnrolRequest, state: StateDep) -> EnrolAccepted:
    """Enrol a contact by hand (accepted: the dispatcher starts the run moments later)."""
    _known_journey(journey)
    message_id = f"enrol-{uuid.uuid4()}"
    call = TrackCall(
        userId=body.contact_id,
        event=MANUAL_ENROLMENT,
        messageId=message_id,
        properties={**body.properties, "journey": journey, "key": body.key},
    )

    def store() -> None:
        with transaction(state.sessions) as session:
            store_calls(session, [call], state.interesting)

    await run_in_threadpool(store)
    if state.dispatcher is not None:
        state.dispatcher.notify()
    return EnrolAccepted(journey=journey, contact_id=body.contact_id, message_id=message_id)


@router.post("/contacts/{contact_id}/journeys/{journey}/signals", response_model=SignalResult)
async def signal_journey(
    contact_id: str, journey: str, body: SignalRequest, state: StateDep, session: SessionDep
) -> SignalResult:
    """Pause, resume or exit a contact's run of `journey`, or send it a custom signal."""
    _known_journey(journey)
    return await _signal(contact_id, [journey], body, state, session)


@router.post("/contacts/{contact_id}/signals", response_model=SignalResult)
async def signal_all(
    contact_id: str, body: SignalRequest, state: StateDep, session: SessionDep
) -> SignalResult:
    """The same signal to every active journey of the contact."""
    return await _signal(contact_id, None, body, state, session)


async def _signal(
    contact_id: str, names: list[str], body: SignalRequest, state: StateDep, session: SessionDep
) -> SignalResult:
    if body.action == "custom" and not body.name:
        raise ApiError(400, 'a custom signal needs a name: {"action": "custom", "name": "..."}')
    if state.client is None:
        raise ApiError(503, "Temporal is not configured (ORKIESTRA_TEMPORAL_ADDRESS); cannot signal")
    contact = contacts.get_contact(session, contact_id)
    runs = journeys.active_runs(session, contact.id if contact else contact_id, names)
    if not runs:
        which = ", ".join(names) if names else "any journey"
        raise ApiError(404, f"contact {contact_id!r} has no active run of {which}")
    control = ControlSignal(action=body.action, name=body.name, payload=body.payload, reason=body.reason)
    for run in runs:
        await signal_control(state.client, run.workflow_id, control)
    return SignalResult(signalled=[r.workflow_id for r in runs])

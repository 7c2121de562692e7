"""The built-in CRM in the admin API: owners, leads (with score and stage history), tasks.

Sales works here when ORKIESTRA_CRM=builtin. Marking a lead's SLA task done is the
"contacted" signal; `POST /v1/leads/{id}/events` reports accepted, disqualified, deal
created or won. Both go through the normal event path, like a CRM webhook.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import AdminDep, SessionDep, StateDep
from api.errors import ApiError
from api.lead_events import store_lead_events
from orkiestra.db import transaction
from orkiestra.models import CrmTask
from orkiestra.persistence import crm, scoring
from orkiestra.sales.webhooks import EVENT_NAMES, CrmEvent

router = APIRouter(prefix="/v1", tags=["sales"], dependencies=[AdminDep])


class OwnerIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    email: str = Field(min_length=3, max_length=320)
    timezone: str = Field(default="Europe/Warsaw", max_length=64)
    country: str | None = Field(default="PL", max_length=8, description="holiday calendar (ISO code)")
    manager_id: str | None = Field(default=None, max_length=255)
    territory: str | None = Field(default=None, max_length=64)
    industries: list[str] = Field(default_factory=list)
    active: bool = True
    hubspot_owner_id: str | None = Field(default=None, max_length=64)


class OwnerOut(OwnerIn):
    id: str
    last_assigned_at: datetime | None = None


class TaskOut(BaseModel):
    id: int
    contact_id: str
    owner_id: str | None
    kind: str
    title: str
    body: str
    status: str
    due_at: datetime | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class TaskUpdate(BaseModel):
    status: Literal["open", "done", "cancelled"]


class LeadOut(BaseModel):
    contact_id: str
    owner_id: str | None
    status: str
    stage: str
    score: int
    email: str | None
    name: str | None
    company: str | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class LeadDetail(LeadOut):
    details: dict[str, Any]
    score_history: list[dict[str, Any]]
    stage_history: list[dict[str, Any]]
    tasks: list[TaskOut]
    notes: list[dict[str, Any]]


class LeadEventIn(BaseModel):
    type: Literal["lead.contacted", "lead.accepted", "lead.disqualified", "deal.created", "deal.won"]
    id: str | None = Field(default=None, max_length=200, description="makes a retry safe")
    properties: dict[str, Any] = Field(default_factory=dict)


class Accepted(BaseModel):
    stored: bool
    event: str


def _validate_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApiError(400, f"timezone {name!r} is not an IANA zone (e.g. Europe/Warsaw)") from exc


@router.get("/owners", response_model=list[OwnerOut])
def list_owners(session: SessionDep) -> list[OwnerOut]:
    return [OwnerOut.model_validate(o, from_attributes=True) for o in crm.owners(session)]


@router.put("/owners/{owner_id}", response_model=OwnerOut)
def put_owner(owner_id: str, body: OwnerIn, state: StateDep) -> OwnerOut:
    """Create or replace an owner (time zone and country drive their SLA clock)."""
    _validate_zone(body.timezone)
    with transaction(state.sessions) as session:
        if body.manager_id and body.manager_id != owner_id and crm.owner(session, body.manager_id) is None:
            raise ApiError(400, f"manager {body.manager_id!r} is not an owner; create the manager first")
        row = crm.save_owner(session, owner_id, body.model_dump())
        return OwnerOut.model_validate(row, from_attributes=True)


@router.get("/leads", response_model=list[LeadOut])
def list_leads(
    session: SessionDep,
    owner_id: str | None = None,
    status: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[LeadOut]:
    return [
        LeadOut.model_validate(r, from_attributes=True) for r in crm.leads(session, owner_id, status, limit)
    ]


@router.get("/leads/{contact_id}", response_model=LeadDetail)
def get_lead(contact_id: str, session: SessionDep) -> LeadDetail:
    lead = crm.lead(session, contact_id)
    if lead is None:
        raise ApiError(404, f"no lead for contact {contact_id!r}; a contact becomes a lead when it qualifies")
    return LeadDetail(
        **LeadOut.model_validate(lead, from_attributes=True).model_dump(),
        details=lead.details or {},
        score_history=[c.model_dump(exclude={"id"}) for c in scoring.history(session, contact_id)],
        stage_history=[c.model_dump(exclude={"id"}) for c in scoring.stage_history(session, contact_id)],
        tasks=[_task(t) for t in crm.tasks(session, None, None, contact_id, 200)],
        notes=[n.model_dump(exclude={"key"}) for n in crm.notes(session, contact_id)],
    )


@router.post("/leads/{contact_id}/events", response_model=Accepted, status_code=202)
async def lead_event(contact_id: str, body: LeadEventIn, state: StateDep) -> Accepted:
    """Report what sales did with a lead (the built-in CRM's webhook)."""
    ident = body.id or str(uuid.uuid4())
    event = CrmEvent(
        message_id=f"crm:{ident}",
        name=EVENT_NAMES[body.type],
        contact_id=contact_id,
        properties={**body.properties, "source": "builtin-crm"},
    )
    stored, unknown = await store_lead_events(state, [event])
    if unknown:
        raise ApiError(404, f"no contact with id {contact_id!r}")
    return Accepted(stored=bool(stored), event=event.name)


def _task(row: CrmTask) -> TaskOut:
    return TaskOut.model_validate(row, from_attributes=True)


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(
    session: SessionDep,
    owner_id: str | None = None,
    status: str | None = None,
    contact_id: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[TaskOut]:
    return [_task(t) for t in crm.tasks(session, owner_id, status, contact_id, limit)]


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: int, session: SessionDep) -> TaskOut:
    row = session.get(CrmTask, task_id)
    if row is None:
        raise ApiError(404, f"no task {task_id}")
    return _task(row)


@router.patch("/tasks/{task_id}", response_model=TaskOut)
async def update_task(task_id: int, body: TaskUpdate, state: StateDep) -> TaskOut:
    """Change a task's status. Completing an SLA task means the lead was contacted."""

    def change() -> tuple[CrmTask, bool]:
        with transaction(state.sessions) as session:
            row = session.get(CrmTask, task_id, with_for_update=True)
            if row is None:
                raise ApiError(404, f"no task {task_id}")
            contacted = body.status == "done" and row.status != "done" and row.kind in ("sla", "reminder")
            row.status = body.status
            row.updated_at = datetime.now(UTC)
            return row, contacted

    row, contacted = await run_in_threadpool(change)
    if contacted:
        event = CrmEvent(
            message_id=f"task-done:{row.id}",
            name="Lead Contacted",
            contact_id=row.contact_id,
            properties={"source": "builtin-crm", "task_id": row.id, "owner_id": row.owner_id},
        )
        await store_lead_events(state, [event])
    return _task(row)

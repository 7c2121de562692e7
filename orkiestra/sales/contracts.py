"""Inputs and results of the sales activities (they cross Temporal as pydantic models).

Every request that creates something in the CRM carries a `key` built from the workflow
run and step, so a retried or replayed activity finds what it created and never creates
it twice. `at` is the journey's own clock (`workflow.now()`), so what the CRM records as
the time of an escalation is the time the SLA said, also in virtual-time tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class OwnerRef(BaseModel):
    id: str
    name: str
    email: str
    timezone: str = "Europe/Warsaw"
    country: str | None = "PL"
    manager_id: str | None = None
    territory: str | None = None
    hubspot_owner_id: str | None = None


class AssignOwner(BaseModel):
    contact_id: str
    exclude: list[str] = Field(default_factory=list)
    at: datetime


class Assignment(BaseModel):
    owner: OwnerRef | None = None
    manager: OwnerRef | None = None
    rule: str = "none"


class LeadPush(BaseModel):
    """Create or update the lead in the CRM: owner, lifecycle stage and lead status."""

    contact_id: str
    owner_id: str | None = None
    stage: str = "mql"
    status: str = "new"  # new | contacted | nurture | accepted | disqualified | won
    at: datetime


class LeadRef(BaseModel):
    contact_id: str
    name: str
    email: str | None = None
    score: int = 0
    external_id: str | None = None
    explanation: str = ""
    recent_activity: list[str] = Field(default_factory=list)


class TaskRequest(BaseModel):
    key: str
    contact_id: str
    owner_id: str | None = None
    kind: Literal["sla", "reminder", "escalation"] = "sla"
    title: str
    body: str = ""
    due_at: datetime | None = None
    at: datetime


class NoteRequest(BaseModel):
    key: str
    contact_id: str
    owner_id: str | None = None
    body: str
    at: datetime


class CrmRef(BaseModel):
    id: int
    external_id: str | None = None


class CloseTasks(BaseModel):
    contact_id: str
    owner_id: str | None = None
    kinds: list[str] = Field(default_factory=lambda: ["sla", "reminder"])
    status: Literal["done", "missed", "cancelled"] = "done"
    at: datetime


class SlaPlanRequest(BaseModel):
    owner_id: str | None = None
    start: datetime


class SlaPlan(BaseModel):
    hours: float
    rounds: int
    timezone: str
    remind_at: datetime
    breach_at: datetime


class OwnerNotice(BaseModel):
    key: str
    owner_id: str
    subject: str
    body: str


class LeadEvent(BaseModel):
    """An internal event about the lead, stored through the normal ingest path."""

    message_id: str
    contact_id: str
    name: str
    properties: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class ScoringJob(BaseModel):
    now: datetime
    batch: int = 500


class ScoringJobResult(BaseModel):
    contacts: int = 0
    points: int = 0
    qualified: int = 0

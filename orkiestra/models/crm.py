"""The built-in CRM: sales owners, leads, tasks and notes.

With ORKIESTRA_CRM=builtin these rows are the CRM. With HubSpot they are the local record
of what was pushed (with HubSpot's ids), which makes every push idempotent and lets
`/v1/leads` and `/v1/tasks` answer without calling HubSpot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from orkiestra.models.events import BigId
from orkiestra.models.types import JSONType, UTCDateTime, utcnow


class Owner(SQLModel, table=True):
    """A salesperson who can own leads: where they work, who their manager is."""

    __tablename__ = "crm_owners"

    id: str = Field(primary_key=True, max_length=255)
    name: str = Field(max_length=255)
    email: str = Field(max_length=320)
    timezone: str = Field(default="Europe/Warsaw", max_length=64)
    country: str | None = Field(default="PL", max_length=8)
    manager_id: str | None = Field(default=None, max_length=255)
    territory: str | None = Field(default=None, max_length=64)
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    active: bool = Field(default=True)
    hubspot_owner_id: str | None = Field(default=None, max_length=64)
    last_assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Lead(SQLModel, table=True):
    """One lead per contact: its owner, status and the CRM's id for the contact."""

    __tablename__ = "crm_leads"
    __table_args__ = (Index("ix_crm_leads_owner_status", "owner_id", "status"),)

    contact_id: str = Field(primary_key=True, max_length=255)
    owner_id: str | None = Field(default=None, max_length=255)
    status: str = Field(default="new", max_length=32)
    stage: str = Field(default="mql", max_length=32)
    score: int = Field(default=0)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=512)
    company: str | None = Field(default=None, max_length=255)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    external_id: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CrmTask(SQLModel, table=True):
    __tablename__ = "crm_tasks"
    __table_args__ = (
        Index("ix_crm_tasks_owner_status", "owner_id", "status"),
        Index("ix_crm_tasks_contact", "contact_id", "status"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    key: str = Field(unique=True, max_length=512)
    contact_id: str = Field(max_length=255)
    owner_id: str | None = Field(default=None, max_length=255)
    kind: str = Field(max_length=32)  # sla | reminder | escalation
    title: str = Field(max_length=500)
    body: str = Field(default="")
    status: str = Field(default="open", max_length=16)  # open | done | missed | cancelled
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    external_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CrmNote(SQLModel, table=True):
    __tablename__ = "crm_notes"
    __table_args__ = (Index("ix_crm_notes_contact", "contact_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    key: str = Field(unique=True, max_length=512)
    contact_id: str = Field(max_length=255)
    owner_id: str | None = Field(default=None, max_length=255)
    body: str = Field(default="")
    external_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

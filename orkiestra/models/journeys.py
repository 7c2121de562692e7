"""One row per journey run, so counts and a contact's journeys need no Temporal query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from orkiestra.models.types import UTCDateTime, utcnow


class JourneyRun(SQLModel, table=True):
    __tablename__ = "journey_runs"
    __table_args__ = (
        Index("ix_journey_runs_contact", "contact_id", "journey"),
        Index("ix_journey_runs_journey_status", "journey", "status"),
    )

    run_id: str = Field(primary_key=True, max_length=64)
    workflow_id: str = Field(max_length=512, index=True)
    journey: str = Field(max_length=255)
    contact_id: str = Field(max_length=255)
    status: str = Field(default="active", max_length=32)
    outcome: str | None = Field(default=None, max_length=255)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

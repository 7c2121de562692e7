"""Lead scores, the history of every score change, and lifecycle stage transitions.

The current score and stage sit in one row per contact so the admin API and the ingest
hook read them with one lookup; the two history tables answer "why is she at 65?" and
"when did she become an MQL?".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from orkiestra.models.events import BigId
from orkiestra.models.types import UTCDateTime, utcnow


class LeadScore(SQLModel, table=True):
    __tablename__ = "lead_scores"
    __table_args__ = (Index("ix_lead_scores_activity", "last_activity_at"),)

    contact_id: str = Field(primary_key=True, max_length=255)
    score: int = Field(default=0)
    fit: int = Field(default=0)
    stage: str = Field(default="subscriber", max_length=32, index=True)
    model_version: str = Field(default="", max_length=32, index=True)
    qualifications: int = Field(default=0)
    last_activity_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_decay_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ScoreChange(SQLModel, table=True):
    """One change of a score: delta, the rule, and a reason a person can read."""

    __tablename__ = "score_changes"
    __table_args__ = (
        Index("ix_score_changes_contact", "contact_id", "id"),
        Index("ix_score_changes_rule", "contact_id", "rule", "event_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    contact_id: str = Field(max_length=255)
    delta: int
    score_after: int
    kind: str = Field(max_length=16)
    rule: str = Field(max_length=255)
    reason: str = Field(max_length=1000)
    message_id: str | None = Field(default=None, max_length=255)
    model_version: str = Field(max_length=32)
    event_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class StageChange(SQLModel, table=True):
    """A lifecycle transition (subscriber → lead → mql → sql → opportunity → customer)."""

    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_contact", "contact_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    contact_id: str = Field(max_length=255)
    from_stage: str = Field(max_length=32)
    to_stage: str = Field(max_length=32)
    reason: str = Field(max_length=1000)
    message_id: str | None = Field(default=None, max_length=255)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)

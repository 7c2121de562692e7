"""Every send attempt, with its status and the reason it was skipped or failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from orkiestra.models.types import UTCDateTime, utcnow


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_contact_created", "contact_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=512)
    contact_id: str = Field(max_length=255)
    journey: str | None = Field(default=None, max_length=255)
    workflow_id: str | None = Field(default=None, max_length=512)
    channel: str = Field(max_length=32)
    template: str = Field(max_length=255)
    status: str = Field(max_length=32)
    reason: str | None = Field(default=None, max_length=64)
    to_address: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=998)
    provider_message_id: str | None = Field(default=None, max_length=255)
    error: str | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

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
    purpose: str = Field(default="marketing", max_length=32, sa_column_kwargs={"server_default": "marketing"})
    # Higher wins when two sends compete for the last frequency-cap slot.
    priority: int = Field(default=5, sa_column_kwargs={"server_default": "5"})
    status: str = Field(max_length=32)
    reason: str | None = Field(default=None, max_length=64)
    to_address: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=998)
    provider: str | None = Field(default=None, max_length=32)
    provider_message_id: str | None = Field(default=None, max_length=255, index=True)
    error: str | None = Field(default=None)
    # Provider calls made for this row; `attempted_at` is set while a call to a provider
    # that cannot de-duplicate (SMTP) may have handed the message over (see messaging).
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    attempted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # For `deferred` (quiet hours): when the journey tries again.
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

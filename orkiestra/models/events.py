"""Stored events and the transactional outbox that feeds the dispatcher."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from orkiestra.models.types import JSONType, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for volume.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_contact_time", "contact_id", "timestamp"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    message_id: str = Field(unique=True, max_length=255)
    type: str = Field(max_length=16)
    name: str | None = Field(default=None, max_length=255, index=True)
    contact_id: str = Field(max_length=255)
    user_id: str | None = Field(default=None, max_length=255)
    anonymous_id: str | None = Field(default=None, max_length=255)
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    timestamp: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OutboxEntry(SQLModel, table=True):
    """An event some journey cares about, waiting to be routed to Temporal.

    Written in the same transaction as the event, deleted once delivered. A dispatcher
    claims rows with a lease (and `FOR UPDATE SKIP LOCKED` on PostgreSQL), so several
    API processes can drain it at once and a crashed one's rows are picked up again.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "available_at", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    event_id: int = Field(sa_type=BigInteger, nullable=False)
    contact_id: str = Field(max_length=255)
    available_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    lease_owner: str | None = Field(default=None, max_length=64)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None)

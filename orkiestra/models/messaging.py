"""Tables of the messaging policy: the consent log, frequency slots and the in-app inbox.

The message log is `orkiestra/models/messages.py`; suppressed addresses and preference
center choices are `orkiestra/models/engagement.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from orkiestra.models.events import BigId
from orkiestra.models.types import JSONType, UTCDateTime, utcnow


class ConsentRecord(SQLModel, table=True):
    """One change of a contact's consent for a channel and purpose. Append-only: the
    newest row per (contact, channel, purpose) is the current state, older rows are the
    evidence of who agreed to what, when and where (source)."""

    __tablename__ = "consent_log"
    __table_args__ = (Index("ix_consent_log_current", "contact_id", "channel", "purpose", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    contact_id: str = Field(max_length=255)
    channel: str = Field(max_length=32)
    purpose: str = Field(max_length=32)
    status: str = Field(max_length=16)  # granted | denied | pending (double opt-in)
    source: str = Field(max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SendLock(SQLModel, table=True):
    """One row per contact and channel, written first in every frequency-cap decision so
    that concurrent decisions for the same contact and channel run one after the other
    (a row lock on PostgreSQL, the database write lock on SQLite)."""

    __tablename__ = "send_locks"

    contact_id: str = Field(primary_key=True, max_length=255)
    channel: str = Field(primary_key=True, max_length=32)
    version: int = Field(default=0)


class SendSlot(SQLModel, table=True):
    """A message that counts against a frequency cap (one per message, taken just before
    the provider call; given back when the provider rejects the message)."""

    __tablename__ = "send_slots"
    __table_args__ = (Index("ix_send_slots_window", "contact_id", "channel", "purpose", "taken_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    message_id: int = Field(unique=True)
    contact_id: str = Field(max_length=255)
    channel: str = Field(max_length=32)
    purpose: str = Field(max_length=32)
    priority: int = Field(default=5)
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class InboxMessage(SQLModel, table=True):
    """An in-app message the contact's app lists and marks read through the API."""

    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_contact", "contact_id", "created_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    idempotency_key: str = Field(unique=True, max_length=512)
    message_id: int | None = Field(default=None)
    contact_id: str = Field(max_length=255)
    title: str = Field(max_length=255)
    body: str = Field(sa_column=Column(Text, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

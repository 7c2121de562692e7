"""What contacts tell us back: subscription choices, suppressed addresses, erasures.

`subscription_changes` is append-only (the current choice is the latest row), so "when
did she unsubscribe, and where?" always has an answer. `suppressed_addresses` is keyed
by address, not contact, because a bounce or a complaint is about the mailbox whoever
it belongs to. `erasures` proves a GDPR erasure happened without keeping who it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from orkiestra.models.events import BigId
from orkiestra.models.types import JSONType, UTCDateTime, utcnow


class SubscriptionChange(SQLModel, table=True):
    """One choice: a channel (`channel` set) or a topic (`topic` set) turned on or off."""

    __tablename__ = "subscription_changes"
    __table_args__ = (Index("ix_subscription_changes_contact", "contact_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    contact_id: str = Field(max_length=255)
    channel: str | None = Field(default=None, max_length=32)
    topic: str | None = Field(default=None, max_length=64)
    subscribed: bool
    source: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SuppressedAddress(SQLModel, table=True):
    """An address no marketing or transactional send may use: hard bounce, complaint."""

    __tablename__ = "suppressed_addresses"

    channel: str = Field(primary_key=True, max_length=32)
    address: str = Field(primary_key=True, max_length=320)
    reason: str = Field(max_length=64)
    source: str = Field(max_length=64)
    contact_id: str | None = Field(default=None, max_length=255, index=True)
    detail: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Erasure(SQLModel, table=True):
    """Audit of one GDPR erasure. `subject` is a keyed hash of the contact id, so the
    operator can answer "was id X erased?" without the table holding X."""

    __tablename__ = "erasures"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=64, index=True)
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    journeys_exited: int = 0
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))

"""One profile per contact, plus the anonymous ids that were merged into it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from orkiestra.models.types import JSONType, UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"

    id: str = Field(primary_key=True, max_length=255)
    anonymous: bool = Field(default=False)
    email: str | None = Field(default=None, max_length=320, index=True)
    phone: str | None = Field(default=None, max_length=64)
    timezone: str | None = Field(default=None, max_length=64)
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    traits: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ContactAlias(SQLModel, table=True):
    """An `anonymousId` that identify() tied to a `userId`; later events follow it."""

    __tablename__ = "contact_aliases"

    anonymous_id: str = Field(primary_key=True, max_length=255)
    contact_id: str = Field(index=True, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

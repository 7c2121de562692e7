"""Segment HTTP tracking API payloads (identify, track, page, batch).

Field names follow Segment's spec (`userId`, `anonymousId`, `messageId`, ...), so
Segment's and RudderStack's own SDKs work unchanged. Validation errors name the field.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Segment's documented limits: 32 KB per call, 500 KB per batch request.
MAX_CALL_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024

Id = Annotated[str, Field(min_length=1, max_length=255)]


class SegmentCall(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")

    type: str
    userId: Id | None = None
    anonymousId: Id | None = None
    messageId: Id | None = None
    timestamp: datetime | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    integrations: dict[str, Any] = Field(default_factory=dict)

    @field_validator("userId", "anonymousId", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        # Segment accepts numeric ids; store them as text.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:  # e.g. 9999-12-31T23:59:59-14:00 is past year 9999 in UTC
            raise ValueError("timestamp is out of range") from exc

    @model_validator(mode="after")
    def _needs_an_id(self) -> SegmentCall:
        if not self.userId and not self.anonymousId:
            raise ValueError("userId or anonymousId is required")
        if not self.messageId:
            self.messageId = f"ork-{uuid.uuid4()}"
        return self

    @property
    def event_name(self) -> str | None:
        return None

    @property
    def event_properties(self) -> dict[str, Any]:
        return {}

    @property
    def occurred_at(self) -> datetime:
        return self.timestamp or datetime.now(UTC)


class IdentifyCall(SegmentCall):
    type: Literal["identify"] = "identify"
    traits: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_properties(self) -> dict[str, Any]:
        return self.traits


class TrackCall(SegmentCall):
    type: Literal["track"] = "track"
    event: str = Field(min_length=1, max_length=255)
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_name(self) -> str | None:
        return self.event

    @property
    def event_properties(self) -> dict[str, Any]:
        return self.properties


class PageCall(SegmentCall):
    type: Literal["page"] = "page"
    name: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=255)
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_properties(self) -> dict[str, Any]:
        props = dict(self.properties)
        if self.name:
            props.setdefault("name", self.name)
        if self.category:
            props.setdefault("category", self.category)
        return props


class ScreenCall(PageCall):
    """A mobile app's page view."""

    type: Literal["screen"] = "screen"  # type: ignore[assignment]


def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class GroupCall(SegmentCall):
    """Ties the contact to a company/account. Stored as an event; groups have no table yet."""

    type: Literal["group"] = "group"
    groupId: Id
    traits: dict[str, Any] = Field(default_factory=dict)

    _group_id_as_text = field_validator("groupId", mode="before")(_id_text)

    @property
    def event_properties(self) -> dict[str, Any]:
        return {"groupId": self.groupId, "traits": self.traits}


class AliasCall(SegmentCall):
    """Merges `previousId` (usually an anonymous id) into `userId`, like identify with both."""

    type: Literal["alias"] = "alias"
    userId: Id
    previousId: Id

    _previous_id_as_text = field_validator("previousId", mode="before")(_id_text)

    @property
    def event_properties(self) -> dict[str, Any]:
        return {"previousId": self.previousId}


# Segment's SDKs put every call type in one batch; refusing one type would lose the batch.
AnyCall = Annotated[
    IdentifyCall | TrackCall | PageCall | ScreenCall | GroupCall | AliasCall, Field(discriminator="type")
]
CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    batch: list[AnyCall] = Field(min_length=1, max_length=5000)
    context: dict[str, Any] = Field(default_factory=dict)

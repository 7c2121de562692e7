"""Pydantic models that cross the Temporal boundary (workflow, signal and activity inputs).

They travel through `pydantic_data_converter`. Never put table rows here: pass ids and
these public shapes, so a schema change in the database cannot break a running journey's
history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class EventPayload(BaseModel):
    """One stored event as a journey sees it. `message_id` lets a journey drop repeats."""

    message_id: str
    type: str = "track"
    name: str | None = None
    contact_id: str
    properties: dict[str, Any] = Field(default_factory=dict)
    timestamp: datetime


class JourneyStart(BaseModel):
    journey: str
    contact_id: str
    event: EventPayload | None = None
    key: str | None = None
    # Carried across continue-as-new so a long journey resumes where it was.
    resume: dict[str, Any] | None = None
    seen_message_ids: list[str] = Field(default_factory=list)
    sends: int = 0
    paused: bool = False


class ControlSignal(BaseModel):
    """A support action on a running journey: pause, resume, exit or a named custom signal."""

    action: Literal["pause", "resume", "exit", "custom"]
    name: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None


class JourneyOutcome(BaseModel):
    status: Literal["completed", "converted", "exited"]
    detail: str | None = None


class JourneyEnd(BaseModel):
    workflow_id: str
    run_id: str
    journey: str
    contact_id: str
    status: str
    detail: str | None = None


class JourneyState(BaseModel):
    journey: str
    contact_id: str
    step: str
    paused: bool
    waiting_for: str | None = None
    waiting_until: datetime | None = None
    sends: int = 0
    goal_reached: bool = False
    holdout: bool = False
    variants: dict[str, str] = Field(default_factory=dict)


class ProfileRequest(BaseModel):
    contact_id: str


class Profile(BaseModel):
    """Fresh contact data for branches, read through an activity (never stale)."""

    contact_id: str
    exists: bool = True
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    traits: dict[str, Any] = Field(default_factory=dict)
    segments: list[str] = Field(default_factory=list)


class SendRequest(BaseModel):
    idempotency_key: str
    contact_id: str
    channel: str
    template: str
    journey: str | None = None
    workflow_id: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    purpose: Literal["marketing", "transactional"] = "marketing"
    # Higher wins when sends compete for the last frequency-cap slot (see orkiestra/policy).
    priority: int = 5
    # Holdout contacts are followed for conversion but never messaged: record, don't send.
    holdout: bool = False
    # The journey's clock (workflow.now()): quiet hours and cap windows follow it, so they
    # hold in virtual time too. None (callers outside a journey) means the wall clock.
    now: datetime | None = None


class SendResult(BaseModel):
    status: Literal["sent", "skipped", "failed", "deferred"]
    channel: str
    reason: str | None = None
    message_id: int | None = None
    # For `deferred` (quiet hours): when the send may be tried again.
    retry_at: datetime | None = None


class LocalTimeRequest(BaseModel):
    contact_id: str
    now: datetime
    hour: int
    minute: int = 0
    weekdays: list[int] | None = None


class ScanRequest(BaseModel):
    """Input of the daily scan that turns dates and inactivity into events."""

    day: datetime


class ScanResult(BaseModel):
    """What one day's scan stored: new events per kind (repeats of the day add none)."""

    day: str
    date_events: int = 0
    inactivity_events: int = 0
    stored: int = 0


class CategoriesRequest(BaseModel):
    """The categories a contact bought most, read from their past `event`s."""

    contact_id: str
    event: str = "Order Completed"
    limit: int = 3


class OrderIntervalRequest(BaseModel):
    """How often a contact orders, from the timestamps of their past `event`s."""

    contact_id: str
    event: str = "Order Completed"
    # The order that started the run, counted even if it is not stored yet.
    current: EventPayload | None = None
    min_orders: int = 3


class OrderInterval(BaseModel):
    """The median gap between consecutive orders; None when there are too few orders."""

    orders: int
    median_days: float | None = None


class ContentQuery(BaseModel):
    """Ask the content library for templates by tag (see orkiestra/content.py)."""

    channel: str | None = "email"
    topic: str | None = None
    stage: str | None = None
    industry: str | None = None
    exclude: list[str] = Field(default_factory=list)
    limit: int = 10

"""Public response shapes of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from orkiestra.contracts import JourneyState


class JourneyRunPublic(BaseModel):
    journey: str
    workflow_id: str
    status: str
    outcome: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    # For active runs: current step, what it waits for and until when (from Temporal).
    state: JourneyState | None = None


class ContactPublic(BaseModel):
    id: str
    email: str | None
    phone: str | None
    timezone: str | None
    first_name: str | None
    last_name: str | None
    traits: dict[str, Any]
    score: int
    stage: str
    segments: list[str]
    consents: list[dict[str, Any]]
    journeys: list[JourneyRunPublic]
    created_at: datetime
    last_seen_at: datetime | None


class MessagePublic(BaseModel):
    id: int
    channel: str
    template: str
    journey: str | None
    purpose: str = "marketing"
    priority: int = 5
    status: str
    reason: str | None
    to_address: str | None
    subject: str | None
    error: str | None
    provider: str | None = None
    attempts: int = 0
    # For `deferred` (quiet hours): when the journey sends it again.
    retry_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    title: str
    detail: dict[str, Any]


class JourneyPublic(BaseModel):
    name: str
    description: str
    triggers: list[dict[str, Any]]
    goal: str | None
    exits: list[str]
    reentry: str
    counts: dict[str, int]

"""What a journey declares about itself: trigger, goal, exits, events it listens for.

The dispatcher reads these specs (without running any workflow code) to decide which
events need a Temporal call at all and whether an event starts a journey or is signalled
to a running one. Standard library only, so the API can import it freely.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

# Internal events: produced by orkiestra itself and routed like any other event.
MANUAL_ENROLMENT = "Journey Enrolment Requested"
SEGMENT_ENTERED = "Segment Entered"
SEGMENT_EXITED = "Segment Exited"
DATE_REACHED = "Date Reached"
INACTIVE = "Contact Inactive"


@dataclass(frozen=True)
class Trigger:
    """An event that enrols a contact, optionally only when its properties match.

    `where` maps a property name to the value it must equal; `key` names the property
    whose value gives one run per contact *and* key (e.g. per order id).
    """

    event: str
    where: Mapping[str, Any] = field(default_factory=dict)
    key: str | None = None

    def matches(self, name: str | None, properties: Mapping[str, Any]) -> bool:
        if name != self.event:
            return False
        return all(properties.get(k) == v for k, v in self.where.items())

    def describe(self) -> str:
        """The trigger in words, for `orkiestra journeys` and `GET /v1/journeys`."""
        where = dict(self.where)
        if self.event == DATE_REACHED:
            days = where.get("days_before", 0)
            text = f"{days} days before {where.get('attribute')}" if days else f"on {where.get('attribute')}"
        elif self.event == INACTIVE:
            text = f"no {where.get('event')} for {where.get('days')} days"
        elif self.event in (SEGMENT_ENTERED, SEGMENT_EXITED):
            verb = "enters" if self.event == SEGMENT_ENTERED else "leaves"
            text = f"{verb} segment {where.get('segment')}"
        else:
            filters = ", ".join(f"{k}={v!r}" for k, v in where.items())
            text = f"{self.event} where {filters}" if filters else self.event
        return f"{text} (one run per {self.key})" if self.key else text


def segment_entered(segment: str) -> Trigger:
    """Enrol when a contact enters `segment` (the segments engine emits the event)."""
    return Trigger(SEGMENT_ENTERED, {"segment": segment})


def segment_exited(segment: str) -> Trigger:
    return Trigger(SEGMENT_EXITED, {"segment": segment})


def date_reached(attribute: str, days_before: int = 0) -> Trigger:
    """Enrol `days_before` days before the date in trait `attribute` (e.g. subscription_end).

    The daily scan emits `Date Reached` once per contact, attribute, offset and date.
    """
    return Trigger(DATE_REACHED, {"attribute": attribute, "days_before": days_before})


def inactive_since(event: str, days: int) -> Trigger:
    """Enrol contacts whose last `event` was exactly `days` days ago (e.g. win-back)."""
    return Trigger(INACTIVE, {"event": event, "days": days})


@dataclass(frozen=True)
class JourneySpec:
    name: str
    triggers: tuple[Trigger, ...]
    goal: str | None = None
    exits: tuple[str, ...] = ()
    listens: tuple[str, ...] = ()
    reentry: timedelta | bool = False
    holdout: float = 0.0
    description: str = ""

    @property
    def interesting_events(self) -> frozenset[str]:
        """Every event name that needs this journey's attention."""
        names = {t.event for t in self.triggers} | set(self.exits) | set(self.listens)
        names.add(MANUAL_ENROLMENT)
        if self.goal:
            names.add(self.goal)
        return frozenset(names)

    def trigger_for(self, name: str | None, properties: Mapping[str, Any]) -> Trigger | None:
        if name == MANUAL_ENROLMENT:
            if properties.get("journey") != self.name:
                return None
            return Trigger(MANUAL_ENROLMENT, key="key" if properties.get("key") is not None else None)
        return next((t for t in self.triggers if t.matches(name, properties)), None)

    def workflow_id(self, contact_id: str, key: str | None = None) -> str:
        return journey_workflow_id(self.name, contact_id, key)

    def in_holdout(self, contact_id: str) -> bool:
        """Deterministic: the same contact is always in (or out of) this journey's holdout."""
        return self.holdout > 0 and bucket(contact_id, f"{self.name}:holdout") < self.holdout

    def date_triggers(self) -> list[Trigger]:
        return [t for t in self.triggers if t.event == DATE_REACHED]

    def inactivity_triggers(self) -> list[Trigger]:
        return [t for t in self.triggers if t.event == INACTIVE]


def journey_workflow_id(journey: str, contact_id: str, key: str | None = None) -> str:
    """The one place workflow ids are made: `journey/contact` or `journey/contact/key`."""
    base = f"{journey}/{contact_id}"
    return f"{base}/{key}" if key is not None else base


def bucket(contact_id: str, salt: str) -> float:
    """A stable number in [0, 1) for a contact and a salt: the basis of splits."""
    digest = hashlib.sha256(f"{salt}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def pick_variant(
    contact_id: str, experiment: str, variants: Sequence[str], weights: Sequence[float] | None = None
) -> str:
    """Deterministic A/B/n assignment by contact, with optional weights."""
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    weights = list(weights) if weights is not None else [1.0] * len(variants)
    if len(weights) != len(variants) or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative, one per variant, and not all zero")
    point = bucket(contact_id, f"experiment:{experiment}") * sum(weights)
    for variant, weight in zip(variants, weights, strict=True):
        if point < weight:
            return variant
        point -= weight
    return variants[-1]

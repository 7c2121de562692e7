"""What a journey declares about itself: trigger, goal, exits, events it listens for.

The dispatcher reads these specs (without running any workflow code) to decide which
events need a Temporal call at all and whether an event starts a journey or is signalled
to a running one. Standard library only, so the API can import it freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


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


@dataclass(frozen=True)
class JourneySpec:
    name: str
    triggers: tuple[Trigger, ...]
    goal: str | None = None
    exits: tuple[str, ...] = ()
    listens: tuple[str, ...] = ()
    reentry: timedelta | bool = False
    description: str = ""

    @property
    def interesting_events(self) -> frozenset[str]:
        """Every event name that needs this journey's attention."""
        names = {t.event for t in self.triggers} | set(self.exits) | set(self.listens)
        if self.goal:
            names.add(self.goal)
        return frozenset(names)

    def trigger_for(self, name: str | None, properties: Mapping[str, Any]) -> Trigger | None:
        return next((t for t in self.triggers if t.matches(name, properties)), None)

    def workflow_id(self, contact_id: str, key: str | None = None) -> str:
        return journey_workflow_id(self.name, contact_id, key)


def journey_workflow_id(journey: str, contact_id: str, key: str | None = None) -> str:
    """The one place workflow ids are made: `journey/contact` or `journey/contact/key`."""
    base = f"{journey}/{contact_id}"
    return f"{base}/{key}" if key is not None else base

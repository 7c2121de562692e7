"""Scoring rules as plain, frozen values.

Marketing and sales agree on the model in a pull request, not in a settings screen: a
rule is reviewed like code, and its hash (`ScoringModel.version`) tells which contacts
were scored under an older model and need a rescore.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import Any, Literal


@dataclass(frozen=True)
class Condition:
    """A test on one property (or trait): equals, contains (text), one of, or a range."""

    property: str
    equals: Any = None
    contains: str | None = None
    one_of: tuple[Any, ...] = ()
    at_least: float | None = None
    below: float | None = None

    def matches(self, values: Mapping[str, Any]) -> bool:
        value = values.get(self.property)
        if value is None:
            return False
        if self.equals is not None and _norm(value) != _norm(self.equals):
            return False
        if self.contains is not None and (
            not isinstance(value, str) or self.contains.lower() not in value.lower()
        ):
            return False
        if self.one_of and _norm(value) not in {_norm(v) for v in self.one_of}:
            return False
        if self.at_least is not None or self.below is not None:
            number = _number(value)
            if number is None:
                return False
            if self.at_least is not None and number < self.at_least:
                return False
            if self.below is not None and number >= self.below:
                return False
        return True


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class BehaviourRule:
    """`points` for each `event` whose properties pass `where` (all, or any, of them).

    `cap` limits the points this rule gives one contact within `cap_period` (or ever,
    without a period), so ten opens of one newsletter do not make a hot lead.
    """

    name: str
    event: str
    points: int
    where: tuple[Condition, ...] = ()
    match: Literal["all", "any"] = "all"
    cap: int | None = None
    cap_period: timedelta | None = None

    def applies(self, event: str | None, properties: Mapping[str, Any]) -> bool:
        if event != self.event:
            return False
        if not self.where:
            return True
        hits = (c.matches(properties) for c in self.where)
        return any(hits) if self.match == "any" else all(hits)


@dataclass(frozen=True)
class FitRule:
    """`points` while the contact's traits pass `when` (e.g. industry, company size)."""

    name: str
    points: int
    when: tuple[Condition, ...]

    def applies(self, traits: Mapping[str, Any]) -> bool:
        return all(c.matches(traits) for c in self.when)


@dataclass(frozen=True)
class Decay:
    """`points` (negative) after every `after` without activity; never below `floor`."""

    after: timedelta = timedelta(days=60)
    points: int = -20
    floor: int = 0


@dataclass(frozen=True)
class ScoringModel:
    behaviour: tuple[BehaviourRule, ...]
    fit: tuple[FitRule, ...] = ()
    decay: Decay = field(default_factory=Decay)
    mql_threshold: int = 60

    def __post_init__(self) -> None:
        names = [r.name for r in (*self.behaviour, *self.fit)]
        if len(names) != len(set(names)):
            raise ValueError("scoring rule names must be unique (history refers to them)")
        if self.decay.points > 0:
            raise ValueError("decay points must be zero or negative")

    @cached_property
    def version(self) -> str:
        """A short hash of the whole model: it changes whenever any rule changes."""
        canonical = json.dumps(asdict(self), sort_keys=True, default=_canonical)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @cached_property
    def scored_events(self) -> frozenset[str]:
        return frozenset(r.event for r in self.behaviour)

    @cached_property
    def fit_traits(self) -> frozenset[str]:
        return frozenset(c.property for r in self.fit for c in r.when)


def _canonical(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot hash {type(value).__name__} in a scoring model")


def load_model(path: str) -> ScoringModel:
    """Import a model from `package.module:NAME` (the `ORKIESTRA_SCORING_MODEL` setting)."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"scoring model {path!r} must look like 'package.module:NAME'")
    model = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(model, ScoringModel):
        raise TypeError(f"{path} is a {type(model).__name__}, not a ScoringModel")
    return model


@lru_cache(maxsize=8)
def _cached(path: str) -> ScoringModel:
    return load_model(path)


def active_model() -> ScoringModel:
    """The model this process scores with (ORKIESTRA_SCORING_MODEL, default seed 001)."""
    from orkiestra.settings import get_settings

    return _cached(get_settings().scoring_model)

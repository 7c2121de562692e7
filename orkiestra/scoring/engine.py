"""The scoring engine: pure functions from rules, events and traits to score changes.

The database layer applies one event at a time as events arrive; `replay` computes the
same score from a contact's whole history, which is how a rescore under new rules works.
Both use the functions below, so the two paths cannot disagree on what a rule means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orkiestra.scoring.rules import BehaviourRule, ScoringModel


@dataclass(frozen=True)
class Change:
    """One step of a contact's score, with the reason a person can read."""

    delta: int
    kind: str  # behaviour | fit | decay | rescore
    rule: str
    reason: str


@dataclass(frozen=True)
class ScoredEvent:
    name: str | None
    properties: Mapping[str, Any]
    at: datetime


def behaviour_changes(
    model: ScoringModel,
    event: str | None,
    properties: Mapping[str, Any],
    awarded: Callable[[BehaviourRule], int],
) -> list[Change]:
    """Changes for one event. `awarded(rule)` = points the rule already gave this contact
    within its cap period (ask only for capped rules)."""
    changes = []
    for rule in model.behaviour:
        if not rule.applies(event, properties):
            continue
        points = rule.points
        if rule.cap is not None and points > 0:
            points = max(0, min(points, rule.cap - awarded(rule)))
        if points == 0:
            continue
        changes.append(Change(points, "behaviour", rule.name, f"{event}: {rule.name} {points:+d}"))
    return changes


def fit_changes(model: ScoringModel, traits: Mapping[str, Any]) -> list[Change]:
    return [
        Change(r.points, "fit", r.name, f"fit {r.name} {r.points:+d}") for r in model.fit if r.applies(traits)
    ]


def fit_total(model: ScoringModel, traits: Mapping[str, Any]) -> int:
    return sum(c.delta for c in fit_changes(model, traits))


def bounded(score: int, delta: int, floor: int) -> int:
    """The delta that actually applies when the score may not fall below `floor`."""
    if delta >= 0:
        return delta
    return max(delta, min(0, floor - score))


def decays_due(
    model: ScoringModel, last_activity: datetime | None, last_decay: datetime | None, now: datetime
) -> int:
    """How many decay steps are owed at `now`: one per full `after` of inactivity, minus
    those already applied since the last activity."""
    if last_activity is None or model.decay.points == 0:
        return 0
    owed = int((now - last_activity) / model.decay.after)
    if last_decay is not None and last_decay >= last_activity:
        owed -= int((last_decay - last_activity) / model.decay.after)
    return max(0, owed)


def crossed_threshold(model: ScoringModel, before: int, after: int) -> bool:
    """True when a change carries the score from below the MQL threshold to at or above it."""
    return before < model.mql_threshold <= after


@dataclass
class Replay:
    score: int = 0
    fit: int = 0
    last_activity: datetime | None = None
    last_decay: datetime | None = None
    changes: list[Change] = field(default_factory=list)


def replay(
    model: ScoringModel, events: Iterable[ScoredEvent], traits: Mapping[str, Any], now: datetime
) -> Replay:
    """A contact's score from scratch: fit first, then events in time order with decay
    steps wherever `after` passed without activity, up to `now`."""
    state = Replay()
    for change in fit_changes(model, traits):
        state.fit += change.delta
        _apply(state, change, model.decay.floor)
    given: dict[str, list[tuple[datetime, int]]] = defaultdict(list)

    def decay_until(moment: datetime) -> None:
        for _ in range(decays_due(model, state.last_activity, state.last_decay, moment)):
            assert state.last_activity is not None
            step = state.last_decay if state.last_decay and state.last_decay >= state.last_activity else None
            state.last_decay = (step or state.last_activity) + model.decay.after
            reason = f"no activity for {model.decay.after.days} days {model.decay.points:+d}"
            _apply(state, Change(model.decay.points, "decay", "decay", reason), model.decay.floor)

    for event in sorted(events, key=lambda e: e.at):
        if event.name not in model.scored_events:
            continue
        decay_until(event.at)

        def awarded(rule: BehaviourRule, at: datetime = event.at) -> int:
            since = at - rule.cap_period if rule.cap_period else None
            return sum(p for t, p in given[rule.name] if since is None or t > since)

        for change in behaviour_changes(model, event.name, event.properties, awarded):
            given[change.rule].append((event.at, change.delta))
            _apply(state, change, model.decay.floor)
        state.last_activity = event.at
    decay_until(now)
    return state


def _apply(state: Replay, change: Change, floor: int) -> None:
    delta = bounded(state.score, change.delta, floor)
    state.score += delta
    state.changes.append(Change(delta, change.kind, change.rule, change.reason))


def explain(changes: Iterable[Change], limit: int = 10) -> str:
    """A short, human explanation of a score, newest reasons first (for the CRM note)."""
    lines = [f"{c.delta:+d} {c.reason}" for c in list(changes)[-limit:][::-1] if c.delta]
    return "\n".join(lines)

"""Who gets a new lead: a rule by industry, then by territory, then round-robin.

Pure: given the owners (with the time each last got a lead) and the contact's traits,
pick one. Within the group a rule selects, the owner who waited longest since their last
lead goes first, which is round-robin without a separate cursor to keep consistent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TERRITORY_TRAITS = ("territory", "region", "country")


@dataclass(frozen=True)
class Candidate:
    id: str
    industries: tuple[str, ...] = ()
    territory: str | None = None
    last_assigned_at: datetime | None = None


def _norm(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def choose_owner(
    candidates: Sequence[Candidate], traits: Mapping[str, Any], exclude: Sequence[str] = ()
) -> tuple[Candidate | None, str]:
    """The owner for a lead and the rule that chose them (`industry`, `territory`,
    `round-robin`). Owners in `exclude` (who missed this lead's SLA) are skipped while
    anyone else is left; with nobody else, the least recent of them is used again."""
    pool = [c for c in candidates if c.id not in exclude] or [
        c for c in candidates if c.id != (exclude[-1] if exclude else None)
    ]
    if not pool:
        pool = list(candidates)
    if not pool:
        return None, "none"
    industry = _norm(traits.get("industry"))
    territory = next((_norm(traits.get(t)) for t in TERRITORY_TRAITS if _norm(traits.get(t))), None)
    groups = [
        ("industry", [c for c in pool if industry and industry in {_norm(i) for i in c.industries}]),
        ("territory", [c for c in pool if territory and _norm(c.territory) == territory]),
        ("round-robin", pool),
    ]
    rule, group = next((name, g) for name, g in groups if g)
    chosen = min(group, key=lambda c: (c.last_assigned_at or EPOCH, c.id))
    return chosen, rule

"""`orkiestra journeys`: every shipped journey with its triggers, goal and live counts.

Takes the specs as an argument (the CLI reads them from the catalog), so this module
needs nothing from Temporal and stays a plain formatter over the database counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

STATUSES = ("active", "completed", "converted", "exited")


class _Spec(Protocol):
    name: str
    goal: str | None
    triggers: Sequence[Any]


def rows(specs: Sequence[_Spec], counts: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    return [
        {
            "journey": spec.name,
            "triggers": [t.describe() for t in spec.triggers],
            "goal": spec.goal,
            **{status: counts.get(spec.name, {}).get(status, 0) for status in STATUSES},
        }
        for spec in specs
    ]


def render(table: Sequence[Mapping[str, Any]]) -> str:
    """A fixed-width table a person can read in a terminal."""
    header = ["journey", "triggers", "goal", *STATUSES]
    lines = [
        [r["journey"], "; ".join(r["triggers"]), r["goal"] or "-", *(str(r[s]) for s in STATUSES)]
        for r in table
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    numeric = range(3, len(header))

    def fmt(row: list[str]) -> str:
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return "\n".join(fmt(row) for row in [header, *lines])

"""Helpers shared by the scenarios: Segment payloads, percentiles, CPU accounting."""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.stack import Stack

WRITE_KEY_AUTH = ("dev-write-key", "")
LIBRARY = {"library": {"name": "analytics-python", "version": "2.3.3"}}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def identify(user_id: str, email: str) -> dict[str, Any]:
    return {
        "type": "identify",
        "userId": user_id,
        "anonymousId": None,
        "messageId": str(uuid.uuid4()),
        "timestamp": now_iso(),
        "traits": {"email": email, "firstName": "Ada", "plan": "free"},
        "context": LIBRARY,
        "integrations": {},
    }


def track(user_id: str, event: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user_id,
        "anonymousId": None,
        "messageId": str(uuid.uuid4()),
        "timestamp": now_iso(),
        "event": event,
        "properties": properties or {},
        "context": LIBRARY,
        "integrations": {},
    }


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile (pct in 0..100)."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    if pct <= 0:
        return min(values)
    if pct >= 100:
        return max(values)
    return cuts[int(pct) - 1]


@dataclass
class CpuMeter:
    """CPU seconds each process used over a phase, as % of one core and of the machine."""

    stack: Stack
    started: float = field(default_factory=time.perf_counter)
    before: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.before = self.stack.cpu()

    def read(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.started
        after = self.stack.cpu()
        used = {k: round(after[k] - self.before.get(k, 0.0), 2) for k in after}
        return {
            "wall_s": round(wall, 2),
            "cpu_s": used,
            "core_pct": {k: round(100 * v / wall, 1) if wall else 0.0 for k, v in used.items()},
        }


def fmt_cpu(cpu: dict[str, Any]) -> str:
    parts = [f"{k} {v:.0f}%" for k, v in sorted(cpu["core_pct"].items(), key=lambda kv: -kv[1])]
    return f"CPU over {cpu['wall_s']:.1f}s (% of one core): " + ", ".join(parts)

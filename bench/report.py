"""The results table and bench/results/latest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _row(measure: str, value: str, target: str = "", met: bool | None = None) -> dict[str, Any]:
    return {"measure": measure, "value": value, "target": target, "met": met}


def _rate(r: dict[str, Any]) -> str:
    text = f"{r['per_s']:.1f} /s"
    return text if r["complete"] else f"{text} (only {r['delivered']}/{r['requested']} arrived)"


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    a = results.get("a")
    if a:
        out.append(
            _row(
                "(a) ingest, POST /v1/batch x100",
                f"{a['events_per_s']:,.0f} events/s",
                ">= 5,000 events/s",
                a["complete"] and a["events_per_s"] >= 5000,
            )
        )
    b = results.get("b")
    if b:
        ork, bare = b["orkiestra"], b["bare"]
        out.append(_row(f"(b) orkiestra sign-up -> email (N={b['contacts']})", _rate(ork)))
        out.append(_row(f"(b) bare Temporal 1-activity wf (N={b['contacts']})", _rate(bare)))
        out.append(
            _row(
                "(b) ratio orkiestra / bare",
                f"{b['ratio']:.2f}",
                ">= 1.0",
                ork["complete"] and bare["complete"] and b["ratio"] >= 1.0,
            )
        )
    c = results.get("c")
    if c:
        ok = c["missing"] == 0
        out.append(
            _row(
                "(c) track -> inbox latency p50",
                f"{c['p50_ms']:.0f} ms",
                "< 100 ms",
                ok and c["p50_ms"] < 100,
            )
        )
        out.append(
            _row(
                "(c) track -> inbox latency p99",
                f"{c['p99_ms']:.0f} ms",
                "< 250 ms",
                ok and c["p99_ms"] < 250,
            )
        )
    d = results.get("d")
    if d:
        out.append(
            _row(
                f"(d) worker RSS, {d['sleepers']:,} journeys asleep",
                f"{d['worker_rss_mib']:.0f} MiB"
                + ("" if d["complete"] else f" (only {d['delivered']:,} emails arrived)"),
                "< 1024 MiB" + ("" if d["sleepers"] >= 10_000 else " (stated for 10,000)"),
                d["complete"] and d["worker_rss_mib"] < 1024,
            )
        )
        out.append(_row("(d) sleepers started via /v1/batch", f"{d['journeys_per_s']:.1f} journeys/s"))
    return out


def print_table(table: list[dict[str, Any]]) -> None:
    headers = ("measure", "value", "target", "met")
    cells = [
        [r["measure"], r["value"], r["target"], "" if r["met"] is None else ("yes" if r["met"] else "NO")]
        for r in table
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)] if cells else []
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
    print(line)


def write(payload: dict[str, Any], path: Path | None = None) -> Path:
    path = path or RESULTS_DIR / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path

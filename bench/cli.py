"""`python -m bench`: start the stack on loopback, run the scenarios, print a table and
write bench/results/latest.json. Every phase is bounded in count and time."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import ingest, journeys, report
from bench.smtp import ArrivalSink
from bench.stack import Stack, proc_status
from orkiestra.devstack import free_port
from worker.temporal import bundled_binary

PHASES = ("a", "b", "c", "d")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="orkiestra benchmarks on loopback: (a) ingest, (b) end-to-end vs bare Temporal, "
        "(c) track-to-inbox latency, (d) worker memory with journeys asleep.",
    )
    p.add_argument("--only", default="a,b,c,d", help="phases to run, comma-separated (default a,b,c,d)")
    g = p.add_argument_group("(a) ingest")
    g.add_argument("--events", type=int, default=50_000, help="events to ingest (default 50,000)")
    g.add_argument("--batch-size", type=int, default=100, help="events per /v1/batch request (default 100)")
    g.add_argument("--connections", type=int, default=8, help="concurrent HTTP connections (default 8)")
    g = p.add_argument_group("(b) end to end")
    g.add_argument("--contacts", type=int, default=500, help="sign-ups / bare workflows (default 500)")
    g.add_argument(
        "--concurrency",
        type=int,
        default=32,
        help="sign-ups in flight over HTTP, and start_workflow calls in flight for bare (default 32)",
    )
    g = p.add_argument_group("(c) latency")
    g.add_argument("--latency-contacts", type=int, default=100, help="sequential sign-ups (default 100)")
    g.add_argument("--latency-gap", type=float, default=0.05, help="pause between them, s (default 0.05)")
    g = p.add_argument_group("(d) memory")
    g.add_argument(
        "--sleepers",
        type=int,
        default=2_000,
        help="journeys to put asleep (default 2,000, above the worker's 1,000-workflow cache; "
        "the target is stated for 10,000: --sleepers 10000)",
    )
    g.add_argument("--settle", type=float, default=5.0, help="seconds before the second RSS read")
    g = p.add_argument_group("run")
    g.add_argument("--warmup", type=int, default=10, help="warm-up sign-ups / batches, not counted")
    g.add_argument("--phase-timeout", type=float, default=None, help="cap on any phase's wait, s")
    g.add_argument("--api-workers", type=int, default=1, help="API processes (`orkiestra api --workers`)")
    g.add_argument("--log-level", default="INFO", help="ORKIESTRA_LOG_LEVEL of API and worker")
    g.add_argument(
        "--temporal-pragma",
        action="append",
        default=None,
        metavar="PRAGMA=VALUE",
        help="--sqlite-pragma for the Temporal dev server, repeatable "
        "(default journal_mode=wal and synchronous=normal, as `orkiestra dev`)",
    )
    g.add_argument("--database-url", default=None, help="ORKIESTRA_DATABASE_URL (default SQLite in tmp)")
    g.add_argument("--keep", action="store_true", help="keep the temporary folder with logs and state")
    g.add_argument(
        "--output", type=Path, default=None, help="results JSON (default bench/results/latest.json)"
    )
    args = p.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - set(PHASES)
    if unknown:
        p.error(f"--only: unknown phase(s) {sorted(unknown)}; choose from a,b,c,d")
    args.phases = [x for x in PHASES if x in only]
    return args


def _timeout(args: argparse.Namespace, default: float) -> float:
    return args.phase_timeout if args.phase_timeout is not None else default


def _source() -> dict[str, Any]:
    """Which code was measured: commit and how many files differ from it."""
    root = Path(__file__).resolve().parent.parent

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=root, capture_output=True, text=True, check=False).stdout

    changed = [
        line for line in git("status", "--porcelain").splitlines() if line[3:] and "bench/" not in line
    ]
    return {"commit": git("rev-parse", "HEAD").strip(), "files_changed_outside_bench": len(changed)}


def _machine() -> dict[str, Any]:
    temporal = subprocess.run(
        [bundled_binary("temporal"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "temporalio": version("temporalio"),
        "temporal_cli": temporal,
        "loadavg_at_end": os.getloadavg(),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    sink = ArrivalSink(free_port()).start()
    stack = Stack(
        sink.port,
        keep=args.keep,
        log_level=args.log_level,
        database_url=args.database_url,
        temporal_pragmas=args.temporal_pragma or ["journal_mode=wal", "synchronous=normal"],
        api_workers=args.api_workers,
    )
    try:
        t0 = time.perf_counter()
        print(f"starting Temporal dev server, API and workers under {stack.home} ...")
        await stack.start()
        results["startup_s"] = round(time.perf_counter() - t0, 2)
        print(
            f"  stack up in {results['startup_s']}s (API {stack.api_url}, Temporal {stack.temporal_address})"
        )
        results["worker_rss_idle_mib"] = round(proc_status(stack.pid("worker"))["VmRSS"] / 1024, 1)
        if "a" in args.phases:
            print(f"(a) ingest: {args.events:,} events, {args.batch_size}/request, {args.connections} conns")
            results["a"] = await ingest.run(
                stack, args.events, args.batch_size, args.connections, _timeout(args, 300), args.warmup
            )
        if "b" in args.phases:
            print(f"(b) end to end: {args.contacts} contacts, concurrency {args.concurrency}")
            results["b"] = await journeys.end_to_end(
                stack,
                sink,
                args.contacts,
                args.concurrency,
                _timeout(args, max(180.0, args.contacts / 2)),
                args.warmup,
            )
        if "c" in args.phases:
            print(f"(c) latency: {args.latency_contacts} sign-ups one at a time")
            results["c"] = await journeys.latency(
                stack, sink, args.latency_contacts, args.latency_gap, _timeout(args, 10.0)
            )
        if "d" in args.phases:
            print(f"(d) memory: {args.sleepers:,} welcome-series journeys asleep")
            results["d"] = await journeys.sleepers(
                stack,
                sink,
                args.sleepers,
                4,
                _timeout(args, max(180.0, args.sleepers / 4)),
                args.settle,
            )
        results["smtp_messages_total"] = sink.total
        results["http_retries"] = dict(journeys.RETRIES)
    finally:
        print("stopping ...")
        await asyncio.to_thread(stack.stop)
        sink.stop()
        if args.keep:
            print(f"  kept {stack.home} (logs in {stack.logs})")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    load = os.getloadavg()
    source = _source()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if load[0] > 1.0:
        print("  note: the machine is already busy; numbers will be lower than on an idle machine")
    t0 = time.perf_counter()
    try:
        results = asyncio.run(run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    wall = time.perf_counter() - t0
    table = report.rows(results)
    print()
    report.print_table(table)
    print(f"whole run: {wall:.1f}s")
    payload = {
        "started_at": started.isoformat(),
        "wall_s": round(wall, 1),
        "machine": {**_machine(), "loadavg_at_start": load},
        "source": source,
        "args": {k: v for k, v in vars(args).items() if k != "output"},
        "results": results,
        "table": table,
    }
    path = report.write(payload, args.output)
    print(f"results written to {path}")
    return 0

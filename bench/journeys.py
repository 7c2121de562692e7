"""(b) end-to-end journeys vs bare Temporal, (c) track-to-inbox latency, (d) worker memory
with many welcome-series journeys asleep."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

import httpx
from temporalio.client import Client

from bench.bare import WORKFLOW_NAME, BareInput
from bench.common import WRITE_KEY_AUTH, CpuMeter, fmt_cpu, identify, now_iso, percentile, track
from bench.smtp import ArrivalSink
from bench.stack import BARE_QUEUE, Stack, proc_status

RETRIES: dict[str, int] = {}  # path -> requests retried after a dropped connection


def _tag() -> str:
    return uuid.uuid4().hex[:6]


def _http(stack: Stack, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=stack.api_url,
        auth=WRITE_KEY_AUTH,
        timeout=60,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


async def _post(http: httpx.AsyncClient, path: str, payload: dict[str, Any] | bytes) -> None:
    """POST a Segment call; a dropped connection is retried (messageId makes it idempotent)."""
    kwargs: dict[str, Any] = (
        {"content": payload, "headers": {"content-type": "application/json"}}
        if isinstance(payload, bytes)
        else {"json": payload}
    )
    for attempt in range(3):
        try:
            response = await http.post(path, **kwargs)
        except httpx.TransportError:
            if attempt == 2:
                raise
            RETRIES[path] = RETRIES.get(path, 0) + 1
            continue
        if response.status_code != 200:
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:200]}")
        return


def _throughput(
    count: int, t0: float, arrivals: dict[str, float], wanted: list[str] | None = None
) -> dict[str, Any]:
    last = max(arrivals.values()) if arrivals else time.perf_counter()
    elapsed = last - t0
    missing = [r for r in wanted or [] if r not in arrivals]
    return {
        "missing_sample": missing[:20],
        "requested": count,
        "delivered": len(arrivals),
        "elapsed_s": round(elapsed, 3),
        "per_s": round(len(arrivals) / elapsed, 1) if elapsed > 0 else 0.0,
        "complete": len(arrivals) == count,
    }


def explain_missing(stack: Stack, missing: list[str]) -> list[dict[str, Any]]:
    """What orkiestra's own database says about emails the sink never got (SQLite only,
    best effort): the contact id is the address's local part in every scenario here."""
    if not missing or stack.database_url:
        return []
    import sqlite3

    ids = [m.split("@", 1)[0] for m in missing]
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{stack.home / 'orkiestra.db'}?mode=ro", uri=True)
        ) as db:
            rows = db.execute(
                f"SELECT contact_id, status, reason, error FROM messages WHERE contact_id IN "
                f"({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
    except Exception as exc:
        return [{"error": f"could not read messages: {exc}"}]
    found = {r[0]: {"contact_id": r[0], "status": r[1], "reason": r[2], "error": r[3]} for r in rows}
    return [found.get(i, {"contact_id": i, "status": "no message row"}) for i in ids]


def _print_missing(result: dict[str, Any]) -> None:
    for row in result.get("missing_explained") or []:
        print(f"      never arrived: {row}")


# ----- (b) ------------------------------------------------------------------------------
async def orkiestra_signups(
    stack: Stack, sink: ArrivalSink, contacts: int, concurrency: int, timeout: float
) -> dict[str, Any]:
    """`contacts` sign-ups (identify + Signed Up, one contact after the other per slot)."""
    tag = _tag()
    emails = [f"e2e-{tag}-{i}@bench.test" for i in range(contacts)]
    gate = asyncio.Semaphore(concurrency)
    meter = CpuMeter(stack)
    async with _http(stack, concurrency) as http:

        async def sign_up(i: int) -> None:
            async with gate:
                uid = f"e2e-{tag}-{i}"
                await _post(http, "/v1/identify", identify(uid, emails[i]))
                await _post(http, "/v1/track", track(uid, "Signed Up", {"plan": "free"}))

        t0 = time.perf_counter()
        await asyncio.gather(*(sign_up(i) for i in range(contacts)))
        acked = time.perf_counter() - t0
    arrivals = await sink.wait_all(emails, timeout)
    result = _throughput(contacts, t0, arrivals, emails)
    result.update(
        missing_explained=explain_missing(stack, result["missing_sample"]),
        ingest_acked_s=round(acked, 3),
        duplicates=sink.duplicate_count(emails),
        cpu=meter.read(),
    )
    return result


async def bare_signups(
    stack: Stack, sink: ArrivalSink, contacts: int, concurrency: int, timeout: float
) -> dict[str, Any]:
    """`contacts` bare workflows started concurrently with client.start_workflow."""
    tag = _tag()
    emails = [f"bare-{tag}-{i}@bench.test" for i in range(contacts)]
    client = await Client.connect(stack.temporal_address)
    gate = asyncio.Semaphore(concurrency)
    meter = CpuMeter(stack)

    async def start(i: int) -> None:
        async with gate:
            await client.start_workflow(
                WORKFLOW_NAME,
                BareInput(to=emails[i]),
                id=f"bare-{tag}-{i}",
                task_queue=BARE_QUEUE,
            )

    t0 = time.perf_counter()
    await asyncio.gather(*(start(i) for i in range(contacts)))
    started = time.perf_counter() - t0
    arrivals = await sink.wait_all(emails, timeout)
    result = _throughput(contacts, t0, arrivals, emails)
    result.update(started_s=round(started, 3), duplicates=sink.duplicate_count(emails), cpu=meter.read())
    return result


async def end_to_end(
    stack: Stack, sink: ArrivalSink, contacts: int, concurrency: int, timeout: float, warmup: int
) -> dict[str, Any]:
    if warmup:
        await bare_signups(stack, sink, warmup, concurrency, 60)
        await orkiestra_signups(stack, sink, warmup, concurrency, 60)
    bare = await bare_signups(stack, sink, contacts, concurrency, timeout)
    print(
        f"  (b) bare Temporal: {bare['delivered']}/{contacts} emails in {bare['elapsed_s']:.2f}s "
        f"= {bare['per_s']:.1f}/s (all started after {bare['started_s']:.2f}s)"
    )
    print(f"      {fmt_cpu(bare['cpu'])}")
    _print_missing(bare)
    ork = await orkiestra_signups(stack, sink, contacts, concurrency, timeout)
    print(
        f"  (b) orkiestra:     {ork['delivered']}/{contacts} emails in {ork['elapsed_s']:.2f}s "
        f"= {ork['per_s']:.1f}/s (all HTTP calls acknowledged after {ork['ingest_acked_s']:.2f}s)"
    )
    print(f"      {fmt_cpu(ork['cpu'])}")
    _print_missing(ork)
    ratio = ork["per_s"] / bare["per_s"] if bare["per_s"] else 0.0
    return {
        "contacts": contacts,
        "concurrency": concurrency,
        "bare": bare,
        "orkiestra": ork,
        "ratio": round(ratio, 3),
    }


# ----- (c) ------------------------------------------------------------------------------
async def latency(
    stack: Stack, sink: ArrivalSink, contacts: int, gap: float, timeout: float
) -> dict[str, Any]:
    """Track `Signed Up` for one identified contact at a time; time until its email lands."""
    tag = _tag()
    users = [f"lat-{tag}-{i}" for i in range(contacts)]
    emails = [f"{u}@bench.test" for u in users]
    async with _http(stack, 1) as http:
        batch = [identify(u, e) for u, e in zip(users, emails, strict=True)]
        for start in range(0, len(batch), 100):
            await _post(http, "/v1/batch", {"batch": batch[start : start + 100], "sentAt": now_iso()})
        await asyncio.sleep(1.0)
        meter = CpuMeter(stack)
        samples: list[float] = []
        acks: list[float] = []
        missing: list[str] = []
        for user, email in zip(users, emails, strict=True):
            payload = track(user, "Signed Up", {"plan": "free"})
            t0 = time.perf_counter()
            await _post(http, "/v1/track", payload)
            acks.append((time.perf_counter() - t0) * 1000)
            arrived = await sink.wait_one(email, timeout)
            if arrived is None:
                missing.append(email)
            else:
                samples.append((arrived - t0) * 1000)
            await asyncio.sleep(gap)
    result = {
        "contacts": contacts,
        "measured": len(samples),
        "missing": len(missing),
        "missing_explained": explain_missing(stack, missing[:20]),
        "p50_ms": round(percentile(samples, 50), 1),
        "p90_ms": round(percentile(samples, 90), 1),
        "p99_ms": round(percentile(samples, 99), 1),
        "max_ms": round(max(samples), 1) if samples else None,
        "min_ms": round(min(samples), 1) if samples else None,
        "track_ack_p50_ms": round(percentile(acks, 50), 1),
        "track_ack_p99_ms": round(percentile(acks, 99), 1),
        "cpu": meter.read(),
    }
    print(
        f"  (c) track→inbox over {len(samples)} contacts: p50 {result['p50_ms']} ms, "
        f"p90 {result['p90_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms "
        f"(HTTP ack p50 {result['track_ack_p50_ms']} ms); missing {len(missing)}"
    )
    _print_missing(result)
    return result


# ----- (d) ------------------------------------------------------------------------------
def _welcome_series_type() -> str:
    try:
        from workflows.welcome_series import WelcomeSeries

        return WelcomeSeries.spec.name
    except Exception:  # the journey module is being edited: fall back to its known name
        return "welcome-series"


async def _running_journeys(stack: Stack) -> int | None:
    with contextlib.suppress(Exception):
        client = await Client.connect(stack.temporal_address)
        query = f"WorkflowType='{_welcome_series_type()}' AND ExecutionStatus='Running'"
        return (await client.count_workflows(query)).count
    return None


async def sleepers(
    stack: Stack, sink: ArrivalSink, count: int, connections: int, timeout: float, settle: float
) -> dict[str, Any]:
    """Start `count` welcome series through /v1/batch (identify + Signed Up per contact),
    wait for every welcome email, then read the worker's RSS."""
    tag = _tag()
    users = [f"sleep-{tag}-{i}" for i in range(count)]
    emails = [f"{u}@bench.test" for u in users]
    bodies: list[bytes] = []
    for start in range(0, count, 50):
        batch: list[dict[str, Any]] = []
        for user, email in zip(users[start : start + 50], emails[start : start + 50], strict=True):
            batch += [identify(user, email), track(user, "Signed Up", {"plan": "free"})]
        bodies.append(json.dumps({"batch": batch, "sentAt": now_iso()}).encode())
    worker = stack.pid("worker")
    before = proc_status(worker)
    meter = CpuMeter(stack)
    t0 = time.perf_counter()
    async with _http(stack, connections) as http:
        queue = list(reversed(bodies))

        async def sender() -> None:
            while queue:
                await _post(http, "/v1/batch", queue.pop())

        await asyncio.gather(*(sender() for _ in range(connections)))
    acked = time.perf_counter() - t0
    arrivals = await sink.wait_all(emails, timeout, poll=0.25)
    at_last = proc_status(worker)
    cpu = meter.read()
    await asyncio.sleep(settle)
    settled = proc_status(worker)
    running = await _running_journeys(stack)
    throughput = _throughput(count, t0, arrivals, emails)
    result = {
        "sleepers": count,
        "delivered": len(arrivals),
        "complete": len(arrivals) == count,
        "running_welcome_series": running,
        "ingest_acked_s": round(acked, 3),
        "elapsed_s": throughput["elapsed_s"],
        "journeys_per_s": throughput["per_s"],
        "worker_rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "worker_rss_mib": round(at_last["VmRSS"] / 1024, 1),
        "worker_rss_settled_mib": round(settled["VmRSS"] / 1024, 1),
        "worker_peak_rss_mib": round(settled["VmHWM"] / 1024, 1),
        "api_rss_mib": round(proc_status(stack.pid("api"))["VmRSS"] / 1024, 1),
        "temporal_rss_mib": round(proc_status(stack.pid("temporal"))["VmRSS"] / 1024, 1),
        "duplicates": sink.duplicate_count(emails),
        "missing_sample": throughput["missing_sample"],
        "missing_explained": explain_missing(stack, throughput["missing_sample"]),
        "cpu": cpu,
    }
    print(
        f"  (d) {len(arrivals):,}/{count:,} welcome emails in {throughput['elapsed_s']:.1f}s "
        f"({throughput['per_s']:.1f} journeys/s; batches acknowledged after {acked:.1f}s); "
        f"running welcome-series journeys: {running}"
    )
    print(
        f"      worker RSS {result['worker_rss_before_mib']} MiB before → {result['worker_rss_mib']} MiB "
        f"at last email → {result['worker_rss_settled_mib']} MiB after {settle:.0f}s "
        f"(peak {result['worker_peak_rss_mib']} MiB)"
    )
    print(f"      {fmt_cpu(cpu)}")
    _print_missing(result)
    return result

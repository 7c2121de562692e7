"""(a) Ingest throughput: POST /v1/batch, 100 events per request, events no journey
listens to, over several concurrent connections."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from bench.common import WRITE_KEY_AUTH, CpuMeter, fmt_cpu, now_iso, percentile, track
from bench.stack import Stack

EVENT = "Product Viewed"


def _bodies(events: int, batch_size: int, tag: str) -> list[tuple[int, bytes]]:
    """Request bodies built before the clock starts, so the client costs little."""
    out = []
    for start in range(0, events, batch_size):
        batch = [
            track(
                f"{tag}-shopper-{i % 2000}",
                EVENT,
                {
                    "product_id": f"sku-{i % 997}",
                    "name": "Monopoly: 3rd Edition",
                    "category": "Games",
                    "price": 18.99,
                    "currency": "USD",
                },
            )
            for i in range(start, min(events, start + batch_size))
        ]
        out.append((len(batch), json.dumps({"batch": batch, "sentAt": now_iso()}).encode()))
    return out


async def _send_all(
    api_url: str, bodies: list[tuple[int, bytes]], connections: int, deadline: float
) -> tuple[list[float], dict[int, int], int]:
    """Post every body; returns per-request seconds, status counts and events accepted."""
    next_index = 0
    accepted = 0
    durations: list[float] = []
    statuses: dict[int, int] = {}

    async def connection() -> None:
        nonlocal next_index, accepted
        async with httpx.AsyncClient(
            base_url=api_url,
            auth=WRITE_KEY_AUTH,
            limits=httpx.Limits(max_connections=1),
            timeout=60,
            headers={"content-type": "application/json"},
        ) as http:
            while next_index < len(bodies) and time.monotonic() < deadline:
                count, body = bodies[next_index]
                next_index += 1
                t0 = time.perf_counter()
                try:
                    status = (await http.post("/v1/batch", content=body)).status_code
                except httpx.HTTPError:
                    status = 0
                durations.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    accepted += count

    await asyncio.gather(*(connection() for _ in range(connections)))
    return durations, statuses, accepted


async def run(
    stack: Stack, events: int, batch_size: int, connections: int, timeout: float, warmup: int
) -> dict[str, Any]:
    if warmup:
        await _send_all(
            stack.api_url,
            _bodies(warmup * batch_size, batch_size, "warm"),
            connections,
            time.monotonic() + 60,
        )
    bodies = _bodies(events, batch_size, "ingest")
    meter = CpuMeter(stack)
    t0 = time.perf_counter()
    durations, statuses, accepted = await _send_all(
        stack.api_url, bodies, connections, time.monotonic() + timeout
    )
    elapsed = time.perf_counter() - t0
    cpu = meter.read()
    rate = accepted / elapsed if elapsed else 0.0
    ms = [d * 1000 for d in durations]
    result = {
        "events_requested": events,
        "events_accepted": accepted,
        "requests": sum(statuses.values()),
        "statuses": {str(k): v for k, v in statuses.items()},
        "batch_size": batch_size,
        "connections": connections,
        "elapsed_s": round(elapsed, 3),
        "events_per_s": round(rate, 1),
        "request_ms_p50": round(percentile(ms, 50), 1),
        "request_ms_p99": round(percentile(ms, 99), 1),
        "complete": accepted == events,
        "cpu": cpu,
    }
    print(
        f"  (a) {accepted:,}/{events:,} events in {elapsed:.2f}s = {rate:,.0f} events/s "
        f"(request p50 {result['request_ms_p50']} ms, p99 {result['request_ms_p99']} ms, "
        f"statuses {result['statuses']})"
    )
    print(f"      {fmt_cpu(cpu)}")
    return result

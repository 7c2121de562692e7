"""The SMTP sink: a real aiosmtpd server on loopback, run by the bench process.

It keeps no message bodies, only when each recipient's mail arrived (perf_counter, the
same clock the scenarios use), so throughput and latency are read off arrival times.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from typing import Any

from aiosmtpd.controller import Controller


class ArrivalSink:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self.first: dict[str, float] = {}  # recipient -> first arrival
        self.duplicates: dict[str, int] = {}  # recipient -> extra copies
        self.total = 0
        self.controller = Controller(self, hostname=host, port=port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        with self._lock:
            self.total += 1
            for rcpt in envelope.rcpt_tos:
                rcpt = rcpt.lower()
                if rcpt in self.first:
                    self.duplicates[rcpt] = self.duplicates.get(rcpt, 0) + 1
                else:
                    self.first[rcpt] = now
        return "250 Message accepted"

    def start(self) -> ArrivalSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def arrival(self, rcpt: str) -> float | None:
        with self._lock:
            return self.first.get(rcpt)

    def arrivals(self, rcpts: Iterable[str]) -> dict[str, float]:
        with self._lock:
            return {r: self.first[r] for r in rcpts if r in self.first}

    def duplicate_count(self, rcpts: Iterable[str]) -> int:
        with self._lock:
            return sum(self.duplicates.get(r, 0) for r in rcpts)

    async def wait_all(self, rcpts: list[str], timeout: float, poll: float = 0.02) -> dict[str, float]:
        """Arrival times of `rcpts`; returns early when all arrived, else what came by `timeout`."""
        wanted = set(rcpts)
        deadline = time.monotonic() + timeout
        while True:
            got = self.arrivals(wanted)
            if len(got) == len(wanted) or time.monotonic() > deadline:
                return got
            await asyncio.sleep(poll)

    async def wait_one(self, rcpt: str, timeout: float, poll: float = 0.002) -> float | None:
        deadline = time.monotonic() + timeout
        while True:
            at = self.arrival(rcpt)
            if at is not None or time.monotonic() > deadline:
                return at
            await asyncio.sleep(poll)

"""Drains the outbox into Temporal.

For each stored event some journey cares about:
- a journey whose trigger matches is started with signal-with-start on its one workflow
  id (`journey/contact`), so an already-running run is signalled, never duplicated;
- a running journey that listens for the event (goal, exit, wait_for) is signalled.
Events of one contact are routed in order; different contacts in parallel. If Temporal
is unreachable the rows stay in the outbox with a back-off and nothing is lost. Every API
process runs one dispatcher; leases (and SKIP LOCKED on PostgreSQL) keep them apart.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from orkiestra.contracts import EventPayload
from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import journeys, outbox
from orkiestra.persistence.outbox import ClaimedEvent
from orkiestra.settings import Settings
from worker.starter import signal_event, start_journey
from workflows.sdk import JourneySpec, Trigger

log = get_logger(__name__)
MAX_BACKOFF = timedelta(minutes=1)


def interesting_events(specs: Sequence[JourneySpec]) -> frozenset[str]:
    return frozenset().union(*(s.interesting_events for s in specs)) if specs else frozenset()


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        sessions: SessionFactory,
        client: Client,
        specs: Sequence[JourneySpec],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.client = client
        self.specs = tuple(specs)
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._parallel = asyncio.Semaphore(64)
        # Runs started in the batch being routed, by contact: (workflow_id, run_id, journey, contact).
        self._started: dict[str, list[tuple[str, str, str, str]]] = {}

    def notify(self) -> None:
        """Called after an ingest commit (from any thread): route the new rows now."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        log.info("dispatcher.started", owner=self.owner)
        while not stop.is_set():
            # Clear before draining, not after: a notify() that lands while a batch is
            # being routed must wake the next wait instead of being wiped out.
            self._wake.clear()
            try:
                handled = await self.drain_once()
            except Exception:  # keep dispatching whatever one batch did
                log.exception("dispatcher.batch.failed")
                handled = 0
            if handled < self.settings.dispatcher_batch_size:
                waiters = [
                    asyncio.ensure_future(self._wake.wait()),
                    asyncio.ensure_future(stop.wait()),
                ]
                await asyncio.wait(
                    waiters,
                    timeout=self.settings.dispatcher_poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for w in waiters:
                    w.cancel()
        log.info("dispatcher.stopped", owner=self.owner)

    def _claim(self) -> list[ClaimedEvent]:
        with transaction(self.sessions) as session:
            return outbox.claim(
                session,
                self.owner,
                self.settings.dispatcher_batch_size,
                timedelta(seconds=self.settings.dispatcher_lease_seconds),
            )

    async def drain_once(self) -> int:
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        by_contact: dict[str, list[ClaimedEvent]] = defaultdict(list)
        for event in claimed:
            by_contact[event.contact_id].append(event)
        self._started = {}
        results = await asyncio.gather(*(self._route_contact(evs) for evs in by_contact.values()))
        delivered = [oid for done in results for oid in done]
        started = [run for runs in self._started.values() for run in runs]
        await asyncio.to_thread(self._complete, delivered, started)
        self._started = {}
        return len(claimed)

    def _complete(self, ids: list[int], started: list[tuple[str, str, str, str]]) -> None:
        """Delivered rows leave the outbox and started runs are recorded in one commit
        (one write per batch instead of one per event)."""
        with transaction(self.sessions) as session:
            for workflow_id, run_id, journey, contact_id in started:
                journeys.record_start(session, workflow_id, run_id, journey, contact_id)
            outbox.complete(session, ids, self.owner)

    async def _route_contact(self, events: list[ClaimedEvent]) -> list[int]:
        """Route one contact's events in order; stop at the first failure to keep order."""
        done: list[int] = []
        async with self._parallel:
            for i, event in enumerate(events):
                try:
                    await self.route(event)
                except Exception as exc:  # Temporal down or refusing: keep the rows, retry later
                    await asyncio.to_thread(self._back_off, events[i:], f"{type(exc).__name__}: {exc}")
                    log.warning(
                        "dispatcher.route.failed",
                        contact_id=event.contact_id,
                        error_type=type(exc).__name__,
                        error=str(exc),
                        exc_info=not isinstance(exc, RPCError),
                        pending=len(events) - i,
                    )
                    break
                done.append(event.outbox_id)
        return done

    def _back_off(self, events: list[ClaimedEvent], error: str) -> None:
        with transaction(self.sessions) as session:
            for event in events:
                delay = min(timedelta(seconds=2 ** min(event.attempts, 6)), MAX_BACKOFF)
                outbox.retry_later(session, event.outbox_id, self.owner, error, delay)

    async def route(self, event: ClaimedEvent) -> None:
        payload = EventPayload(
            message_id=event.message_id,
            type=event.type,
            name=event.name,
            contact_id=event.contact_id,
            properties=event.properties,
            timestamp=event.timestamp,
        )
        listeners: list[JourneySpec] = []
        for spec in self.specs:
            trigger = spec.trigger_for(event.name, event.properties)
            if trigger is not None:
                await self._start_or_signal(spec, trigger, payload)
                # A keyed journey whose goal (or exit, or wait_for) is also its trigger, e.g.
                # replenishment: a new order starts its own run and must reach the older
                # ones too. The new run drops the repeat by messageId.
                if trigger.key is not None and event.name in (spec.goal, *spec.exits, *spec.listens):
                    listeners.append(spec)
            elif event.name in spec.interesting_events:
                listeners.append(spec)
        if listeners:
            await self._signal_running(listeners, payload)

    def _may_enter(self, spec: JourneySpec, workflow_id: str) -> bool:
        with self.sessions() as session:
            last = journeys.last_run(session, workflow_id)
        if last is None or last.status == "active" or last.ended_at is None:
            return True
        if spec.reentry is True:
            return True
        if spec.reentry is False:
            return False
        return datetime.now(UTC) - last.ended_at >= spec.reentry

    async def _start_or_signal(self, spec: JourneySpec, trigger: Trigger, payload: EventPayload) -> None:
        key = None
        if trigger.key is not None:
            value = payload.properties.get(trigger.key)
            if value is None:
                log.warning(
                    "dispatcher.trigger.missing_key",
                    journey=spec.name,
                    contact_id=payload.contact_id,
                    key=trigger.key,
                )
                return
            key = str(value)
        workflow_id = spec.workflow_id(payload.contact_id, key)
        if not await asyncio.to_thread(self._may_enter, spec, workflow_id):
            log.info("dispatcher.reentry.refused", journey=spec.name, contact_id=payload.contact_id)
            return
        handle = await start_journey(self.client, spec, payload, self.settings.task_queue, key)
        run_id = handle.result_run_id or handle.run_id or ""
        # Recorded with the batch's completion; until then _signal_running sees it here.
        self._started.setdefault(payload.contact_id, []).append(
            (workflow_id, run_id, spec.name, payload.contact_id)
        )
        log.info(
            "journey.started",
            journey=spec.name,
            contact_id=payload.contact_id,
            workflow_id=workflow_id,
            trigger=payload.name,
        )

    def _active(self, contact_id: str, names: list[str]) -> list[tuple[str, str]]:
        with self.sessions() as session:
            return [(r.workflow_id, r.journey) for r in journeys.active_runs(session, contact_id, names)]

    async def _signal_running(self, specs: list[JourneySpec], payload: EventPayload) -> None:
        names = [s.name for s in specs]
        runs = await asyncio.to_thread(self._active, payload.contact_id, names)
        pending = [(w, j) for w, _, j, _ in self._started.get(payload.contact_id, []) if j in names]
        for workflow_id, journey in dict.fromkeys([*runs, *pending]):
            try:
                await signal_event(self.client, workflow_id, payload)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                log.info("dispatcher.signal.gone", journey=journey, contact_id=payload.contact_id)
                continue
            log.info(
                "journey.signalled",
                journey=journey,
                contact_id=payload.contact_id,
                event_name=payload.name,
            )

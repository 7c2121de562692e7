"""Replenishment in virtual time: a reminder 4 days before the customer's next order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.dispatcher import Dispatcher
from orkiestra.db import transaction
from orkiestra.persistence import journeys
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from tests.workflows.helpers import at_step, sent
from worker.testkit import JourneyTestKit
from workflows.catalog import journey_specs
from workflows.replenishment import Replenishment

COFFEE = {"name": "Espresso Beans 1 kg", "category": "Coffee", "url": "https://shop.example/beans"}


def _history(kit: JourneyTestKit, cid: str, *days_ago: int) -> None:
    for days in days_ago:
        kit.seed_event(cid, "Order Completed", at=datetime.now(UTC) - timedelta(days=days), products=[COFFEE])


async def _order(kit: JourneyTestKit, cid: str, order_id: str = "o-3"):  # type: ignore[no-untyped-def]
    return await kit.enrol(
        Replenishment, cid, "Order Completed", key=order_id, order_id=order_id, products=[COFFEE]
    )


async def test_reminder_four_days_before_the_expected_next_order(kit: JourneyTestKit):
    cid = kit.seed_contact(email="regular@example.com", firstName="Jan")
    _history(kit, cid, 60, 30)  # with today's order: every 30 days
    run = await _order(kit, cid)
    state = await at_step(run, "wait-reminder")
    ordered = await kit.now()
    assert state.waiting_until is not None
    assert abs(state.waiting_until - ordered - timedelta(days=26)) < timedelta(minutes=5)
    await kit.skip(days=25)
    assert kit.messages(cid) == []
    assert (await run.result()).status == "completed"
    assert sent(kit, cid) == [("email", "replenishment_reminder")]
    [mail] = kit.mail.to("regular@example.com")
    assert str(mail["Subject"]) == "Running low on Espresso Beans 1 kg?"
    expected = (ordered + timedelta(days=30)).date().isoformat()
    assert f"refill around {expected}" in mail.get_body(("plain",)).get_content()


async def test_too_little_history_ends_without_a_message(kit: JourneyTestKit):
    cid = kit.seed_contact(email="new@example.com")
    _history(kit, cid, 30)
    outcome = await (await _order(kit, cid)).result()
    assert (outcome.status, outcome.detail) == ("completed", "2 orders: too few to predict the next")
    assert kit.messages(cid) == []


async def test_customers_who_order_every_few_days_need_no_reminder(kit: JourneyTestKit):
    cid = kit.seed_contact(email="daily@example.com")
    _history(kit, cid, 6, 3)
    outcome = await (await _order(kit, cid)).result()
    assert outcome.status == "completed"
    assert outcome.detail is not None and "no reminder needed" in outcome.detail
    assert kit.messages(cid) == []


async def test_an_early_reorder_ends_the_wait_without_a_reminder(kit: JourneyTestKit):
    cid = kit.seed_contact(email="early@example.com")
    _history(kit, cid, 60, 30)
    run = await _order(kit, cid)
    await at_step(run, "wait-reminder")
    await kit.skip(days=20)
    await kit.send_event(run, cid, "Order Completed", order_id="o-4")
    assert (await run.result()).status == "converted"
    assert kit.messages(cid) == []


async def test_an_order_soon_after_the_reminder_counts_as_converted(kit: JourneyTestKit):
    cid = kit.seed_contact(email="prompted@example.com")
    _history(kit, cid, 60, 30)
    run = await _order(kit, cid)
    await at_step(run, "wait-reminder")
    await kit.skip(days=27)
    await at_step(run, "attribution")
    await kit.send_event(run, cid, "Order Completed", order_id="o-4")
    assert (await run.result()).status == "converted"
    assert sent(kit, cid) == [("email", "replenishment_reminder")]


def _track_order(kit: JourneyTestKit, cid: str, order_id: str) -> None:
    interesting = frozenset().union(*(s.interesting_events for s in journey_specs()))
    call = TrackCall(
        userId=cid, event="Order Completed", properties={"order_id": order_id, "products": [COFFEE]}
    )
    with transaction(kit.sessions) as session:
        store_calls(session, [call], interesting)


async def test_the_next_order_starts_its_own_run_and_converts_the_older_one(kit: JourneyTestKit):
    cid = kit.seed_contact(email="loyal@example.com")
    _history(kit, cid, 60, 30)
    dispatcher = Dispatcher(kit.settings, kit.sessions, kit.client, journey_specs())
    _track_order(kit, cid, "o-3")
    await dispatcher.drain_once()
    await at_step(kit.client.get_workflow_handle(f"replenishment/{cid}/o-3"), "wait-reminder")

    _track_order(kit, cid, "o-4")
    await dispatcher.drain_once()
    assert (await kit.result(f"replenishment/{cid}/o-3")).status == "converted"
    with kit.sessions() as session:
        runs = {r.workflow_id: r.status for r in journeys.runs_for_contact(session, cid)}
    assert runs[f"replenishment/{cid}/o-3"] == "converted"
    assert runs[f"replenishment/{cid}/o-4"] == "active"  # the new order waits for its own date
    assert runs[f"post-purchase/{cid}/o-3"] == "active"  # one post-purchase run per order too
    assert runs[f"post-purchase/{cid}/o-4"] == "active"
    assert not [m for m in kit.messages(cid) if m.journey == "replenishment"]

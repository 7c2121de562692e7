"""The journey SDK, one feature at a time, in virtual time on the test server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowFailureError

from orkiestra.contracts import ControlSignal, JourneyState
from tests.support import async_wait_until
from tests.workflows.sample_journeys import (
    ContinueJourney,
    FallbackJourney,
    HoldoutJourney,
    LocalTimeJourney,
    PauseJourney,
    SignalJourney,
    UndeclaredWaitJourney,
    VariantJourney,
    WaitForJourney,
)
from worker.starter import signal_control
from worker.testkit import JourneyTestKit
from workflows.sdk.spec import bucket, pick_variant


async def test_wait_for_returns_the_event_when_it_arrives(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="a@example.com")
    run = await sample_kit.enrol(WaitForJourney, cid)
    await sample_kit.skip(days=1)
    await sample_kit.send_event(run, cid, "Email Opened")
    await run.result()
    assert sample_kit.sent_templates(cid) == ["tips"]


async def test_wait_for_returns_none_after_the_timeout(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="a@example.com")
    run = await sample_kit.enrol(WaitForJourney, cid)
    await run.result()
    assert sample_kit.sent_templates(cid) == ["welcome"]


async def test_waiting_for_an_undeclared_event_fails_with_a_clear_message(sample_kit: JourneyTestKit):
    run = await sample_kit.enrol(UndeclaredWaitJourney, "c1")
    with pytest.raises(WorkflowFailureError) as failure:
        await run.result()
    assert "listens" in str(failure.value.cause)


def _contacts_in(journey, holdout: bool) -> str:  # type: ignore[no-untyped-def]
    return next(f"c{i}" for i in range(1000) if journey.spec.in_holdout(f"c{i}") == holdout)


async def test_holdout_contacts_get_no_message_but_count_as_converted(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(_contacts_in(HoldoutJourney, holdout=True), email="h@example.com")
    run = await sample_kit.enrol(HoldoutJourney, cid)
    await async_wait_until(lambda: sample_kit.messages(cid), what="the holdout send to be recorded")
    await sample_kit.send_event(run, cid, "Order Completed")
    assert (await run.result()).status == "converted"
    [message] = sample_kit.messages(cid)
    assert (message.status, message.reason) == ("skipped", "holdout")
    assert sample_kit.mail.messages == []


async def test_treatment_contacts_get_the_message(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(_contacts_in(HoldoutJourney, holdout=False), email="t@example.com")
    run = await sample_kit.enrol(HoldoutJourney, cid)
    assert (await run.result()).status == "completed"
    assert sample_kit.sent_templates(cid) == ["welcome"]


def test_holdout_share_is_close_to_the_declared_share():
    share = sum(HoldoutJourney.spec.in_holdout(f"contact-{i}") for i in range(10_000)) / 10_000
    assert 0.47 < share < 0.53


def test_variants_are_deterministic_and_follow_weights():
    assert pick_variant("ala", "exp", ["a", "b"]) == pick_variant("ala", "exp", ["a", "b"])
    picks = [pick_variant(f"c{i}", "exp", ["a", "b", "c"], [0.8, 0.2, 0]) for i in range(5000)]
    assert picks.count("c") == 0
    assert 0.77 < picks.count("a") / 5000 < 0.83
    assert 0 <= bucket("x", "y") < 1
    with pytest.raises(ValueError):
        pick_variant("c", "exp", ["a"], [0])


async def test_variant_is_recorded_in_state_and_chooses_the_template(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="v@example.com")
    run = await sample_kit.enrol(VariantJourney, cid)
    await run.result()
    expected = pick_variant(cid, "test-variant:subject", ["welcome", "tips"])
    assert sample_kit.sent_templates(cid) == [expected]


async def test_fallback_uses_the_next_channel_when_one_cannot_reach_the_contact(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="f@example.com")
    run = await sample_kit.enrol(FallbackJourney, cid)
    await run.result()
    first, second = sample_kit.messages(cid)
    assert (first.channel, first.status) == ("push", "skipped")
    assert (second.channel, second.status) == ("email", "sent")


async def test_paused_journey_sends_nothing_until_resumed(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="p@example.com")
    run = await sample_kit.enrol(PauseJourney, cid)
    await signal_control(sample_kit.client, run.id, ControlSignal(action="pause"))
    await sample_kit.skip(days=3)
    state = await run.query("state", result_type=JourneyState)
    assert state.paused and state.waiting_for == "resume"
    assert sample_kit.messages(cid) == []
    await signal_control(sample_kit.client, run.id, ControlSignal(action="resume"))
    await run.result()
    assert sample_kit.sent_templates(cid) == ["welcome"]


async def test_custom_signal_with_payload_reaches_the_journey(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="s@example.com")
    run = await sample_kit.enrol(SignalJourney, cid)
    await signal_control(
        sample_kit.client,
        run.id,
        ControlSignal(action="custom", name="callback-done", payload={"outcome": "happy"}),
    )
    await run.result()
    assert sample_kit.sent_templates(cid) == ["tips"]


async def test_wait_until_local_time_uses_the_contact_time_zone(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="l@example.com", timezone="Asia/Tokyo")
    run = await sample_kit.enrol(LocalTimeJourney, cid)

    async def waiting_until() -> datetime | None:
        return (await run.query("state", result_type=JourneyState)).waiting_until

    until = await waiting_until()
    for _ in range(50):
        if until is not None:
            break
        until = await waiting_until()
    assert until is not None
    local = until.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (9, 0)
    now = await sample_kit.env.get_current_time()
    assert timedelta(0) < until - now <= timedelta(days=1, minutes=1)
    await run.result()
    assert sample_kit.sent_templates(cid) == ["welcome"]


async def test_continue_as_new_keeps_going_without_duplicate_keys(sample_kit: JourneyTestKit):
    cid = sample_kit.seed_contact(email="c@example.com")
    run = await sample_kit.enrol(ContinueJourney, cid)
    for _ in range(10):  # each round waits 7 virtual days, then continues as new
        if len(sample_kit.messages(cid)) == 3:
            break
        await sample_kit.skip(days=7)
    await sample_kit.result(run.id)
    final = await sample_kit.client.get_workflow_handle(run.id).describe()
    assert final.run_id != run.result_run_id  # a later run in the chain
    messages = sample_kit.messages(cid)
    assert [m.status for m in messages] == ["sent", "sent", "sent"]
    assert len({m.idempotency_key for m in messages}) == 3

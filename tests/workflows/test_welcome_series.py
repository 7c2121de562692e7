"""The welcome series in virtual time: five days of journey in about a second."""

from __future__ import annotations

from orkiestra.contracts import JourneyState
from worker.testkit import JourneyTestKit
from workflows.welcome_series import WelcomeSeries

ALL = ["welcome", "tips", "first_order_incentive"]


async def test_full_series_sends_three_emails_over_five_days(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ala@example.com", firstName="Ala")
    run = await kit.enrol(WelcomeSeries, cid)
    outcome = await run.result()
    assert outcome.status == "completed"
    assert kit.sent_templates(cid) == ALL
    subjects = [str(m["Subject"]) for m in kit.mail.to("ala@example.com")]
    assert subjects == ["Welcome, Ala!", "Three tips to get started", "10% off your first order"]
    assert "Hi Ala" in kit.mail.to("ala@example.com")[0].get_body(("plain",)).get_content()


async def test_order_after_tips_ends_journey_without_incentive(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ala@example.com")
    run = await kit.enrol(WelcomeSeries, cid)
    await kit.skip(days=3)
    state = await run.query("state", result_type=JourneyState)
    assert state.step == "wait-incentive"
    assert state.waiting_until is not None
    await kit.send_event(run, cid, "Order Completed", total=120)
    assert (await run.result()).status == "converted"
    assert kit.sent_templates(cid) == ["welcome", "tips"]


async def test_order_right_after_signup_stops_before_tips(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ala@example.com")
    run = await kit.enrol(WelcomeSeries, cid)
    await kit.send_event(run, cid, "Order Completed")
    assert (await run.result()).status == "converted"
    assert kit.sent_templates(cid) == ["welcome"]


async def test_second_signup_signals_the_running_journey_instead_of_starting_another(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ala@example.com")
    first = await kit.enrol(WelcomeSeries, cid)
    second = await kit.enrol(WelcomeSeries, cid)
    assert first.result_run_id == second.result_run_id
    await second.result()
    assert len(kit.mail.to("ala@example.com")) == 3


async def test_support_exit_ends_the_journey_and_nothing_more_is_sent(kit: JourneyTestKit):
    from orkiestra.contracts import ControlSignal
    from worker.starter import signal_control

    cid = kit.seed_contact(email="ala@example.com")
    run = await kit.enrol(WelcomeSeries, cid)
    await kit.skip(days=1)
    await signal_control(kit.client, run.id, ControlSignal(action="exit", reason="asked by phone"))
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("exited", "asked by phone")
    assert kit.sent_templates(cid) == ["welcome"]


async def test_contact_without_email_is_recorded_as_missing_address(kit: JourneyTestKit):
    run = await kit.enrol(WelcomeSeries, "anonymous-1")
    await run.result()
    assert {(m.template, m.status, m.reason) for m in kit.messages("anonymous-1")} == {
        (t, "skipped", "missing_address") for t in ALL
    }
    assert kit.mail.messages == []

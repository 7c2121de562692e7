"""Subscription renewal in virtual time: 30 days of reminders and an A/B upgrade offer."""

from __future__ import annotations

import uuid
from datetime import timedelta

from orkiestra.contracts import JourneyState
from tests.workflows.helpers import at_step, attempted, sent
from worker.testkit import JourneyTestKit
from workflows.sdk.spec import pick_variant
from workflows.subscription_renewal import OFFER_VARIANTS, SubscriptionRenewal


async def _end_in(kit: JourneyTestKit, days: int) -> str:
    return (await kit.now() + timedelta(days=days)).date().isoformat()


async def _end_due_now(kit: JourneyTestKit) -> str:
    """An end date whose 30-day reminder (steps run at 10:00 UTC) is due at once, whatever
    the virtual time of day."""
    now = await kit.now()
    first = now.date() if now.hour >= 10 else now.date() - timedelta(days=1)
    return (first + timedelta(days=30)).isoformat()


def _arm(contact_id: str) -> str:
    return pick_variant(contact_id, "subscription-renewal:upgrade-offer", OFFER_VARIANTS)


def _contact_with_arm(arm: str) -> str:
    prefix = f"sub-{uuid.uuid4().hex[:6]}"
    return next(f"{prefix}-{i}" for i in range(1000) if _arm(f"{prefix}-{i}") == arm)


async def _start(kit: JourneyTestKit, cid: str, end: str):  # type: ignore[no-untyped-def]
    trigger = {"attribute": "subscription_end", "days_before": 30, "date": end}
    return await kit.enrol(SubscriptionRenewal, cid, "Date Reached", **trigger)


async def test_reminders_at_30_7_and_1_days_and_an_upgrade_offer(kit: JourneyTestKit):
    end = await _end_due_now(kit)
    cid = kit.seed_contact(
        _contact_with_arm("upgrade_offer_features"),
        email="sub@example.com",
        subscription_end=end,
        plan="Team",
    )
    run = await _start(kit, cid, end)
    assert (await run.result()).status == "completed"
    assert attempted(kit, cid) == [
        ("email", "renewal_reminder"),
        ("email", "upgrade_offer_features"),
        ("email", "renewal_reminder"),
        ("sms", "renewal_last_call"),  # no phone or no SMS channel: falls back to email
        ("email", "renewal_last_call"),
    ]
    assert ("email", "renewal_last_call") in sent(kit, cid)
    subjects = [str(m["Subject"]) for m in kit.mail.to("sub@example.com")]
    assert subjects == [
        "Your subscription ends in 30 days",
        "What you get one plan up",
        "Your subscription ends in 7 days",
        "Your subscription ends tomorrow",
    ]
    assert f"(Team) ends on {end}" in kit.mail.to("sub@example.com")[0].get_body(("plain",)).get_content()


async def test_the_offer_arm_is_fixed_per_contact(kit: JourneyTestKit):
    end = await _end_due_now(kit)
    cid = kit.seed_contact(
        _contact_with_arm("upgrade_offer_discount"), email="d@example.com", subscription_end=end
    )
    run = await _start(kit, cid, end)
    await at_step(run, "wait-offer")
    await kit.skip(days=17)
    state: JourneyState = await at_step(run, "wait-reminder-7d")
    assert state.variants == {"upgrade-offer": "upgrade_offer_discount"}
    assert [t for _, t in sent(kit, cid)] == ["renewal_reminder", "upgrade_offer_discount"]
    await run.result()


async def test_renewal_after_the_first_reminder_ends_it_as_converted(kit: JourneyTestKit):
    end = await _end_due_now(kit)
    cid = kit.seed_contact(email="renewed@example.com", subscription_end=end)
    run = await _start(kit, cid, end)
    await at_step(run, "wait-offer")
    await kit.skip(days=3)
    await kit.send_event(run, cid, "Subscription Renewed", plan="Team")
    assert (await run.result()).status == "converted"
    assert sent(kit, cid) == [("email", "renewal_reminder")]


async def test_an_end_date_moved_later_counts_as_renewed(kit: JourneyTestKit):
    end = await _end_due_now(kit)
    cid = kit.seed_contact(email="moved@example.com", subscription_end=end)
    run = await _start(kit, cid, end)
    await at_step(run, "wait-offer")
    later = await _end_in(kit, 395)
    kit.seed_contact(cid, subscription_end=later)  # renewed in the billing system
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("converted", f"subscription_end moved to {later}")
    assert sent(kit, cid) == [("email", "renewal_reminder")]


async def test_a_removed_end_date_exits_instead_of_reminding(kit: JourneyTestKit):
    end = await _end_due_now(kit)
    cid = kit.seed_contact(email="gone@example.com", subscription_end=end)
    run = await _start(kit, cid, end)
    await at_step(run, "wait-offer")
    kit.seed_contact(cid, subscription_end=None)
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("exited", "subscription_end changed or removed")
    assert sent(kit, cid) == [("email", "renewal_reminder")]


async def test_a_late_enrolment_skips_the_past_steps_and_reads_the_date_from_the_profile(kit: JourneyTestKit):
    end = await _end_in(kit, 5)
    cid = kit.seed_contact(email="late@example.com", subscription_end=end)
    run = await kit.enrol(
        SubscriptionRenewal, cid, "Journey Enrolment Requested", journey="subscription-renewal"
    )
    assert (await run.result()).status == "completed"
    assert [t for _, t in sent(kit, cid)] == ["renewal_last_call"]


async def test_no_end_date_at_all_ends_quietly(kit: JourneyTestKit):
    cid = kit.seed_contact(email="none@example.com")
    run = await kit.enrol(
        SubscriptionRenewal, cid, "Journey Enrolment Requested", journey="subscription-renewal"
    )
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("completed", "contact has no subscription_end date")
    assert kit.messages(cid) == []

"""Win-back in virtual time: three offers over 14 days from the categories bought before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.workflows.helpers import at_step, sent
from worker.testkit import JourneyTestKit
from workflows.win_back import INACTIVE_DAYS, WinBack

OFFERS = ["winback_offer", "winback_reminder", "winback_last_chance"]
TRIGGER = {"event": "Order Completed", "days": INACTIVE_DAYS}


def _past_orders(kit: JourneyTestKit, cid: str) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=INACTIVE_DAYS)
    kit.seed_event(cid, "Order Completed", at=long_ago - timedelta(days=90), products=[{"category": "Tea"}])
    kit.seed_event(
        cid,
        "Order Completed",
        at=long_ago,
        products=[{"name": "Sencha", "category": "Tea"}, {"name": "Teapot", "category": "Kitchen"}],
    )


async def test_lapsed_customer_gets_three_offers_built_from_past_categories(kit: JourneyTestKit):
    cid = kit.seed_contact(email="lapsed@example.com", firstName="Ewa")
    _past_orders(kit, cid)
    run = await kit.enrol(WinBack, cid, "Contact Inactive", **TRIGGER)
    assert (await run.result()).status == "completed"
    assert [t for _, t in sent(kit, cid)] == OFFERS
    first, second, last = kit.mail.to("lapsed@example.com")
    assert str(first["Subject"]) == "We miss you, Ewa: 15% off"
    assert "new arrivals in Tea, Kitchen" in first.get_body(("plain",)).get_content()
    assert "the newest Tea" in second.get_body(("plain",)).get_content()
    assert "Favourites in Tea, Kitchen" in last.get_body(("plain",)).get_content()


async def test_offers_are_spread_over_fourteen_days(kit: JourneyTestKit):
    cid = kit.seed_contact(email="spread@example.com")
    run = await kit.enrol(WinBack, cid, "Contact Inactive", **TRIGGER)
    await at_step(run, "wait-offer-2")
    await kit.skip(days=8)
    await at_step(run, "wait-offer-3")
    assert [t for _, t in sent(kit, cid)] == OFFERS[:2]
    await run.result()


async def test_without_past_categories_the_offer_is_generic(kit: JourneyTestKit):
    cid = kit.seed_contact(email="generic@example.com")
    run = await kit.enrol(WinBack, cid, "Contact Inactive", **TRIGGER)
    assert (await run.result()).status == "completed"
    assert [t for _, t in sent(kit, cid)] == OFFERS
    text = kit.mail.to("generic@example.com")[0].get_body(("plain",)).get_content()
    assert "15% off your next order." in text


async def test_an_order_after_the_first_offer_ends_the_sequence(kit: JourneyTestKit):
    cid = kit.seed_contact(email="back@example.com")
    _past_orders(kit, cid)
    run = await kit.enrol(WinBack, cid, "Contact Inactive", **TRIGGER)
    await at_step(run, "wait-offer-2")
    await kit.skip(days=2)
    await kit.send_event(run, cid, "Order Completed", order_id="o-back")
    assert (await run.result()).status == "converted"
    assert [t for _, t in sent(kit, cid)] == OFFERS[:1]


async def test_an_order_within_a_week_of_the_last_offer_counts_as_converted(kit: JourneyTestKit):
    cid = kit.seed_contact(email="last@example.com")
    run = await kit.enrol(WinBack, cid, "Contact Inactive", **TRIGGER)
    await at_step(run, "wait-offer-2")
    await kit.skip(days=15)
    await at_step(run, "attribution")
    await kit.send_event(run, cid, "Order Completed", order_id="o-late")
    assert (await run.result()).status == "converted"
    assert [t for _, t in sent(kit, cid)] == OFFERS

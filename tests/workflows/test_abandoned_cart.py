"""Abandoned cart, every branch in virtual time: 48 hours of journey in seconds."""

from __future__ import annotations

from datetime import timedelta

from api.dispatcher import Dispatcher
from orkiestra.db import transaction
from orkiestra.persistence import journeys
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from tests.workflows.helpers import at_step, attempted, sent
from worker.testkit import JourneyTestKit
from workflows.abandoned_cart import MIN_CART_VALUE, AbandonedCart
from workflows.catalog import journey_specs

KETTLE = {"product_id": "k1", "name": "Steel Kettle", "price": 90, "quantity": 1, "category": "Kitchen"}
MUG = {
    "product_id": "m1",
    "name": "Stone Mug",
    "price": 15,
    "quantity": 2,
    "category": "Kitchen",
    "rating": 4.8,
    "review_count": 120,
    "review": "Keeps coffee hot for ages",
    "url": "https://shop.example/mug",
}
CART = {"value": 120, "currency": "PLN", "products": [KETTLE, MUG]}
EMAILS = [("email", "cart_reminder"), ("email", "cart_reviews")]


async def test_cart_worth_the_threshold_gets_reminder_and_reviews_but_no_sms(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ala@example.com", firstName="Ala")
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", **CART)
    outcome = await run.result()
    assert outcome.status == "completed"
    assert attempted(kit, cid) == EMAILS
    reminder, reviews = kit.mail.to("ala@example.com")
    assert str(reminder["Subject"]) == "Ala, your cart is waiting"
    text = reminder.get_body(("plain",)).get_content()
    assert "Steel Kettle" in text and "Stone Mug x2" in text and "120.00 PLN" in text
    body = reviews.get_body(("plain",)).get_content()
    assert "rated 4.8/5 by 120 customers" in body and "Keeps coffee hot for ages" in body


async def test_premium_customer_also_gets_an_sms_at_48_hours(kit: JourneyTestKit):
    cid = kit.seed_contact(email="vip@example.com", phone="+48600100200", premium=True)
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", **CART)
    assert (await run.result()).status == "completed"
    assert attempted(kit, cid) == [*EMAILS, ("sms", "cart_nudge")]
    assert sent(kit, cid)[:2] == EMAILS


async def test_cart_below_the_threshold_gets_nothing(kit: JourneyTestKit):
    cid = kit.seed_contact(email="small@example.com", premium=True)
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", value=MIN_CART_VALUE - 1, products=[MUG])
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("completed", f"cart value 99.0 below {MIN_CART_VALUE}")
    assert kit.messages(cid) == []


async def test_order_within_two_hours_converts_without_any_message(kit: JourneyTestKit):
    cid = kit.seed_contact(email="quick@example.com")
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", **CART)
    await at_step(run, "wait-reminder")
    await kit.skip(hours=1)
    await kit.send_event(run, cid, "Order Completed", order_id="o1")
    assert (await run.result()).status == "converted"
    assert kit.messages(cid) == []


async def test_order_after_the_reminder_stops_the_reviews(kit: JourneyTestKit):
    cid = kit.seed_contact(email="after@example.com")
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", **CART)
    await at_step(run, "wait-reminder")
    await kit.skip(hours=3)
    await at_step(run, "wait-reviews")
    await kit.send_event(run, cid, "Order Completed", order_id="o1")
    assert (await run.result()).status == "converted"
    assert sent(kit, cid) == [("email", "cart_reminder")]


async def test_order_after_the_reviews_stops_the_sms(kit: JourneyTestKit):
    cid = kit.seed_contact(email="late@example.com", premium=True)
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", **CART)
    await at_step(run, "wait-reminder")
    await kit.skip(hours=25)
    await at_step(run, "wait-sms")
    await kit.send_event(run, cid, "Order Completed", order_id="o1")
    assert (await run.result()).status == "converted"
    assert attempted(kit, cid) == EMAILS


async def test_order_soon_after_the_last_nudge_still_counts_as_converted(kit: JourneyTestKit):
    cid = kit.seed_contact(email="nudged@example.com", premium=True)
    run = await kit.enrol(AbandonedCart, cid, "Checkout Started", **CART)
    await at_step(run, "wait-reminder")
    await kit.skip(hours=49)
    await at_step(run, "attribution")
    await kit.send_event(run, cid, "Order Completed", order_id="o1")
    assert (await run.result()).status == "converted"
    assert attempted(kit, cid) == [*EMAILS, ("sms", "cart_nudge")]


async def test_products_added_one_by_one_add_up_to_the_cart_value(kit: JourneyTestKit):
    cid = kit.seed_contact(email="adder@example.com")
    run = await kit.enrol(AbandonedCart, cid, "Product Added", **KETTLE)
    await at_step(run, "wait-reminder")
    await kit.send_event(run, cid, "Product Added", **MUG)  # 90 + 2 x 15 = 120
    assert (await run.result()).status == "completed"
    assert sent(kit, cid) == EMAILS
    text = kit.mail.to("adder@example.com")[0].get_body(("plain",)).get_content()
    assert "Steel Kettle" in text and "Stone Mug x2" in text and "120.00 PLN" in text


async def test_one_product_under_the_threshold_is_not_reminded(kit: JourneyTestKit):
    cid = kit.seed_contact(email="one@example.com")
    run = await kit.enrol(AbandonedCart, cid, "Product Added", **KETTLE)
    assert (await run.result()).status == "completed"
    assert kit.messages(cid) == []


def _track(kit: JourneyTestKit, contact: str, event: str, **props: object) -> None:
    interesting = frozenset().union(*(s.interesting_events for s in journey_specs()))
    with transaction(kit.sessions) as session:
        store_calls(session, [TrackCall(userId=contact, event=event, properties=props)], interesting)


async def test_dispatcher_starts_one_run_and_the_cool_down_refuses_a_second(kit: JourneyTestKit):
    cid = kit.seed_contact(email="again@example.com")
    dispatcher = Dispatcher(kit.settings, kit.sessions, kit.client, journey_specs())
    _track(kit, cid, "Checkout Started", **CART)
    _track(kit, cid, "Product Added", **MUG)  # the same run hears it: one run per contact
    await dispatcher.drain_once()
    assert (await kit.result(f"abandoned-cart/{cid}")).status == "completed"
    _track(kit, cid, "Checkout Started", **CART)  # within the 7-day cool-down
    await dispatcher.drain_once()
    with kit.sessions() as session:
        runs = [(r.workflow_id, r.status) for r in journeys.runs_for_contact(session, cid)]
    assert runs == [(f"abandoned-cart/{cid}", "completed")]
    assert sent(kit, cid) == EMAILS
    assert AbandonedCart.spec.reentry == timedelta(days=7)

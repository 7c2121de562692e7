"""Post-purchase in virtual time: thanks, review after delivery, cross-sell on day 7."""

from __future__ import annotations

from datetime import timedelta

from tests.workflows.helpers import at_step, sent
from worker.testkit import JourneyTestKit
from workflows.post_purchase import PostPurchase

PRODUCTS = [
    {"product_id": "b1", "name": "Trail Boots", "price": 300, "category": "Shoes"},
    {"product_id": "s1", "name": "Wool Socks", "price": 30, "quantity": 3, "category": "Outdoor"},
    {"product_id": "s2", "name": "Hiking Socks", "price": 35, "category": "Outdoor"},
]
ORDER = {"order_id": "o-100", "total": 435, "currency": "PLN", "products": PRODUCTS}


async def _enrol(kit: JourneyTestKit, cid: str, **extra: object):  # type: ignore[no-untyped-def]
    return await kit.enrol(PostPurchase, cid, "Order Completed", key="o-100", **{**ORDER, **extra})


async def test_thanks_then_review_after_default_delivery_then_cross_sell(kit: JourneyTestKit):
    cid = kit.seed_contact(email="buyer@example.com", firstName="Ola")
    run = await _enrol(kit, cid)
    assert run.id == f"post-purchase/{cid}/o-100"
    assert (await run.result()).status == "completed"
    assert sent(kit, cid) == [
        ("email", "order_thanks"),
        ("email", "review_request"),
        ("email", "cross_sell"),
    ]
    thanks, review, cross = kit.mail.to("buyer@example.com")
    assert str(thanks["Subject"]) == "Thank you for your order o-100"
    assert "Wool Socks x3" in thanks.get_body(("plain",)).get_content()
    assert "Trail Boots" in review.get_body(("plain",)).get_content()
    assert str(cross["Subject"]) == "More for your Shoes"
    assert "bought Shoes, Outdoor often" in cross.get_body(("plain",)).get_content()


async def test_review_waits_for_two_days_after_the_default_delivery(kit: JourneyTestKit):
    cid = kit.seed_contact(email="timing@example.com")
    run = await _enrol(kit, cid)
    state = await at_step(run, "wait-review")
    ordered = await kit.now()
    assert state.waiting_until is not None
    assert timedelta(days=4, hours=23) < state.waiting_until - ordered <= timedelta(days=5)
    await kit.skip(days=4)
    assert sent(kit, cid) == [("email", "order_thanks")]
    await run.result()


async def test_late_delivery_moves_the_review_after_the_cross_sell(kit: JourneyTestKit):
    cid = kit.seed_contact(email="late@example.com")
    delivery = (await kit.now() + timedelta(days=9)).date().isoformat()
    run = await _enrol(kit, cid, expected_delivery=delivery)
    assert (await run.result()).status == "completed"
    assert [t for _, t in sent(kit, cid)] == ["order_thanks", "cross_sell", "review_request"]


async def test_early_delivery_brings_the_review_forward(kit: JourneyTestKit):
    cid = kit.seed_contact(email="early@example.com")
    delivery = (await kit.now() + timedelta(days=1)).date().isoformat()
    run = await _enrol(kit, cid, expected_delivery=delivery)
    await at_step(run, "wait-review")
    await kit.skip(days=3, hours=12)
    await at_step(run, "wait-cross-sell")
    assert [t for _, t in sent(kit, cid)] == ["order_thanks", "review_request"]
    await run.result()
    assert [t for _, t in sent(kit, cid)] == ["order_thanks", "review_request", "cross_sell"]


async def test_unreadable_delivery_date_falls_back_to_the_default(kit: JourneyTestKit):
    cid = kit.seed_contact(email="odd@example.com")
    run = await _enrol(kit, cid, expected_delivery="next week-ish")
    state = await at_step(run, "wait-review")
    assert state.waiting_until is not None
    assert state.waiting_until - await kit.now() <= timedelta(days=5)
    await run.result()


async def test_order_without_categories_gets_no_cross_sell(kit: JourneyTestKit):
    cid = kit.seed_contact(email="plain@example.com")
    run = await kit.enrol(
        PostPurchase, cid, "Order Completed", key="o-7", order_id="o-7", products=[{"name": "Gift card"}]
    )
    assert (await run.result()).status == "completed"
    assert [t for _, t in sent(kit, cid)] == ["order_thanks", "review_request"]

"""Every skipped, deferred or failed send is recorded with exactly one reason, and the
admin API shows it in the contact's messages and timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.main import create_app
from orkiestra.db import transaction
from orkiestra.persistence import suppressions
from orkiestra.policy import REASONS
from tests.messaging.support import Harness

ADMIN = {"Authorization": "Bearer dev-admin-key"}
# 22:30 in Warsaw on a summer evening: inside the default 21:00-08:00 quiet hours.
LATE = datetime(2025, 7, 1, 20, 30, tzinfo=UTC)


async def test_each_reason_is_recorded_once_and_shown_by_the_api(make_harness) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(frequency_caps={"email:marketing": "1/7d"})
    cid = harness.seed(email="ala@example.com", phone="+48500100200", timezone="Europe/Warsaw")
    with transaction(harness.sessions) as session:
        suppressions.suppress(session, "+48 500 100 200", "sms", "bounce", source="test")
    no_phone = harness.seed(email="x@example.com")
    harness.consent(no_phone, "sms")
    cases = [
        ("holdout", harness.request(cid, "email", "welcome", holdout=True)),
        ("no_consent", harness.request(cid, "push", "welcome")),
        ("template_error", harness.request(cid, "email", "cart_reminder")),  # needs `cart`
        ("template_error", harness.request(cid, "email", "no_such_template")),
        (None, harness.request(cid, "email", "welcome")),
        ("frequency_cap", harness.request(cid, "email", "tips")),
        ("missing_address", harness.request(no_phone, "sms", "welcome")),
    ]
    for expected, request in cases:
        result = await harness.send(request)
        assert result.reason == expected, (request.template, result)
    harness.consent(cid, "sms")
    suppressed = await harness.send(harness.request(cid, "sms", "welcome"))
    assert (suppressed.status, suppressed.reason) == ("skipped", "suppressed")
    harness.consent(cid, "email", "denied")
    unsubscribed = await harness.send(harness.request(cid, "email", "welcome"))
    assert (unsubscribed.status, unsubscribed.reason) == ("skipped", "unsubscribed")
    harness.consent(cid, "push")
    push = harness.seed(push_token="tok", timezone="Europe/Warsaw")
    harness.consent(push, "push")
    deferred = await harness.send(harness.request(push, "push", "welcome", now=LATE))
    assert (deferred.status, deferred.reason) == ("deferred", "quiet_hours")
    assert deferred.retry_at == datetime(2025, 7, 2, 6, 0, tzinfo=UTC)  # 08:00 in Warsaw

    with TestClient(create_app(harness.settings)) as client:
        listed = client.get(f"/v1/contacts/{cid}/messages", headers=ADMIN).json()
        reasons = sorted((m["reason"] or "-") for m in listed)
        expected = ["holdout", "no_consent", "template_error", "template_error", "-", "frequency_cap"]
        assert reasons == sorted([*expected, "suppressed", "unsubscribed"])
        assert all(m["reason"] in REASONS for m in listed if m["status"] != "sent")
        template = next(m for m in listed if m["template"] == "cart_reminder")
        assert "cart" in template["error"]
        timeline = client.get(f"/v1/contacts/{push}/timeline", headers=ADMIN).json()
        [entry] = [e for e in timeline if e["kind"] == "message.deferred"]
        assert entry["detail"]["reason"] == "quiet_hours"
        assert entry["detail"]["retry_at"].startswith("2025-07-02T06:00")
        [message] = client.get(f"/v1/contacts/{push}/messages", headers=ADMIN).json()
        assert message["retry_at"].startswith("2025-07-02T06:00")


async def test_quiet_hours_apply_to_marketing_only_and_end_on_time(make_harness) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness()
    cid = harness.seed(phone="+48500100200", timezone="Europe/Warsaw")
    harness.consent(cid, "sms")
    order_update = await harness.send(
        harness.request(cid, "sms", "welcome", purpose="transactional", now=LATE)
    )
    assert order_update.status == "sent"
    morning = await harness.send(harness.request(cid, "sms", "welcome", now=LATE + timedelta(hours=10)))
    assert morning.status == "sent"


async def test_a_recorded_result_is_returned_again_not_re_decided(make_harness) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness()
    cid = harness.seed(phone="+48500100200", timezone="Europe/Warsaw")
    harness.consent(cid, "sms")
    request = harness.request(cid, "sms", "welcome", now=LATE)
    first = await harness.send(request)
    harness.consent(cid, "sms", "denied")
    again = await harness.send(request, attempt=2)
    assert first == again and again.reason == "quiet_hours"
    assert len(harness.messages(cid)) == 1

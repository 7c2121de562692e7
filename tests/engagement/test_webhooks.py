"""Provider feedback through the real app: signatures checked, delivery moves the
status, hard bounces and complaints suppress the address, each report is an event."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from orkiestra import feedback
from orkiestra.db import transaction
from orkiestra.models import SuppressedAddress
from orkiestra.persistence import suppressions
from tests.engagement.support import events, identify, message, sent_message


def post(client, body: Any, *, secret: str, channel: str = "email", at: float | None = None):  # type: ignore[no-untyped-def]
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Orkiestra-Signature": feedback.sign(secret, raw, at)}
    return client.post(f"/v1/webhooks/{channel}", content=raw, headers=headers)


@pytest.fixture
def secret(app_settings) -> str:  # type: ignore[no-untyped-def]
    return app_settings.resolved_webhook_secret


@pytest.fixture
def sent(db) -> int:  # type: ignore[no-untyped-def]
    identify(db, "ala", email="Ala@Example.com")
    return sent_message(db, "ala", to="Ala@Example.com", provider_id="<p-1@orkiestra>")


def suppressed(db, address: str, channel: str = "email") -> SuppressedAddress | None:  # type: ignore[no-untyped-def]
    with db() as session:
        return suppressions.is_suppressed(session, address, channel, "transactional")


def test_delivery_moves_the_status_and_becomes_an_event(client, db, secret, sent):
    response = post(client, {"type": "delivered", "message_id": "p-1@orkiestra", "id": "e1"}, secret=secret)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "recorded": 1}
    assert message(db, sent).status == "delivered"
    [event] = events(db, "Email Delivered")
    assert (event.contact_id, event.properties["message_id"]) == ("ala", sent)
    # Providers retry until they get a 2xx: the same report again changes nothing.
    again = post(client, {"type": "delivered", "message_id": "p-1@orkiestra", "id": "e1"}, secret=secret)
    assert again.json() == {"received": 1, "recorded": 0}
    assert len(events(db, "Email Delivered")) == 1


def test_hard_bounce_suppresses_the_address(client, db, secret, sent):
    body = {
        "type": "bounced",
        "orkiestra_message_id": sent,
        "bounce_type": "hard",
        "reason": "550 5.1.1 no such user",
    }
    assert post(client, body, secret=secret).status_code == 200
    row = message(db, sent)
    assert (row.status, row.error) == ("bounced", "550 5.1.1 no such user")
    blocked = suppressed(db, "ala@example.com")
    assert blocked is not None and (blocked.reason, blocked.source) == ("bounce", "webhook:email")
    [event] = events(db, "Email Bounced")
    assert event.properties["bounce_type"] == "hard"
    # A late "delivered" never hides the bounce.
    post(client, {"type": "delivered", "orkiestra_message_id": sent}, secret=secret)
    assert message(db, sent).status == "bounced"


def test_soft_bounce_is_an_event_but_suppresses_nothing(client, db, secret, sent):
    body = {
        "type": "bounced",
        "message_id": "<p-1@orkiestra>",
        "bounce_type": "soft",
        "reason": "mailbox full",
    }
    assert post(client, body, secret=secret).status_code == 200
    assert message(db, sent).status == "sent"
    assert suppressed(db, "ala@example.com") is None
    assert events(db, "Email Bounced")[0].properties["bounce_type"] == "soft"


def test_complaint_suppresses_and_is_marked_as_spam(client, db, secret, sent):
    events_body = {
        "events": [{"type": "complained", "message_id": "p-1@orkiestra", "recipient": "ala@example.com"}]
    }
    assert post(client, events_body, secret=secret).json() == {"received": 1, "recorded": 1}
    assert message(db, sent).status == "complained"
    assert suppressed(db, "ala@example.com").reason == "complaint"
    assert [e.contact_id for e in events(db, "Email Marked as Spam")] == ["ala"]


def test_a_bounce_we_cannot_match_to_a_message_still_suppresses_and_finds_the_contact(client, db, secret):
    identify(db, "ola", email="ola@example.com")
    body = [{"type": "bounced", "recipient": "OLA@example.com", "message_id": "unknown"}]
    assert post(client, body, secret=secret).status_code == 200
    assert suppressed(db, "ola@example.com").reason == "bounce"
    assert [e.contact_id for e in events(db, "Email Bounced")] == ["ola"]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "missing X-Orkiestra-Signature"),
        ("v1=abc", "malformed"),
        ("t=1,v1=abc", "more than 5 minutes"),
        ("wrong-secret", "does not match"),
    ],
)
def test_unsigned_stale_or_wrongly_signed_reports_are_refused(client, db, secret, sent, header, problem):
    raw = json.dumps({"type": "complained", "orkiestra_message_id": sent}).encode()
    headers = {"Content-Type": "application/json"}
    if header == "wrong-secret":
        headers["X-Orkiestra-Signature"] = feedback.sign("not-the-secret", raw)
    elif header is not None:
        headers["X-Orkiestra-Signature"] = header
    response = client.post("/v1/webhooks/email", content=raw, headers=headers)
    assert response.status_code == 401
    assert problem in response.json()["message"]
    assert message(db, sent).status == "sent"
    assert suppressed(db, "ala@example.com") is None


def test_a_replayed_old_report_is_refused(client, db, secret, sent):
    response = post(
        client, {"type": "delivered", "orkiestra_message_id": sent}, secret=secret, at=time.time() - 600
    )
    assert response.status_code == 401


def test_bad_bodies_are_400_naming_the_problem(client, secret):
    assert post(client, {"type": "opened", "message_id": "x"}, secret=secret).status_code == 400
    huge = post(client, {"type": "delivered", "orkiestra_message_id": 2**70}, secret=secret)
    assert huge.status_code == 400 and "orkiestra_message_id" in huge.json()["message"]
    nameless = post(client, {"type": "delivered"}, secret=secret)
    assert nameless.status_code == 400
    assert "message_id" in nameless.json()["message"]
    raw = b"{not json"
    response = client.post(
        "/v1/webhooks/email", content=raw, headers={"X-Orkiestra-Signature": feedback.sign(secret, raw)}
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]


def twilio(client, app_settings, params: dict[str, str], token: str | None = None):  # type: ignore[no-untyped-def]
    url = f"{app_settings.public_url}/v1/webhooks/sms"
    signature = feedback.twilio_signature(token or app_settings.resolved_webhook_secret, url, params)
    return client.post("/v1/webhooks/sms", data=params, headers={"X-Twilio-Signature": signature})


def test_twilio_status_callbacks(client, db, app_settings):
    identify(db, "ala", email="ala@example.com", phone="+48500100200")
    delivered = sent_message(db, "ala", channel="sms", to="+48500100200", provider_id="SM1", key="k1")
    failed = sent_message(db, "ala", channel="sms", to="+48500100200", provider_id="SM2", key="k2")
    base = {"AccountSid": "AC1", "To": "+48500100200", "From": "+48111"}
    assert twilio(client, app_settings, {**base, "MessageSid": "SM1", "MessageStatus": "sent"}).json() == {
        "received": 0,
        "recorded": 0,
    }
    assert (
        twilio(client, app_settings, {**base, "MessageSid": "SM1", "MessageStatus": "delivered"}).status_code
        == 200
    )
    assert message(db, delivered).status == "delivered"
    params = {**base, "MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "30005"}
    assert twilio(client, app_settings, params).status_code == 200
    assert message(db, failed).status == "bounced"
    assert suppressed(db, "+48 500 100 200", "sms").reason == "bounce"
    assert [e.name for e in events(db) if e.name and e.name.startswith("SMS")] == [
        "SMS Delivered",
        "SMS Bounced",
    ]
    forged = twilio(client, app_settings, {**base, "MessageSid": "SM1", "MessageStatus": "failed"}, token="x")
    assert forged.status_code == 401
    assert message(db, delivered).status == "delivered"


def test_feedback_about_an_erased_contact_stores_nothing_personal(client, db, secret, sent):
    with transaction(db) as session:
        from orkiestra.models import Contact

        session.delete(session.get(Contact, "ala"))
    body = {"type": "complained", "orkiestra_message_id": sent, "recipient": "ala@example.com"}
    assert post(client, body, secret=secret).json() == {"received": 1, "recorded": 0}
    assert suppressed(db, "ala@example.com") is None
    assert message(db, sent).status == "complained"

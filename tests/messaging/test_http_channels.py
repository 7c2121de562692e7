"""SMS (fake Twilio), push (fake FCM), outbound webhooks (a receiver that checks our
signature) and the in-app inbox, each against a real server or table: the request shape,
5xx and time-outs retried under the same idempotency key, 4xx recorded as refused."""

from __future__ import annotations

import pytest

from activities.channels import ProviderError
from orkiestra.persistence import inbox
from tests.messaging.conftest import Fakes
from tests.messaging.support import FCM_TOKEN, SID, TWILIO_FROM, Harness

PHONE = "+48500100200"


def sms_contact(harness: Harness, **traits: object) -> str:
    cid = harness.seed(phone=PHONE, firstName="Ala", **traits)
    harness.consent(cid, "sms")
    return cid


def push_contact(harness: Harness, token: str = "device-token-1") -> str:
    cid = harness.seed(email="p@example.com", firstName="Piotr", push_token=token)
    harness.consent(cid, "push")
    return cid


# ----- SMS -----------------------------------------------------------------------------------


async def test_sms_goes_to_twilio_messages_json(harness: Harness, fakes: Fakes) -> None:
    cid = sms_contact(harness)
    request = harness.request(cid, "sms", "welcome")
    result = await harness.send(request)
    assert result.status == "sent"
    [sms] = fakes.twilio.messages
    assert (sms["To"], sms["From"]) == (PHONE, TWILIO_FROM)
    assert sms["Body"].startswith("Hi Ala, welcome aboard!")
    [call] = fakes.twilio.requests
    assert call.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert call.headers["i-twilio-idempotency-token"] == request.idempotency_key
    row = harness.message(result.message_id)
    assert (row.provider, row.provider_message_id, row.to_address) == ("twilio", sms["sid"], PHONE)


async def test_sms_5xx_then_success_sends_one_message(harness: Harness, fakes: Fakes) -> None:
    cid = sms_contact(harness)
    request = harness.request(cid, "sms", "welcome")
    fakes.twilio.fail_next(500, 503)
    for attempt in (1, 2):
        with pytest.raises(ProviderError):
            await harness.send(request, attempt=attempt)
    assert (await harness.send(request, attempt=3)).status == "sent"
    assert len(fakes.twilio.requests) == 3 and len(fakes.twilio.messages) == 1


async def test_sms_timeout_after_twilio_took_it_is_deduplicated_on_retry(
    harness: Harness, fakes: Fakes
) -> None:
    cid = sms_contact(harness)
    request = harness.request(cid, "sms", "welcome")
    fakes.twilio.slow_next(3.0)  # stored, but answered after our 1 s time-out
    with pytest.raises(ProviderError, match="timed out"):
        await harness.send(request)
    result = await harness.send(request, attempt=2)
    assert result.status == "sent"
    assert len(fakes.twilio.requests) == 2 and len(fakes.twilio.messages) == 1
    assert harness.message(result.message_id).provider_message_id == fakes.twilio.messages[0]["sid"]


async def test_sms_4xx_is_failed_with_twilios_message_and_not_retried(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(phone="12345")
    harness.consent(cid, "sms")
    result = await harness.send(harness.request(cid, "sms", "welcome"))
    assert (result.status, result.reason) == ("failed", "provider_rejected")
    error = harness.message(result.message_id).error or ""
    assert "HTTP 400" in error and "not a valid phone number" in error and "21211" in error
    assert len(fakes.twilio.requests) == 1


async def test_giving_up_after_the_last_attempt_is_recorded_not_raised(make_harness, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(send_max_attempts=2)
    cid = sms_contact(harness)
    request = harness.request(cid, "sms", "welcome")
    fakes.twilio.fail_next(503, 503)
    with pytest.raises(ProviderError):
        await harness.send(request, attempt=1)
    result = await harness.send(request, attempt=2)
    assert (result.status, result.reason) == ("failed", "channel_unavailable")
    assert "gave up after 2 attempts" in (harness.message(result.message_id).error or "")


async def test_sms_without_twilio_settings_is_channel_unavailable(make_harness) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(twilio_account_sid=None)
    cid = sms_contact(harness)
    result = await harness.send(harness.request(cid, "sms", "welcome"))
    assert (result.status, result.reason) == ("skipped", "channel_unavailable")


# ----- push ----------------------------------------------------------------------------------


async def test_push_goes_to_fcm_v1_with_the_contacts_token(harness: Harness, fakes: Fakes) -> None:
    cid = push_contact(harness)
    result = await harness.send(harness.request(cid, "push", "welcome"))
    assert result.status == "sent"
    [push] = fakes.fcm.messages
    assert push["token"] == "device-token-1"
    assert push["notification"] == {
        "title": "Welcome, Piotr!",
        "body": "Your account is ready. Tap to take the two-minute tour.",
    }
    assert fakes.fcm.requests[0].headers["authorization"] == f"Bearer {FCM_TOKEN}"
    assert harness.message(result.message_id).provider_message_id == push["name"]


async def test_push_to_a_stale_token_is_rejected_and_5xx_retried(harness: Harness, fakes: Fakes) -> None:
    stale = push_contact(harness, token="stale-token")
    result = await harness.send(harness.request(stale, "push", "welcome"))
    assert (result.status, result.reason) == ("failed", "provider_rejected")
    assert "Requested entity was not found. (NOT_FOUND)" in (harness.message(result.message_id).error or "")
    fresh = push_contact(harness, token="fresh-token")
    request = harness.request(fresh, "push", "welcome")
    fakes.fcm.fail_next(503)
    with pytest.raises(ProviderError):
        await harness.send(request)
    assert (await harness.send(request, attempt=2)).status == "sent"
    assert [m["token"] for m in fakes.fcm.messages] == ["fresh-token"]


async def test_push_without_a_token_is_missing_address(harness: Harness) -> None:
    cid = harness.seed(email="no-token@example.com")
    harness.consent(cid, "push")
    result = await harness.send(harness.request(cid, "push", "welcome"))
    assert (result.status, result.reason) == ("skipped", "missing_address")


# ----- webhooks ------------------------------------------------------------------------------


async def test_webhook_is_signed_and_carries_the_rendered_json(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(email="w@example.com", plan="pro")
    request = harness.request(cid, "webhook", "contact_update", context={"event_name": "Lead Qualified"})
    result = await harness.send(request)
    assert result.status == "sent"  # the receiver answered 200 only after checking the signature
    [hook] = fakes.webhook.messages
    assert hook["idempotency_key"] == request.idempotency_key
    assert hook["data"] == {
        "event": "Lead Qualified",
        "contact": {"id": cid, "email": "w@example.com"},
        "traits": {"plan": "pro", "company": None},
    }
    assert fakes.webhook.requests[0].path == "/hooks/orkiestra"


async def test_webhook_with_a_wrong_secret_is_refused(make_harness, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(outbound_webhook_secret="not-the-receivers-secret")
    cid = harness.seed(email="w2@example.com")
    result = await harness.send(harness.request(cid, "webhook", "contact_update"))
    assert (result.status, result.reason) == ("failed", "provider_rejected")
    assert "bad signature" in (harness.message(result.message_id).error or "")
    assert fakes.webhook.messages == []


async def test_webhook_5xx_is_retried_and_4xx_is_recorded(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(email="w3@example.com")
    request = harness.request(cid, "webhook", "contact_update")
    fakes.webhook.fail_next(502)
    with pytest.raises(ProviderError):
        await harness.send(request)
    assert (await harness.send(request, attempt=2)).status == "sent"
    fakes.webhook.reject_with = (422, {"message": "unknown contact"})
    refused = await harness.send(harness.request(cid, "webhook", "contact_update"))
    assert (refused.status, refused.reason) == ("failed", "provider_rejected")
    assert "unknown contact" in (harness.message(refused.message_id).error or "")
    assert len(fakes.webhook.messages) == 1


# ----- in-app --------------------------------------------------------------------------------


async def test_inapp_message_is_stored_once_for_the_app_to_read(harness: Harness) -> None:
    cid = harness.seed(email="i@example.com", firstName="Iga")
    request = harness.request(cid, "inapp", "welcome")
    first = await harness.send(request)
    again = await harness.send(request, attempt=2)  # a retry finds the recorded result
    assert first.status == again.status == "sent"
    with harness.sessions() as session:
        [item] = inbox.list_for_contact(session, cid)
        assert (item.title, item.read_at, item.message_id) == ("Welcome, Iga!", None, first.message_id)
        assert inbox.unread_count(session, cid) == 1
    with harness.sessions() as session, session.begin():
        assert inbox.mark_read(session, cid, item.id or 0)
        assert not inbox.mark_read(session, "someone-else", item.id or 0)
    with harness.sessions() as session:
        assert inbox.unread_count(session, cid) == 0
        assert inbox.list_for_contact(session, cid, unread_only=True) == []

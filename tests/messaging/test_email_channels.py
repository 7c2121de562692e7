"""Email over SMTP (aiosmtpd on loopback) and over the Postmark-style HTTP API (a fake
Postmark on loopback): one-click unsubscribe headers, refusals, retries."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from activities.channels import ProviderError
from orkiestra import links
from orkiestra.devstack import free_port
from tests.messaging.conftest import Fakes
from tests.messaging.support import Harness

pytestmark = pytest.mark.usefixtures("fakes")


async def test_marketing_email_carries_rfc8058_one_click_unsubscribe(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(email="ala@example.com", firstName="Ala")
    result = await harness.send(harness.request(cid, "email", "welcome"))
    assert (result.status, result.reason) == ("sent", None)
    [mail] = fakes.smtp.to("ala@example.com")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, https = (part.strip(" <>") for part in str(mail["List-Unsubscribe"]).split(","))
    assert mailto.startswith("mailto:unsubscribe@orkiestra.local?subject=unsubscribe")
    assert https.startswith(f"{harness.settings.public_url}/u/")
    assert links.read_preference_token(harness.settings, https.rsplit("/", 1)[1]) == cid
    assert mail["Subject"] == "Welcome, Ala!"
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "/t/o/" in html  # the open pixel
    row = harness.message(result.message_id)
    assert (row.provider, row.attempts, row.to_address) == ("smtp", 1, "ala@example.com")


async def test_transactional_email_has_no_unsubscribe_header(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(email="tx@example.com")
    await harness.send(harness.request(cid, "email", "welcome", purpose="transactional"))
    [mail] = fakes.smtp.to("tx@example.com")
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None


class Refusing:
    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        return "550 5.1.1 <nobody@example.com>: mailbox unavailable"


async def test_smtp_refusal_is_recorded_as_provider_rejected(make_harness) -> None:  # type: ignore[no-untyped-def]
    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        harness: Harness = make_harness(smtp_port=controller.port)
        cid = harness.seed(email="nobody@example.com")
        result = await harness.send(harness.request(cid, "email", "welcome"))
    finally:
        controller.stop()
    assert (result.status, result.reason) == ("failed", "provider_rejected")
    assert "550" in (harness.message(result.message_id).error or "")


async def test_smtp_down_is_retried_and_the_retry_sends_once(make_harness, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    down: Harness = make_harness(smtp_port=free_port())
    cid = down.seed(email="retry@example.com")
    request = down.request(cid, "email", "welcome")
    with pytest.raises(ProviderError) as raised:
        await down.send(request)
    assert not raised.value.permanent
    row = down.message(down.messages(cid)[0].id)
    assert (row.status, row.attempts, row.attempted_at) == ("sending", 1, None)  # certainly not handed over
    up: Harness = make_harness()
    result = await up.send(request, attempt=2)
    assert result.status == "sent"
    assert len(fakes.smtp.to("retry@example.com")) == 1


async def test_http_email_api_gets_postmark_shape_with_the_idempotency_key(
    make_harness, fakes: Fakes
) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(email_provider="http")
    cid = harness.seed(email="ola@example.com", firstName="Ola")
    request = harness.request(cid, "email", "welcome")
    result = await harness.send(request)
    assert result.status == "sent"
    [sent] = fakes.postmark.messages
    assert (sent["To"], sent["Subject"], sent["MessageStream"]) == (
        "ola@example.com",
        "Welcome, Ola!",
        "outbound",
    )
    assert "Ola" in sent["TextBody"] and "<h1>" in sent["HtmlBody"]
    headers = {h["Name"]: h["Value"] for h in sent["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert fakes.postmark.requests[0].headers["idempotency-key"] == request.idempotency_key
    assert harness.message(result.message_id).provider_message_id == sent["MessageID"]


async def test_http_email_5xx_is_retried_then_sent_once(make_harness, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(email_provider="http")
    cid = harness.seed(email="five@example.com")
    request = harness.request(cid, "email", "welcome")
    fakes.postmark.fail_next(503)
    with pytest.raises(ProviderError):
        await harness.send(request)
    result = await harness.send(request, attempt=2)
    assert result.status == "sent"
    assert len(fakes.postmark.requests) == 2 and len(fakes.postmark.messages) == 1
    assert harness.message(result.message_id).attempts == 2


async def test_http_email_4xx_is_failed_with_the_providers_message(make_harness, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(email_provider="http")
    cid = harness.seed(email="not-an-address")
    result = await harness.send(harness.request(cid, "email", "welcome"))
    assert (result.status, result.reason) == ("failed", "provider_rejected")
    error = harness.message(result.message_id).error or ""
    assert "HTTP 422" in error and "Invalid 'To' address" in error
    assert len(fakes.postmark.requests) == 1  # not retried


async def test_http_email_without_a_key_is_channel_unavailable(make_harness) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(email_provider="http", email_api_key=None)
    cid = harness.seed(email="nokey@example.com")
    result = await harness.send(harness.request(cid, "email", "welcome"))
    assert (result.status, result.reason) == ("skipped", "channel_unavailable")


async def test_every_marketing_email_body_links_the_preference_center(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(email="prefs@example.com")
    await harness.send(harness.request(cid, "email", "welcome"))
    [mail] = fakes.smtp.to("prefs@example.com")
    link = links.preferences_url(harness.settings, cid)
    assert link in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert link in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

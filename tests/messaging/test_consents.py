"""Consent and suppression persistence on SQLite and PostgreSQL, and the consent API:
append-only log, expiry, double opt-in with a signed link, preference-center choices,
suppression reasons and purposes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import create_app
from orkiestra.db import transaction
from orkiestra.models import ConsentRecord, SubscriptionChange
from orkiestra.persistence import consents, suppressions
from tests.messaging.conftest import Fakes
from tests.messaging.support import Harness

ADMIN = {"Authorization": "Bearer dev-admin-key"}


def test_the_newest_decision_rules_and_nothing_is_overwritten(db_harness: Harness) -> None:
    db = db_harness.sessions
    db_harness.consent("c1", "sms", "granted")
    db_harness.consent("c1", "sms", "denied")
    with db() as session:
        state = consents.current(session, "c1", "sms", "marketing")
        assert state is not None and state.status == "denied"
        assert consents.current(session, "c1", "sms", "transactional") is None
        assert [r.status for r in consents.history(session, "c1")] == ["denied", "granted"]
    with transaction(db) as session:  # a preference-center choice, later, wins
        session.add(
            SubscriptionChange(contact_id="c1", channel="sms", subscribed=True, source="preference_center")
        )
    with db() as session:
        state = consents.current(session, "c1", "sms", "marketing")
        assert state is not None and (state.status, state.source) == ("granted", "preference_center")
        assert session.execute(select(func.count()).select_from(ConsentRecord)).scalar_one() == 2
        assert not consents.topic_unsubscribed(session, "c1", "offers")
    with transaction(db) as session:
        session.add(
            SubscriptionChange(contact_id="c1", topic="offers", subscribed=False, source="preference_center")
        )
    with db() as session:
        assert consents.topic_unsubscribed(session, "c1", "offers")


async def test_a_topic_unsubscribe_stops_sends_tagged_with_it(harness: Harness, fakes: Fakes) -> None:
    cid = harness.seed(email="t@example.com")
    with transaction(harness.sessions) as session:
        session.add(
            SubscriptionChange(contact_id=cid, topic="offers", subscribed=False, source="preference_center")
        )
    offer = await harness.send(harness.request(cid, "email", "welcome", context={"topic": "offers"}))
    assert (offer.status, offer.reason) == ("skipped", "unsubscribed")
    news = await harness.send(harness.request(cid, "email", "welcome", context={"topic": "newsletter"}))
    assert news.status == "sent"


def test_suppressions_normalise_keep_the_stronger_reason_and_respect_purpose(db_harness: Harness) -> None:
    with transaction(db_harness.sessions) as session:
        suppressions.suppress(session, "Ala@Example.com ", "email", "unsubscribe", source="one_click")
        suppressions.suppress(session, "+48 500 100 200", "sms", "complaint", source="webhook:sms")
    with db_harness.sessions() as session:
        assert suppressions.is_suppressed(session, "ala@example.com", "email") is not None
        assert suppressions.is_suppressed(session, "ala@example.com", "email", "transactional") is None
        assert suppressions.is_suppressed(session, "+48500100200", "sms", "transactional") is not None
    with transaction(db_harness.sessions) as session:
        suppressions.suppress(session, "ala@example.com", "email", "bounce", source="webhook:email")
        suppressions.suppress(session, "ala@example.com", "email", "unsubscribe", source="later")
    with db_harness.sessions() as session:
        row = suppressions.is_suppressed(session, "ALA@example.com", "email", "transactional")
        assert row is not None and (row.reason, row.source) == ("bounce", "webhook:email")
    with transaction(db_harness.sessions) as session:
        assert suppressions.unsuppress(session, "ala@example.com", "email")
    with db_harness.sessions() as session:
        assert suppressions.is_suppressed(session, "ala@example.com", "email") is None


def api(harness: Harness, **overrides: Any) -> TestClient:
    settings = harness.settings.model_copy(update=overrides)
    return TestClient(create_app(settings))


def test_consents_through_the_api(db_harness: Harness) -> None:
    cid = db_harness.seed(email="api@example.com")
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    with api(db_harness) as client:
        put = client.put(
            f"/v1/contacts/{cid}/consents/sms",
            json={"status": "granted", "source": "checkout form", "expires_at": expires},
            headers=ADMIN,
        )
        assert put.status_code == 200, put.text
        assert put.json()["status"] == "granted" and put.json()["confirm_url"] is None
        client.put(
            f"/v1/contacts/{cid}/consents/email",
            json={"status": "denied", "purpose": "marketing", "source": "support call"},
            headers=ADMIN,
        )
        body = client.get(f"/v1/contacts/{cid}/consents", headers=ADMIN).json()
        current = {(c["channel"], c["purpose"]): c for c in body["current"]}
        assert current[("sms", "marketing")]["source"] == "checkout form"
        assert current[("sms", "marketing")]["expires_at"] is not None
        assert current[("email", "marketing")]["status"] == "denied"
        assert len(body["log"]) == 2
        profile = client.get(f"/v1/contacts/{cid}", headers=ADMIN).json()
        assert {(c["channel"], c["status"]) for c in profile["consents"]} == {
            ("sms", "granted"),
            ("email", "denied"),
        }
        bad = [
            client.put(f"/v1/contacts/{cid}/consents/fax", json={"status": "granted"}, headers=ADMIN),
            client.put(f"/v1/contacts/{cid}/consents/sms", json={"status": "maybe"}, headers=ADMIN),
            client.put(
                f"/v1/contacts/{cid}/consents/sms",
                json={"status": "granted", "expires_at": "2030-01-01T00:00"},
                headers=ADMIN,
            ),
            client.put("/v1/contacts/nobody/consents/sms", json={"status": "granted"}, headers=ADMIN),
            client.put(f"/v1/contacts/{cid}/consents/sms", json={"status": "granted"}),
        ]
        assert [r.status_code for r in bad] == [400, 400, 400, 404, 401]
        assert "fax" in bad[0].json()["message"] and "time zone" in bad[2].json()["message"]


async def test_double_opt_in_holds_marketing_email_until_the_link_is_opened(
    make_db_harness, fakes: Fakes
) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_db_harness(email_double_opt_in=True, consent_mode="opt_in")
    cid = harness.seed(email="doi@example.com")
    with api(harness) as client:
        put = client.put(
            f"/v1/contacts/{cid}/consents/email",
            json={"status": "granted", "source": "signup form"},
            headers=ADMIN,
        )
        assert put.json()["status"] == "pending"
        confirm_url = put.json()["confirm_url"]
        assert confirm_url.startswith(f"{harness.settings.public_url}/confirm/")
        waiting = await harness.send(harness.request(cid, "email", "welcome"))
        assert (waiting.status, waiting.reason) == ("skipped", "no_consent")
        link = await harness.send(
            harness.request(
                cid,
                "email",
                "confirm_subscription",
                purpose="transactional",
                context={"confirm_url": confirm_url},
            )
        )
        assert link.status == "sent"
        [mail] = fakes.smtp.to("doi@example.com")
        assert confirm_url in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        path = "/confirm/" + confirm_url.rsplit("/", 1)[1]
        page = client.get(path)
        assert page.status_code == 200 and "confirmed" in page.text
        assert client.get(path).status_code == 200  # opening it twice is fine
        assert client.get(path[:-3] + "abc").status_code == 400
        states = client.get(f"/v1/contacts/{cid}/consents", headers=ADMIN).json()["current"]
        assert [(s["status"], s["source"]) for s in states] == [("granted", "double_opt_in:signup form")]
    welcome = await harness.send(harness.request(cid, "email", "welcome"))
    assert welcome.status == "sent"


def test_a_confirmation_link_for_a_changed_or_old_consent_confirms_nothing(db_harness: Harness) -> None:
    settings = db_harness.settings.model_copy(update={"email_double_opt_in": True})
    with transaction(db_harness.sessions) as session:
        pending = consents.change(session, settings, "c9", "email", "marketing", "granted", "form")
        old = consents.confirm_token(settings, pending, issued_at=0)
        fresh = consents.confirm_token(settings, pending)
        consents.record(session, "c9", "email", "marketing", "denied", "support")
    with transaction(db_harness.sessions) as session:
        for token, message in ((old, "expired"), (fresh, "changed")):
            with pytest.raises(consents.ConfirmError, match=message):
                consents.confirm(session, settings, token)

"""GDPR through the real app on SQLite and PostgreSQL: export returns everything held
about a contact; erase leaves no personal data in any table (every table is searched)
and an audit row that names nobody."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Erasure, JourneyRun, Lead
from orkiestra.persistence import consents, inbox, journeys, suppressions
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import IdentifyCall, TrackCall
from tests.engagement.support import ADMIN, identify, sent_message, track

CID = "ala-kowalska-77"
EMAIL = "ala.kowalska@example.com"
PHONE = "+48500100277"
# What identifies her: none of it may be found anywhere after erasure.
PERSONAL = [CID, EMAIL, PHONE, "Kowalska", "Ala", "anon-device-77", "Warszawa", "10.1.2.3"]


def seed(db: SessionFactory, client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Ala as a real install would hold her: profile, events (one from before she
    identified), messages, consent, preference choices, suppression, inbox, a lead and
    a journey run."""
    with transaction(db) as session:
        store_calls(
            session,
            [
                TrackCall(
                    anonymousId="anon-device-77", event="Product Viewed", properties={"city": "Warszawa"}
                ),
                IdentifyCall(
                    userId=CID,
                    anonymousId="anon-device-77",
                    traits={"email": EMAIL, "phone": PHONE, "firstName": "Ala", "lastName": "Kowalska"},
                    context={"ip": "10.1.2.3", "traits": {"email": EMAIL}},
                ),
            ],
            frozenset({"Product Viewed"}),
        )
    track(db, CID, "Order Completed", email=EMAIL, total=120)
    identify(db, "bob", email="bob@example.com", firstName="Bob")
    track(db, "bob", "Order Completed", total=80)
    mid = sent_message(db, CID, to=EMAIL, provider_id="p-77")
    sent_message(db, "bob", to="bob@example.com", provider_id="p-bob")
    client.post(
        f"/preferences/{_pref_token(client, CID)}", data={"action": "save", "channel": ["email"], "topic": []}
    )
    with transaction(db) as session:
        consents.record(session, CID, "sms", "marketing", "granted", "signup form")
        suppressions.suppress(session, PHONE, "sms", "bounce", source="webhook:sms", contact_id=CID)
        inbox.add(session, CID, "Hi Ala", f"Your order for {EMAIL}", f"inbox-{uuid.uuid4()}")
        session.add(Lead(contact_id=CID, email=EMAIL, name="Ala Kowalska"))
        journeys.record_start(session, f"welcome-series/{CID}", "run-77", "welcome-series", CID)
    return {"message_id": mid}


def _pref_token(client, contact_id: str) -> str:  # type: ignore[no-untyped-def]
    from orkiestra import links

    return links.preference_token(client.app.state.orkiestra.settings, contact_id)


def everything(db: SessionFactory) -> dict[str, str]:
    """Every row of every table, as text."""
    out = {}
    with db() as session:
        for name, table in SQLModel.metadata.tables.items():
            rows = [dict(r._mapping) for r in session.execute(select(table))]
            out[name] = json.dumps(rows, default=str)
    return out


def test_export_returns_everything_held_about_the_contact(client, db):
    ids = seed(db, client)
    response = client.get(f"/v1/contacts/{CID}/export", headers=ADMIN)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["profile"]["email"] == EMAIL and data["profile"]["last_name"] == "Kowalska"
    assert {e["name"] for e in data["events"]} >= {"Product Viewed", "Order Completed", None}
    assert [m["id"] for m in data["messages"]] == [ids["message_id"]]
    assert [j["workflow_id"] for j in data["journeys"]] == [f"welcome-series/{CID}"]
    assert {(s["topic"], s["subscribed"]) for s in data["subscriptions"]} == {
        ("newsletter", False),
        ("offers", False),
        ("product-updates", False),
    }
    assert [(c["channel"], c["status"]) for c in data["consent_log"]] == [("sms", "granted")]
    assert [s["address"] for s in data["suppressions"]] == [PHONE]
    assert [i["title"] for i in data["inbox_messages"]] == ["Hi Ala"]
    assert [lead["email"] for lead in data["crm_leads"]] == [EMAIL]
    assert [a["anonymous_id"] for a in data["aliases"]] == ["anon-device-77"]
    assert "bob@example.com" not in response.text
    assert client.get("/v1/contacts/nobody/export", headers=ADMIN).status_code == 404
    assert client.get(f"/v1/contacts/{CID}/export").status_code == 401


def test_erase_leaves_no_personal_data_in_any_table(client, db, app_settings):
    seed(db, client)
    before = everything(db)
    assert any(EMAIL in text for text in before.values())
    response = client.delete(f"/v1/contacts/{CID}", headers=ADMIN)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["erased"] is True
    assert result["journeys_exited"] == 1
    # No Temporal in this app: the run could not be signalled, and the answer says so.
    assert result["journeys_not_signalled"] == [f"welcome-series/{CID}"]
    after = everything(db)
    for table, text in after.items():
        for value in PERSONAL:
            assert value not in text, f"{value!r} is still in table {table}"
    # Aggregates stay: the events and the message still count, under a pseudonym.
    with db() as session:
        [run] = session.execute(select(JourneyRun)).scalars().all()
        assert run.status == "exited" and run.contact_id.startswith("erased-")
        [erasure] = session.execute(select(Erasure)).scalars().all()
        assert erasure.subject == result["subject"] and erasure.journeys_exited == 1
    assert len(json.loads(after["events"])) == len(json.loads(before["events"]))
    assert len(json.loads(after["messages"])) == 2
    # Bob is untouched.
    assert "bob@example.com" in after["contacts"] and "bob@example.com" in after["messages"]
    assert client.get(f"/v1/contacts/{CID}", headers=ADMIN).status_code == 404
    assert client.delete(f"/v1/contacts/{CID}", headers=ADMIN).status_code == 404
    assert client.delete("/v1/contacts/anon-device-77", headers=ADMIN).status_code == 404


def test_erase_by_an_anonymous_id_erases_the_known_contact(client, db):
    seed(db, client)
    response = client.delete("/v1/contacts/anon-device-77", headers=ADMIN)
    assert response.status_code == 200
    assert all(EMAIL not in text for text in everything(db).values())


@pytest.mark.parametrize("method", ["delete", "get"])
def test_gdpr_routes_need_the_admin_key(client, db, method):
    identify(db, CID, email=EMAIL)
    path = f"/v1/contacts/{CID}" + ("/export" if method == "get" else "")
    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, headers={"Authorization": "Bearer nope"}).status_code == 401

"""Sales in the admin API: owners, leads, tasks, score and stage on the contact, and
signed CRM webhooks (ours and HubSpot's) becoming lead events."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Event
from orkiestra.persistence import crm
from orkiestra.sales.webhooks import crm_secret, hubspot_v3_signature, sign
from orkiestra.settings import Settings
from tests.api.support import ADMIN, Ingest

NOW = datetime.now(UTC)


def qualify(ingest: Ingest, contact: str = "ala") -> None:
    ingest.ok(
        "identify", {"userId": contact, "traits": {"email": f"{contact}@acme.example", "industry": "saas"}}
    )
    ingest.ok("track", {"userId": contact, "event": "Demo Requested", "messageId": f"demo-{contact}"})
    ingest.ok("track", {"userId": contact, "event": "Email Opened", "messageId": f"open-{contact}"})
    ingest.ok("track", {"userId": contact, "event": "Email Opened", "messageId": f"open2-{contact}"})


def names(db: SessionFactory, contact: str) -> list[str]:
    with db() as session:
        query = select(Event.name).where(Event.contact_id == contact).order_by(Event.id)
        return list(session.execute(query).scalars())


def test_contact_shows_score_and_stage(client: TestClient, ingest: Ingest, db: SessionFactory):
    assert client.get("/v1/contacts/ala", headers=ADMIN).status_code == 404
    qualify(ingest)
    body = client.get("/v1/contacts/ala", headers=ADMIN).json()
    assert (body["score"], body["stage"]) == (60, "mql")
    assert "Lead Qualified" in names(db, "ala")


def test_owners_are_configured_through_the_api(client: TestClient):
    maria = {"name": "Maria", "email": "maria@sales.example", "timezone": "Europe/Warsaw"}
    assert client.put("/v1/owners/maria", json=maria, headers=ADMIN).status_code == 200
    adam = {"name": "Adam", "email": "adam@sales.example", "manager_id": "maria", "industries": ["saas"]}
    assert client.put("/v1/owners/adam", json=adam, headers=ADMIN).json()["manager_id"] == "maria"
    bad = client.put("/v1/owners/x", json={**adam, "timezone": "Mars/Olympus"}, headers=ADMIN)
    assert bad.status_code == 400 and "IANA" in bad.json()["error"]
    orphan = client.put("/v1/owners/y", json={**adam, "manager_id": "nobody"}, headers=ADMIN)
    assert orphan.status_code == 400
    assert [o["id"] for o in client.get("/v1/owners", headers=ADMIN).json()] == ["adam", "maria"]
    assert client.get("/v1/owners").status_code == 401


def test_completing_an_sla_task_reports_the_lead_contacted(
    client: TestClient, ingest: Ingest, db: SessionFactory
):
    qualify(ingest)
    with transaction(db) as session:
        crm.upsert_lead(session, "ala", owner_id="adam", status="new", stage="mql", score=60)
        task = crm.create_task(
            session, "k1", contact_id="ala", owner_id="adam", kind="sla", title="Contact Ala", at=NOW
        )
        task_id = task.id
    listed = client.get("/v1/tasks", params={"owner_id": "adam", "status": "open"}, headers=ADMIN).json()
    assert [t["id"] for t in listed] == [task_id]
    done = client.patch(f"/v1/tasks/{task_id}", json={"status": "done"}, headers=ADMIN)
    assert done.json()["status"] == "done"
    client.patch(f"/v1/tasks/{task_id}", json={"status": "done"}, headers=ADMIN)  # once is enough
    assert names(db, "ala").count("Lead Contacted") == 1
    assert client.get("/v1/tasks/999999", headers=ADMIN).status_code == 404
    assert client.patch(f"/v1/tasks/{task_id}", json={"status": "bogus"}, headers=ADMIN).status_code == 400
    lead = client.get("/v1/leads/ala", headers=ADMIN).json()
    assert lead["owner_id"] == "adam" and lead["tasks"][0]["status"] == "done"
    assert [s["to_stage"] for s in lead["stage_history"]] == ["lead", "mql"]
    assert lead["score_history"][0]["score_after"] == 60
    assert [x["contact_id"] for x in client.get("/v1/leads", headers=ADMIN).json()] == ["ala"]


def test_lead_events_from_the_builtin_crm(client: TestClient, ingest: Ingest):
    qualify(ingest)
    answer = client.post("/v1/leads/ala/events", json={"type": "lead.accepted", "id": "a1"}, headers=ADMIN)
    assert answer.status_code == 202 and answer.json() == {"stored": True, "event": "Lead Accepted"}
    assert client.get("/v1/contacts/ala", headers=ADMIN).json()["stage"] == "sql"
    again = client.post("/v1/leads/ala/events", json={"type": "lead.accepted", "id": "a1"}, headers=ADMIN)
    assert again.json()["stored"] is False
    assert client.post("/v1/leads/nobody/events", json={"type": "deal.won"}, headers=ADMIN).status_code == 404


def post_signed(client: TestClient, body: object, secret: str, timestamp: str | None = None):
    raw = json.dumps(body).encode()
    headers = {"X-Orkiestra-Signature": sign(secret, raw, timestamp), "Content-Type": "application/json"}
    if timestamp is not None:
        headers["X-Orkiestra-Timestamp"] = timestamp
    return client.post("/v1/webhooks/crm", content=raw, headers=headers)


def test_signed_crm_webhook_moves_the_stage(client: TestClient, ingest: Ingest, api_settings: Settings, db):
    qualify(ingest)
    secret = crm_secret(api_settings.crm_webhook_secret, api_settings.secret_key)
    accepted = {"id": "evt-1", "type": "lead.accepted", "email": "ala@acme.example"}
    answer = post_signed(client, accepted, secret)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 1, "duplicates": 0, "ignored": 0, "unknown_contacts": []}
    assert client.get("/v1/contacts/ala", headers=ADMIN).json()["stage"] == "sql"
    assert post_signed(client, accepted, secret).json()["duplicates"] == 1
    won = [
        {"id": "evt-2", "type": "deal.won", "contact_id": "ala"},
        {"id": "e3", "type": "lead.contacted", "email": "x@y"},
    ]
    answer = post_signed(client, won, secret, timestamp=str(int(time.time())))
    assert answer.json()["unknown_contacts"] == ["crm:e3"]
    assert client.get("/v1/contacts/ala", headers=ADMIN).json()["stage"] == "customer"
    assert names(db, "ala")[-2:] == ["Lead Accepted", "Deal Won"]
    # Refused: wrong key, stale timestamp, no signature, a body we cannot read.
    assert post_signed(client, accepted, "wrong").status_code == 401
    assert post_signed(client, accepted, secret, timestamp=str(int(time.time()) - 3600)).status_code == 401
    assert client.post("/v1/webhooks/crm", json=accepted).status_code == 401
    bad = post_signed(client, {"id": "x", "type": "lead.teleported", "contact_id": "ala"}, secret)
    assert bad.status_code == 400 and "type must be one of" in bad.json()["error"]


def test_hubspot_webhook_with_v3_signature(client: TestClient, ingest: Ingest, api_settings: Settings, db):
    qualify(ingest)
    with transaction(db) as session:
        crm.upsert_lead(session, "ala", external_id="1001")
    change = {
        "eventId": 1,
        "subscriptionType": "contact.propertyChange",
        "objectId": 1001,
        "propertyName": "hs_lead_status",
        "propertyValue": "CONNECTED",
        "occurredAt": int(time.time() * 1000),
    }
    created = {"eventId": 2, "subscriptionType": "contact.creation", "objectId": 1001}
    body = json.dumps([change, created]).encode()
    stamp = str(int(time.time() * 1000))
    secret = "hubspot-client-secret"
    uri = "http://testserver/v1/webhooks/crm"
    headers = {
        "X-HubSpot-Signature-v3": hubspot_v3_signature(secret, "POST", uri, body, stamp),
        "X-HubSpot-Request-Timestamp": stamp,
    }
    unconfigured = client.post("/v1/webhooks/crm", content=body, headers=headers)
    assert unconfigured.status_code == 401 and "HUBSPOT_CLIENT_SECRET" in unconfigured.json()["error"]
    client.app.state.orkiestra.settings.hubspot_client_secret = secret  # type: ignore[attr-defined]
    answer = client.post("/v1/webhooks/crm", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 1, "duplicates": 0, "ignored": 1, "unknown_contacts": []}
    assert names(db, "ala")[-1] == "Lead Contacted"
    headers["X-HubSpot-Signature-v3"] = "bm9wZQ=="
    assert client.post("/v1/webhooks/crm", content=body, headers=headers).status_code == 401

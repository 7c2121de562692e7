"""Admin API: bearer auth, contact profile, messages with reasons, timeline, journeys,
OpenAPI and health. Real app, real database (SQLite and PostgreSQL), no Temporal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orkiestra.contracts import SendRequest
from orkiestra.db import SessionFactory, transaction
from orkiestra.persistence import journeys, messages
from tests.api.support import ADMIN, ADMIN_KEY, WRITE_KEY, Ingest, basic

ADMIN_PATHS = [
    "/v1/contacts/u1",
    "/v1/contacts/u1/messages",
    "/v1/contacts/u1/timeline",
    "/v1/journeys",
]


@pytest.fixture
def ala(ingest: Ingest) -> str:
    ingest.ok(
        "identify",
        {
            "userId": "ala",
            "messageId": "i1",
            "timestamp": "2024-05-01T10:00:00Z",
            "traits": {
                "email": "ala@example.com",
                "phone": "+48500100200",
                "firstName": "Ala",
                "lastName": "Kowalska",
                "timezone": "Europe/Warsaw",
                "plan": "pro",
            },
        },
    )
    ingest.ok(
        "track",
        {"userId": "ala", "event": "Signed Up", "messageId": "t1", "timestamp": "2024-05-01T10:05:00Z"},
    )
    return "ala"


def send(db: SessionFactory, key: str, status: str, reason: str | None = None, **extra: Any) -> int:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "contact_id": "ala",
        "channel": "email",
        "template": "welcome",
        "journey": "welcome-series",
        "workflow_id": "welcome-series/ala",
        **extra,
    }
    with transaction(db) as session:
        row = messages.reserve(session, SendRequest(**fields))
        assert row.id is not None
        messages.finish(session, row.id, status=status, reason=reason)
        return row.id


# ----- auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_admin_paths_need_the_bearer_admin_key(client: TestClient, ala: str, path: str) -> None:
    path = path.replace("u1", ala)
    missing = client.get(path)
    assert missing.status_code == 401
    assert "Bearer" in missing.json()["message"]
    for headers in (
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {WRITE_KEY}"},  # the write key is not an admin key
        {"Authorization": f"Bearer {ADMIN_KEY}x"},
        {"Authorization": "Bearer "},
        {"Authorization": ADMIN_KEY},
        basic(ADMIN_KEY),
    ):
        wrong = client.get(path, headers=headers)
        assert wrong.status_code == 401, headers
        assert wrong.json()["message"]
    assert client.get(path, headers=ADMIN).status_code == 200
    assert client.get(path, headers={"authorization": f"bearer {ADMIN_KEY}"}).status_code == 200


@pytest.mark.parametrize("suffix", ["", "/messages", "/timeline"])
def test_unknown_contact_is_404_with_a_helpful_message(client: TestClient, suffix: str) -> None:
    response = client.get(f"/v1/contacts/nobody{suffix}", headers=ADMIN)
    assert response.status_code == 404
    message = response.json()["message"]
    assert "nobody" in message
    assert "identify" in message


def test_unknown_contact_without_auth_is_401_not_404(client: TestClient) -> None:
    assert client.get("/v1/contacts/nobody").status_code == 401


# ----- the contact ----------------------------------------------------------------------------


def test_contact_has_the_fields_design_lists(client: TestClient, ala: str) -> None:
    response = client.get(f"/v1/contacts/{ala}", headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert {"traits", "score", "stage", "segments", "consents", "journeys"} <= set(body)
    assert body["id"] == "ala"
    assert body["email"] == "ala@example.com"
    assert body["phone"] == "+48500100200"
    assert (body["first_name"], body["last_name"], body["timezone"]) == ("Ala", "Kowalska", "Europe/Warsaw")
    assert body["traits"]["plan"] == "pro"
    assert isinstance(body["score"], int)
    assert isinstance(body["stage"], str) and body["stage"]
    assert isinstance(body["segments"], list)
    assert isinstance(body["consents"], list)
    assert body["journeys"] == []
    assert datetime.fromisoformat(body["last_seen_at"]) == datetime(2024, 5, 1, 10, 5, tzinfo=UTC)


def test_contact_lists_its_journey_runs(client: TestClient, db: SessionFactory, ala: str) -> None:
    with transaction(db) as session:
        journeys.record_start(session, "welcome-series/ala", "run-1", "welcome-series", "ala")
        journeys.record_end(
            session, "run-1", "welcome-series/ala", "welcome-series", "ala", "converted", "goal"
        )
        journeys.record_start(session, "other/ala", "run-2", "other", "ala")
    body = client.get(f"/v1/contacts/{ala}", headers=ADMIN).json()
    runs = {r["journey"]: r for r in body["journeys"]}
    assert set(runs) == {"welcome-series", "other"}
    assert runs["welcome-series"]["status"] == "converted"
    assert runs["welcome-series"]["outcome"] == "goal"
    assert runs["welcome-series"]["workflow_id"] == "welcome-series/ala"
    assert runs["welcome-series"]["ended_at"] is not None
    assert runs["other"]["status"] == "active"
    assert runs["other"]["ended_at"] is None


def test_contact_id_with_spaces_and_unicode(client: TestClient, ingest: Ingest) -> None:
    ingest.ok("identify", {"userId": "Zoë Łukasz 7", "traits": {"email": "z@example.com"}})
    response = client.get("/v1/contacts/Zo%C3%AB%20%C5%81ukasz%207", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["id"] == "Zoë Łukasz 7"


# ----- messages ---------------------------------------------------------------------------------


def test_messages_show_channel_template_journey_status_and_reason(
    client: TestClient, db: SessionFactory, ala: str
) -> None:
    send(db, "k1", "sent")
    send(db, "k2", "skipped", "no_consent", channel="sms", template="nudge")
    response = client.get(f"/v1/contacts/{ala}/messages", headers=ADMIN)
    assert response.status_code == 200
    listed = response.json()
    assert [(m["channel"], m["template"], m["journey"], m["status"], m["reason"]) for m in listed] == [
        ("sms", "nudge", "welcome-series", "skipped", "no_consent"),
        ("email", "welcome", "welcome-series", "sent", None),
    ]
    assert client.get(f"/v1/contacts/{ala}/messages?limit=1", headers=ADMIN).json()[0]["template"] == "nudge"


def test_messages_of_a_contact_without_any_is_an_empty_list(client: TestClient, ala: str) -> None:
    response = client.get(f"/v1/contacts/{ala}/messages", headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("query", ["limit=0", "limit=-3", "limit=abc", "limit=100000"])
def test_bad_limit_is_400_naming_it(client: TestClient, ala: str, query: str) -> None:
    for suffix in ("messages", "timeline"):
        response = client.get(f"/v1/contacts/{ala}/{suffix}?{query}", headers=ADMIN)
        assert response.status_code == 400
        assert "limit" in response.json()["message"]


# ----- timeline ---------------------------------------------------------------------------------


def test_timeline_has_events_journeys_and_messages_newest_first(
    client: TestClient, db: SessionFactory, ala: str
) -> None:
    with transaction(db) as session:
        journeys.record_start(session, "welcome-series/ala", "run-1", "welcome-series", "ala")
    send(db, "k1", "skipped", "quiet_hours")
    with transaction(db) as session:
        journeys.record_end(
            session, "run-1", "welcome-series/ala", "welcome-series", "ala", "completed", None
        )
    response = client.get(f"/v1/contacts/{ala}/timeline", headers=ADMIN)
    assert response.status_code == 200
    entries = response.json()
    assert {"at", "kind", "title", "detail"} <= set(entries[0])
    kinds = [e["kind"] for e in entries]
    assert set(kinds) == {
        "event.identify",
        "event.track",
        "journey.started",
        "journey.completed",
        "message.skipped",
    }
    stamps = [datetime.fromisoformat(e["at"]) for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    track = next(e for e in entries if e["kind"] == "event.track")
    assert track["title"] == "Signed Up"
    assert track["detail"]["message_id"] == "t1"
    skipped = next(e for e in entries if e["kind"] == "message.skipped")
    assert skipped["title"] == "email:welcome"
    assert skipped["detail"]["reason"] == "quiet_hours"
    assert len(client.get(f"/v1/contacts/{ala}/timeline?limit=2", headers=ADMIN).json()) == 2


def test_timeline_of_a_merged_contact_includes_its_anonymous_past(client: TestClient, ingest: Ingest) -> None:
    ingest.ok("page", {"anonymousId": "anon-1", "name": "Pricing", "messageId": "p1"})
    ingest.ok("identify", {"userId": "u1", "anonymousId": "anon-1", "messageId": "i1"})
    for contact_id in ("u1", "anon-1"):
        entries = client.get(f"/v1/contacts/{contact_id}/timeline", headers=ADMIN).json()
        assert {e["detail"]["message_id"] for e in entries} == {"p1", "i1"}


# ----- journeys ---------------------------------------------------------------------------------


def test_journeys_list_the_welcome_series_with_counts(client: TestClient, db: SessionFactory) -> None:
    with transaction(db) as session:
        journeys.record_start(session, "welcome-series/a", "r1", "welcome-series", "a")
        journeys.record_start(session, "welcome-series/b", "r2", "welcome-series", "b")
        journeys.record_end(session, "r2", "welcome-series/b", "welcome-series", "b", "converted", None)
    response = client.get("/v1/journeys", headers=ADMIN)
    assert response.status_code == 200
    listed = {j["name"]: j for j in response.json()}
    welcome = listed["welcome-series"]
    assert {"name", "description", "triggers", "goal", "exits", "reentry", "counts"} <= set(welcome)
    assert [t["event"] for t in welcome["triggers"]] == ["Signed Up"]
    assert welcome["goal"] == "Order Completed"
    assert welcome["counts"]["active"] == 1
    assert welcome["counts"]["converted"] == 1
    assert welcome["counts"]["completed"] == 0
    assert welcome["description"]


# ----- OpenAPI, health, unknown routes -----------------------------------------------------------


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_openapi_lists_the_ingest_and_admin_paths_and_every_ref_resolves(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    paths = set(doc["paths"])
    assert {"/v1/identify", "/v1/track", "/v1/page", "/v1/batch"} <= paths
    assert {"/v1/contacts/{contact_id}", "/v1/contacts/{contact_id}/messages", "/v1/journeys"} <= paths
    track_schema = doc["paths"]["/v1/track"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "event" in track_schema["properties"]
    for ref in _refs(doc):
        try:
            _resolve(doc, ref)
        except KeyError:
            pytest.fail(f"OpenAPI $ref {ref} points at nothing")
    json.dumps(doc)  # plain JSON all the way down


def test_health_is_503_with_temporal_not_configured(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["api"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["temporal"].startswith("not configured")
    assert "ORKIESTRA_TEMPORAL_ADDRESS" in body["checks"]["temporal"]


def test_unknown_route_and_wrong_method_are_json(client: TestClient) -> None:
    missing = client.get("/v1/nothing-here", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json()["message"]
    wrong_method = client.get("/v1/track", headers=basic(WRITE_KEY))
    assert wrong_method.status_code == 405
    assert wrong_method.json()["message"]

"""Segment HTTP tracking API compatibility: auth, idempotency, gzip, limits, errors, storage.

Every test runs the real app (lifespan migrations included) on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from orkiestra.db import SessionFactory
from orkiestra.models import Contact, ContactAlias, Event, OutboxEntry
from tests.api.support import ADMIN, ADMIN_KEY, WRITE_KEY, Ingest, basic, contact, count, events, outbox_rows

KB = 1024


def track(event: str = "Product Viewed", user: str = "u1", **extra: object) -> dict[str, object]:
    return {"userId": user, "event": event, **extra}


# ----- the four calls ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "stored_type", "stored_name"),
    [
        ("identify", {"userId": "u1", "traits": {"email": "ala@example.com"}}, "identify", None),
        ("track", {"userId": "u1", "event": "Product Viewed"}, "track", "Product Viewed"),
        ("page", {"anonymousId": "a1", "name": "Pricing"}, "page", None),
        (
            "batch",
            {"batch": [{"type": "track", "userId": "u1", "event": "Cart Viewed"}]},
            "track",
            "Cart Viewed",
        ),
    ],
)
def test_each_call_answers_success_and_stores_one_event(
    ingest: Ingest, db: SessionFactory, path: str, body: dict, stored_type: str, stored_name: str | None
) -> None:
    ingest.ok(path, body)
    with db() as session:
        [event] = events(session)
    assert event.type == stored_type
    assert event.name == stored_name


def test_the_other_segment_call_types_are_accepted_too(ingest: Ingest, db: SessionFactory) -> None:
    """Segment's SDKs queue screen, group and alias into the same batch as track; refusing
    them would refuse (and lose) the whole batch."""
    ingest.ok("screen", {"userId": "u1", "name": "Home", "properties": {"tab": 2}, "messageId": "s1"})
    ingest.ok("group", {"userId": "u1", "groupId": 42, "traits": {"name": "Acme"}, "messageId": "g1"})
    ingest.ok(
        "batch",
        {
            "batch": [
                {"type": "screen", "anonymousId": "a1", "name": "Cart", "messageId": "s2"},
                {"type": "group", "userId": "u1", "groupId": "acme", "messageId": "g2"},
                {"type": "track", "userId": "u1", "event": "Signed Up", "messageId": "t1"},
            ]
        },
    )
    with db() as session:
        by_id = {e.message_id: e for e in events(session)}
        assert (by_id["s1"].type, by_id["s1"].properties) == ("screen", {"tab": 2, "name": "Home"})
        assert (by_id["g1"].type, by_id["g1"].properties) == (
            "group",
            {"groupId": "42", "traits": {"name": "Acme"}},
        )
        assert by_id["s2"].contact_id == "a1"
        assert set(by_id) == {"s1", "g1", "s2", "g2", "t1"}
        assert count(session, OutboxEntry) == 1


@pytest.mark.parametrize("via", ["alias", "batch"])
def test_alias_merges_the_previous_id_into_the_user(ingest: Ingest, db: SessionFactory, via: str) -> None:
    ingest.ok("identify", {"anonymousId": "anon-7", "traits": {"colour": "green"}, "messageId": "i1"})
    ingest.ok("track", {"anonymousId": "anon-7", "event": "Signed Up", "messageId": "t1"})
    call = {"previousId": "anon-7", "userId": "u7", "messageId": "al1"}
    if via == "alias":
        ingest.ok("alias", call)
    else:
        ingest.ok("batch", {"batch": [{"type": "alias", **call}]})
    with db() as session:
        assert {e.message_id: e.contact_id for e in events(session)} == {"i1": "u7", "t1": "u7", "al1": "u7"}
        assert contact(session, "anon-7") is None
        assert contact(session, "u7").traits == {"colour": "green"}  # type: ignore[union-attr]
        assert [r.contact_id for r in outbox_rows(session)] == ["u7"]
    ingest.ok("track", {"anonymousId": "anon-7", "event": "Product Viewed", "messageId": "t2"})
    with db() as session:
        assert events(session, Event.message_id == "t2")[0].contact_id == "u7"


def test_batch_stores_every_call_type_in_order(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok(
        "batch",
        {
            "batch": [
                {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}, "messageId": "m1"},
                {"type": "track", "userId": "u1", "event": "Signed Up", "messageId": "m2"},
                {"type": "page", "userId": "u1", "name": "Docs", "messageId": "m3"},
            ]
        },
    )
    with db() as session:
        stored = events(session)
    assert [(e.message_id, e.type, e.name) for e in stored] == [
        ("m1", "identify", None),
        ("m2", "track", "Signed Up"),
        ("m3", "page", None),
    ]
    assert all(e.contact_id == "u1" for e in stored)


def test_track_keeps_properties_context_and_ids(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok(
        "track",
        {
            "userId": "u1",
            "anonymousId": "anon-1",
            "event": "Order Completed",
            "messageId": "order-42",
            "properties": {"revenue": 129.5, "products": [{"sku": "A-1"}]},
            "context": {"ip": "203.0.113.7", "library": {"name": "analytics-python"}},
        },
    )
    with db() as session:
        [event] = events(session)
    assert event.message_id == "order-42"
    assert event.user_id == "u1"
    assert event.anonymous_id == "anon-1"
    assert event.contact_id == "u1"
    assert event.properties == {"revenue": 129.5, "products": [{"sku": "A-1"}]}
    assert event.context["ip"] == "203.0.113.7"


def test_page_name_and_category_land_in_properties(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("page", {"userId": "u1", "name": "Pricing", "category": "Marketing", "properties": {"x": 1}})
    with db() as session:
        [event] = events(session)
    assert event.properties == {"x": 1, "name": "Pricing", "category": "Marketing"}


def test_numeric_user_id_is_stored_as_text(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("track", {"userId": 12345, "event": "Product Viewed"})
    with db() as session:
        [event] = events(session)
        assert event.contact_id == "12345"
        assert contact(session, "12345") is not None


def test_event_time_is_the_calls_timestamp_in_utc(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("track", track(timestamp="2024-03-01T12:00:00+02:00", messageId="t1"))
    ingest.ok("track", track(timestamp="2024-03-01T12:00:00", messageId="t2"))  # naive = UTC
    before = datetime.now(UTC)
    ingest.ok("track", track(messageId="t3"))
    after = datetime.now(UTC)
    with db() as session:
        by_id = {e.message_id: e for e in events(session)}
    assert by_id["t1"].timestamp == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert by_id["t1"].timestamp.utcoffset() == timedelta(0)
    assert by_id["t2"].timestamp == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert before - timedelta(seconds=1) <= by_id["t3"].timestamp <= after + timedelta(seconds=1)
    assert by_id["t3"].received_at.tzinfo is not None


# ----- the write key ----------------------------------------------------------------------


def test_write_key_is_the_basic_auth_user_name_with_an_empty_password(
    client: TestClient, db: SessionFactory
) -> None:
    token = base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    response = client.post("/v1/track", json=track(), headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}


def test_write_key_in_the_batch_body_is_accepted(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("batch", {"writeKey": WRITE_KEY, "batch": [{"type": "track", **track()}]}, key=None)
    with db() as session:
        assert count(session, Event) == 1


@pytest.mark.parametrize("path", ["identify", "track", "page", "batch"])
def test_missing_write_key_is_401_and_stores_nothing(ingest: Ingest, db: SessionFactory, path: str) -> None:
    body = {"batch": [{"type": "track", **track()}]} if path == "batch" else track()
    response = ingest.post(path, body, key=None)
    assert response.status_code == 401
    assert "write key" in response.json()["message"]
    with db() as session:
        assert count(session, Event) == 0


@pytest.mark.parametrize(
    "headers",
    [
        basic("not-the-key"),
        basic(ADMIN_KEY),  # the admin key is not a write key
        basic(""),
        {"Authorization": "Basic %%%not-base64"},
        {"Authorization": "Bearer not-the-key"},
    ],
    ids=["wrong-user", "admin-key", "empty-user", "bad-base64", "wrong-bearer"],
)
@pytest.mark.parametrize("path", ["track", "batch"])
def test_wrong_write_key_is_401_with_a_json_message(
    ingest: Ingest, db: SessionFactory, path: str, headers: dict[str, str]
) -> None:
    body = {"batch": [{"type": "track", **track()}]} if path == "batch" else track()
    response = ingest.post(path, body, key=None, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert "write key" in response.json()["message"]
    with db() as session:
        assert count(session, Event) == 0


def test_a_write_key_that_is_not_text_is_no_write_key(ingest: Ingest) -> None:
    response = ingest.post("batch", {"writeKey": 7, "batch": [{"type": "track", **track()}]}, key=None)
    assert response.status_code == 401


def test_wrong_basic_key_is_not_rescued_by_a_body_write_key(ingest: Ingest) -> None:
    response = ingest.post(
        "batch", {"writeKey": WRITE_KEY, "batch": [{"type": "track", **track()}]}, key="wrong"
    )
    assert response.status_code == 401


# ----- messageId idempotency ---------------------------------------------------------------


def test_same_message_id_twice_is_one_event_and_one_outbox_row(ingest: Ingest, db: SessionFactory) -> None:
    call = track("Signed Up", messageId="dup-1")
    ingest.ok("track", call)
    ingest.ok("track", call)
    ingest.ok("batch", {"batch": [{**call, "type": "track"}]})
    with db() as session:
        assert count(session, Event) == 1
        assert count(session, OutboxEntry) == 1


def test_same_message_id_twice_inside_one_batch_is_one_event(ingest: Ingest, db: SessionFactory) -> None:
    item = {"type": "track", **track("Signed Up", messageId="dup-2")}
    ingest.ok("batch", {"batch": [item, item, {**item, "messageId": "other"}]})
    with db() as session:
        assert sorted(e.message_id for e in events(session)) == ["dup-2", "other"]
        assert count(session, OutboxEntry) == 2


def test_a_repeated_identify_does_not_apply_its_traits_again(ingest: Ingest, db: SessionFactory) -> None:
    first = {"userId": "u1", "messageId": "id-1", "traits": {"plan": "free"}}
    ingest.ok("identify", first)
    ingest.ok("identify", {"userId": "u1", "messageId": "id-2", "traits": {"plan": "pro"}})
    ingest.ok("identify", first)  # an SDK retry of the first call arrives late
    with db() as session:
        assert contact(session, "u1").traits["plan"] == "pro"  # type: ignore[union-attr]


def test_calls_without_message_id_are_each_stored(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("track", track())
    ingest.ok("track", track())
    with db() as session:
        stored = events(session)
    assert len(stored) == 2
    assert stored[0].message_id != stored[1].message_id


# ----- gzip and size limits -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["track", "batch"])
def test_gzip_body_is_accepted(ingest: Ingest, db: SessionFactory, path: str) -> None:
    body = (
        {"batch": [{"type": "track", **track(messageId="gz")}]} if path == "batch" else track(messageId="gz")
    )
    ingest.ok(path, body, gzipped=True)
    with db() as session:
        assert [e.message_id for e in events(session)] == ["gz"]


def test_bad_gzip_is_400(ingest: Ingest, db: SessionFactory) -> None:
    response = ingest.post("track", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert "gzip" in response.json()["message"]
    with db() as session:
        assert count(session, Event) == 0


def test_gzip_that_inflates_past_the_limit_is_413(ingest: Ingest) -> None:
    body = json.dumps(track(properties={"pad": "x" * (40 * KB)})).encode()
    assert len(gzip.compress(body)) < 2 * KB  # small on the wire, big once inflated
    response = ingest.post("track", body, gzipped=True)
    assert response.status_code == 413


def test_unknown_content_encoding_is_415(ingest: Ingest) -> None:
    response = ingest.post("track", track(), headers={"Content-Encoding": "br"})
    assert response.status_code == 415
    assert "gzip" in response.json()["message"]


def test_single_call_over_32_kb_is_413(ingest: Ingest, db: SessionFactory) -> None:
    response = ingest.post("track", track(properties={"pad": "x" * (33 * KB)}))
    assert response.status_code == 413
    assert "32 KB" in response.json()["message"]
    with db() as session:
        assert count(session, Event) == 0


def test_single_call_just_under_32_kb_is_accepted(ingest: Ingest) -> None:
    ingest.ok("track", track(properties={"pad": "x" * (31 * KB)}))


def test_batch_over_500_kb_is_413(ingest: Ingest, db: SessionFactory) -> None:
    items = [{"type": "track", **track(properties={"pad": "x" * (20 * KB)})} for _ in range(26)]
    response = ingest.post("batch", {"batch": items})
    assert response.status_code == 413
    assert "500 KB" in response.json()["message"]
    with db() as session:
        assert count(session, Event) == 0


def test_batch_of_450_kb_is_accepted(ingest: Ingest, db: SessionFactory) -> None:
    items = [{"type": "track", **track(properties={"pad": "x" * (15 * KB)})} for _ in range(30)]
    ingest.ok("batch", {"batch": items})
    with db() as session:
        assert count(session, Event) == 30


def test_one_batch_item_over_32_kb_is_413_naming_it_and_stores_nothing(
    ingest: Ingest, db: SessionFactory
) -> None:
    items = [{"type": "track", **track()} for _ in range(3)]
    items[2]["properties"] = {"pad": "x" * (33 * KB)}
    response = ingest.post("batch", {"batch": items})
    assert response.status_code == 413
    assert "batch[2]" in response.json()["message"]
    with db() as session:
        assert count(session, Event) == 0


def test_batch_of_five_thousand_small_calls_is_stored(ingest: Ingest, db: SessionFactory) -> None:
    items = [{"type": "track", "userId": f"u{i % 50}", "event": "Signed Up"} for i in range(5000)]
    ingest.ok("batch", {"batch": items})
    with db() as session:
        assert count(session, Event) == 5000
        assert count(session, OutboxEntry) == 5000
        assert count(session, Contact) == 50


# ----- invalid input names the field -------------------------------------------------------


def _error(response_json: dict) -> str:
    assert set(response_json) >= {"error", "message"}
    return response_json["message"]


def test_track_without_event_is_400_naming_event(ingest: Ingest) -> None:
    response = ingest.post("track", {"userId": "u1"})
    assert response.status_code == 400
    assert "event" in _error(response.json())
    assert [e["field"] for e in response.json()["errors"]] == ["event"]


def test_call_without_any_id_is_400_naming_both(ingest: Ingest) -> None:
    response = ingest.post("identify", {"traits": {"email": "a@example.com"}})
    assert response.status_code == 400
    message = _error(response.json())
    assert "userId" in message and "anonymousId" in message


def test_batch_item_without_ids_is_400_naming_its_index(ingest: Ingest, db: SessionFactory) -> None:
    items = [{"type": "track", **track()} for _ in range(5)]
    del items[3]["userId"]
    response = ingest.post("batch", {"batch": items})
    assert response.status_code == 400
    message = _error(response.json())
    assert "batch[3]" in message
    assert "userId" in message
    assert [e["field"] for e in response.json()["errors"]] == ["batch[3]"]
    with db() as session:
        assert count(session, Event) == 0  # the whole batch is refused, not half of it


def test_batch_item_field_error_names_the_index_and_field(ingest: Ingest) -> None:
    items = [{"type": "track", **track()}, {"type": "track", "userId": "u1", "event": ""}]
    response = ingest.post("batch", {"batch": items})
    assert response.status_code == 400
    assert "batch[1].event" in _error(response.json())


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("track", {"userId": "u1", "event": "E", "properties": [1, 2]}, "properties"),
        ("identify", {"userId": "u1", "traits": "vip"}, "traits"),
        ("track", {"userId": "u1", "event": "E", "timestamp": "yesterday-ish"}, "timestamp"),
        ("track", {"userId": {"id": 1}, "event": "E"}, "userId"),
        ("track", {"userId": "u" * 300, "event": "E"}, "userId"),
        ("track", {"userId": "u1", "event": "E" * 300}, "event"),
        ("track", {"userId": "u1", "event": "E", "messageId": "m" * 300}, "messageId"),
        ("page", {"userId": "u1", "name": "n" * 300}, "name"),
        ("batch", {"batch": []}, "batch"),
        ("batch", {"batch": "not a list"}, "batch"),
        ("batch", {}, "batch"),
        ("batch", {"batch": [{"userId": "u1", "event": "E"}]}, "batch[0]"),
        ("alias", {"userId": "u1"}, "previousId"),
        ("group", {"userId": "u1", "traits": {}}, "groupId"),
        (
            "batch",
            {"batch": [{"type": "track", **track()}, {"type": "alias", "previousId": "a"}]},
            "batch[1]",
        ),
    ],
)
def test_invalid_input_is_400_naming_the_field(ingest: Ingest, path: str, body: dict, field: str) -> None:
    response = ingest.post(path, body)
    assert response.status_code == 400, response.text
    assert field in _error(response.json())


@pytest.mark.parametrize(
    "raw", [b"", b"not json", b"{", b"[1, 2]", b'"a string"', b"\xff\xfe\x00garbage"], ids=repr
)
def test_body_that_is_not_a_json_object_is_400(ingest: Ingest, raw: bytes) -> None:
    response = ingest.post("track", raw)
    assert response.status_code == 400
    assert _error(response.json())


GARBAGE = [
    b'{"userId": "u1", "event": "E", "properties": {"x": NaN}}',
    b'{"userId": "u1", "event": "E", "properties": {"x": Infinity}}',
    b'{"userId": "u1", "event": "E", "properties": {"n": ' + b"9" * 5000 + b"}}",
    b'{"userId": "u1", "event": "E", "properties": ' + b"[" * 15000 + b"]" * 15000 + b"}",
    b'{"userId": "u1", "event": "\\ud800"}',
    b'{"userId": "u1", "event": "E", "properties": {"x": "\\udfff"}}',
    b'{"userId": "u\\u0000", "event": "E"}',
    b'{"userId": "u1", "event": "E\\u0000"}',
    b'{"userId": "u1", "event": "E", "timestamp": "9999-12-31T23:59:59-14:00"}',
    b'{"userId": "u1", "event": "E", "timestamp": "0001-01-01T00:00:00+14:00"}',
    b'{"userId": "u1", "event": "E", "timestamp": 1e300}',
    b'{"userId": true, "event": "E"}',
    b'{"userId": "u1", "event": 5}',
    b'{"userId": "u1", "event": "E", "context": null}',
    b'{"userId": "u1", "event": "E", "type": "identify"}',
    b'{"batch": [null]}',
    b'{"batch": [1, "two"]}',
    b'{"batch": [{"type": "identity", "userId": "u1"}]}',
    b'{"batch": [{"type": "track", "userId": "u1", "event": "E", "context": "oops"}], "context": {"a": 1}}',
    b'{"batch": [{"type": "track", "userId": "u1", "event": "E", "context": [1]}], "context": {"a": 1}}',
    b'{"batch": [{"type": {"x": 1}, "userId": "u1"}]}',
    b'{"batch": {"type": "track"}}',
]


@pytest.mark.parametrize("raw", GARBAGE, ids=lambda raw: raw[:70].decode(errors="replace"))
def test_garbage_is_a_4xx_with_a_message_never_a_500(client: TestClient, raw: bytes) -> None:
    path = "/v1/batch" if raw.startswith(b'{"batch"') else "/v1/track"
    response = client.post(
        path, content=raw, headers={**basic(WRITE_KEY), "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]


@pytest.mark.parametrize("depth", [100, 900, 990, 2000])
def test_deeply_nested_properties_are_stored_or_refused_never_500(
    client: TestClient, db: SessionFactory, depth: int
) -> None:
    raw = b'{"userId": "u1", "event": "E", "properties": {"x": ' + b"[" * depth + b"]" * depth + b"}}"
    response = client.post("/v1/track", content=raw, headers=basic(WRITE_KEY))
    assert response.status_code in (200, 400), response.text
    with db() as session:
        assert count(session, Event) == (1 if response.status_code == 200 else 0)


@pytest.mark.parametrize(
    "traits",
    [
        {"email": "a" * 400 + "@example.com"},
        {"phone": "1" * 100},
        {"timezone": "Europe/" + "X" * 100},
        {"firstName": "F" * 300, "lastName": "L" * 300},
        {"name": "N" * 600},
        {"email": {"work": "a@example.com"}},
    ],
    ids=["long-email", "long-phone", "long-timezone", "long-names", "long-name", "email-object"],
)
def test_odd_profile_traits_never_500_and_are_kept_as_traits(
    ingest: Ingest, db: SessionFactory, traits: dict
) -> None:
    ingest.ok("identify", {"userId": "u1", "traits": traits})
    with db() as session:
        stored = contact(session, "u1")
    assert stored is not None
    assert stored.traits == traits


def test_odd_context_timezone_never_500(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("identify", {"userId": "u1", "traits": {}, "context": {"timezone": "Z" * 200}})
    with db() as session:
        assert contact(session, "u1") is not None


# ----- event and outbox in one transaction ---------------------------------------------------


def test_signed_up_track_creates_one_outbox_row_for_its_event(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("track", track("Signed Up", user="ala", messageId="su-1"))
    with db() as session:
        [event] = events(session)
        [row] = outbox_rows(session)
    assert row.event_id == event.id
    assert row.contact_id == "ala"
    assert row.lease_owner is None
    assert row.attempts == 0
    assert row.available_at <= datetime.now(UTC)


def test_goal_event_of_a_journey_is_routed_too(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("track", track("Order Completed"))
    with db() as session:
        assert count(session, OutboxEntry) == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("track", {"userId": "u1", "event": "Page Scrolled"}),
        ("identify", {"userId": "u1", "traits": {"email": "a@example.com"}}),
        ("page", {"userId": "u1", "name": "Signed Up"}),  # a page named like a trigger is no trigger
    ],
)
def test_an_event_no_journey_cares_about_gets_no_outbox_row(
    ingest: Ingest, db: SessionFactory, path: str, body: dict
) -> None:
    ingest.ok(path, body)
    with db() as session:
        assert count(session, Event) == 1
        assert count(session, OutboxEntry) == 0


def test_batch_routes_only_the_interesting_events(ingest: Ingest, db: SessionFactory) -> None:
    names = ["Page Scrolled", "Signed Up", "Product Viewed", "Order Completed", "signed up"]
    ingest.ok("batch", {"batch": [{"type": "track", **track(n, messageId=n)} for n in names]})
    with db() as session:
        by_event = {e.id: e.name for e in events(session)}
        routed = sorted(by_event[r.event_id] for r in outbox_rows(session))
    assert len(by_event) == 5
    assert routed == ["Order Completed", "Signed Up"]


# ----- profiles -------------------------------------------------------------------------------


def test_identify_creates_the_profile(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok(
        "identify",
        {
            "userId": "u1",
            "traits": {
                "email": "ala@example.com",
                "phone": "+48500100200",
                "timezone": "Europe/Warsaw",
                "firstName": "Ala",
                "lastName": "Kowalska",
                "plan": "pro",
                "company": {"name": "Acme", "employees": 120},
            },
        },
    )
    with db() as session:
        profile = contact(session, "u1")
    assert profile is not None
    assert profile.anonymous is False
    assert (profile.email, profile.phone, profile.timezone) == (
        "ala@example.com",
        "+48500100200",
        "Europe/Warsaw",
    )
    assert (profile.first_name, profile.last_name) == ("Ala", "Kowalska")
    assert profile.traits["plan"] == "pro"
    assert profile.traits["company"] == {"name": "Acme", "employees": 120}
    assert profile.created_at.tzinfo is not None
    assert profile.last_seen_at is not None


def test_snake_case_names_full_name_and_context_timezone(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("identify", {"userId": "u1", "traits": {"first_name": "Jan", "last_name": "Nowak"}})
    ingest.ok(
        "identify",
        {"userId": "u2", "traits": {"name": "Ewa Maria Zielińska"}, "context": {"timezone": "Europe/Berlin"}},
    )
    with db() as session:
        u1, u2 = contact(session, "u1"), contact(session, "u2")
    assert (u1.first_name, u1.last_name) == ("Jan", "Nowak")  # type: ignore[union-attr]
    assert (u2.first_name, u2.last_name, u2.timezone) == ("Ewa", "Maria Zielińska", "Europe/Berlin")  # type: ignore[union-attr]


def test_a_later_identify_merges_traits(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("identify", {"userId": "u1", "traits": {"email": "ala@example.com", "plan": "free", "a": 1}})
    ingest.ok("identify", {"userId": "u1", "traits": {"plan": "pro", "city": "Kraków"}})
    with db() as session:
        profile = contact(session, "u1")
    assert profile is not None
    assert profile.email == "ala@example.com"
    assert profile.traits == {"email": "ala@example.com", "plan": "pro", "a": 1, "city": "Kraków"}


def test_a_later_identify_changes_the_email(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("identify", {"userId": "u1", "traits": {"email": "old@example.com"}})
    ingest.ok("identify", {"userId": "u1", "traits": {"email": "new@example.com"}})
    with db() as session:
        assert contact(session, "u1").email == "new@example.com"  # type: ignore[union-attr]


def test_track_alone_creates_a_contact_without_traits(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("track", {"anonymousId": "anon-9", "event": "Product Viewed"})
    ingest.ok("track", {"userId": "u9", "event": "Product Viewed"})
    with db() as session:
        anon, known = contact(session, "anon-9"), contact(session, "u9")
    assert anon is not None and anon.anonymous is True and anon.traits == {}
    assert known is not None and known.anonymous is False


def test_last_seen_is_each_contacts_own_latest_event(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok(
        "batch",
        {
            "batch": [
                {"type": "track", **track(user="old", timestamp="2020-01-01T00:00:00Z")},
                {"type": "track", **track(user="new", timestamp="2024-06-01T00:00:00Z")},
                {"type": "track", **track(user="new", timestamp="2024-05-01T00:00:00Z")},
            ]
        },
    )
    with db() as session:
        assert contact(session, "old").last_seen_at == datetime(2020, 1, 1, tzinfo=UTC)  # type: ignore[union-attr]
        assert contact(session, "new").last_seen_at == datetime(2024, 6, 1, tzinfo=UTC)  # type: ignore[union-attr]
    # an older event arriving late does not move last_seen_at back
    ingest.ok("track", track(user="new", timestamp="2023-01-01T00:00:00Z"))
    with db() as session:
        assert contact(session, "new").last_seen_at == datetime(2024, 6, 1, tzinfo=UTC)  # type: ignore[union-attr]


# ----- anonymous → known --------------------------------------------------------------------


def test_identify_with_both_ids_moves_the_anonymous_history_to_the_user(
    ingest: Ingest, db: SessionFactory
) -> None:
    ingest.ok("page", {"anonymousId": "anon-1", "name": "Pricing", "messageId": "p1"})
    ingest.ok("track", {"anonymousId": "anon-1", "event": "Signed Up", "messageId": "t1"})
    ingest.ok(
        "identify",
        {"userId": "u1", "anonymousId": "anon-1", "traits": {"email": "ala@example.com"}, "messageId": "i1"},
    )
    with db() as session:
        assert {e.message_id: e.contact_id for e in events(session)} == {"p1": "u1", "t1": "u1", "i1": "u1"}
        assert contact(session, "anon-1") is None
        assert session.get(ContactAlias, "anon-1").contact_id == "u1"  # type: ignore[union-attr]
        assert contact(session, "u1").email == "ala@example.com"  # type: ignore[union-attr]
        [row] = outbox_rows(session)
        assert row.contact_id == "u1"

    # later calls that only carry the anonymous id land on the user
    ingest.ok("track", {"anonymousId": "anon-1", "event": "Product Viewed", "messageId": "t2"})
    with db() as session:
        [late] = events(session, Event.message_id == "t2")
        assert late.contact_id == "u1"
        assert late.anonymous_id == "anon-1"
        assert contact(session, "anon-1") is None


def test_anonymous_traits_follow_the_merge_and_known_traits_win(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok("identify", {"anonymousId": "anon-2", "traits": {"favourite": "blue", "plan": "trial"}})
    ingest.ok("track", {"anonymousId": "anon-2", "event": "Product Viewed", "messageId": "v1"})
    ingest.ok("identify", {"userId": "u2", "traits": {"plan": "pro"}})
    ingest.ok("identify", {"userId": "u2", "anonymousId": "anon-2", "traits": {"email": "ewa@example.com"}})
    with db() as session:
        assert contact(session, "anon-2") is None
        profile = contact(session, "u2")
        assert profile is not None
        assert profile.traits["favourite"] == "blue"
        assert profile.traits["plan"] == "pro"
        assert profile.email == "ewa@example.com"
        assert {e.contact_id for e in events(session)} == {"u2"}


def test_merge_inside_one_batch(ingest: Ingest, db: SessionFactory) -> None:
    ingest.ok(
        "batch",
        {
            "batch": [
                {"type": "track", "anonymousId": "anon-3", "event": "Signed Up", "messageId": "b1"},
                {"type": "identify", "userId": "u3", "anonymousId": "anon-3", "messageId": "b2"},
                {"type": "track", "anonymousId": "anon-3", "event": "Product Viewed", "messageId": "b3"},
            ]
        },
    )
    with db() as session:
        assert {e.contact_id for e in events(session)} == {"u3"}
        assert contact(session, "anon-3") is None
        assert [r.contact_id for r in outbox_rows(session)] == ["u3"]


def test_merged_anonymous_id_answers_on_the_admin_api_with_the_user(
    client: TestClient, ingest: Ingest
) -> None:
    ingest.ok("track", {"anonymousId": "anon-4", "event": "Product Viewed"})
    ingest.ok("identify", {"userId": "u4", "anonymousId": "anon-4", "traits": {"email": "x@example.com"}})
    response = client.get("/v1/contacts/anon-4", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["id"] == "u4"
    assert response.json()["email"] == "x@example.com"

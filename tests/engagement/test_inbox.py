"""In-app inbox API: support reads any inbox with the admin key, an app reads and marks
its own inbox with its contact's signed token and can never reach another."""

from __future__ import annotations

import pytest

from orkiestra import links
from orkiestra.db import SessionFactory, transaction
from orkiestra.persistence import inbox
from tests.engagement.support import ADMIN, identify


def add(db: SessionFactory, contact_id: str, title: str) -> int:
    with transaction(db) as session:
        row = inbox.add(
            session, contact_id, title, f"{title} body", f"{contact_id}/{title}", data={"cta": "/x"}
        )
        assert row.id is not None
        return row.id


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    identify(db, "ala", email="ala@example.com")
    identify(db, "bob", email="bob@example.com")
    ids = [add(db, "ala", t) for t in ("Welcome", "Your cart", "New feature")]
    add(db, "bob", "Bob only")
    return ids


def test_admin_reads_a_contacts_inbox(client, seeded):
    response = client.get("/v1/contacts/ala/inbox", headers=ADMIN)
    assert response.status_code == 200
    page = response.json()
    assert [i["title"] for i in page["items"]] == ["New feature", "Your cart", "Welcome"]
    assert page["unread"] == 3 and page["next_before_id"] is None
    assert page["items"][0]["data"] == {"cta": "/x"}
    assert client.get("/v1/contacts/ala/inbox").status_code == 401
    assert client.get("/v1/contacts/nobody/inbox", headers=ADMIN).status_code == 404


def test_the_app_reads_pages_and_marks_its_own_inbox(client, seeded, app_settings):
    issued = client.get("/v1/contacts/ala/inbox-token", headers=ADMIN).json()
    token = issued["token"]
    assert issued["url"] == f"http://testserver/v1/inbox/{token}"
    first = client.get(f"/v1/inbox/{token}", params={"limit": 2}).json()
    assert [i["title"] for i in first["items"]] == ["New feature", "Your cart"]
    rest = client.get(f"/v1/inbox/{token}", params={"limit": 2, "before_id": first["next_before_id"]}).json()
    assert [i["title"] for i in rest["items"]] == ["Welcome"]
    read = client.post(f"/v1/inbox/{token}/{seeded[0]}/read")
    assert read.status_code == 200 and read.json() == {"id": seeded[0], "unread": 2}
    unread = client.get(f"/v1/inbox/{token}", params={"unread_only": True}).json()
    assert [i["title"] for i in unread["items"]] == ["New feature", "Your cart"]
    assert client.post(f"/v1/inbox/{token}/read").json() == {"marked": 2, "unread": 0}
    assert client.get("/v1/contacts/ala/inbox", headers=ADMIN).json()["unread"] == 0


def test_a_token_reaches_no_other_inbox(client, db, seeded, app_settings):
    token = links.inbox_token(app_settings, "ala")
    bob_id = add(db, "bob", "Another for Bob")
    assert client.post(f"/v1/inbox/{token}/{bob_id}/read").status_code == 404
    assert client.get("/v1/contacts/bob/inbox", headers=ADMIN).json()["unread"] == 2
    forged = links.inbox_token(app_settings.model_copy(update={"secret_key": "x"}), "bob")
    response = client.get(f"/v1/inbox/{forged}")
    assert response.status_code == 401 and "fresh one" in response.json()["message"]
    preference_link = links.preference_token(app_settings, "bob")
    assert client.get(f"/v1/inbox/{preference_link}").status_code == 401


def test_out_of_range_ids_are_400_not_a_database_error(client, seeded, app_settings):
    token = links.inbox_token(app_settings, "ala")
    assert client.post(f"/v1/inbox/{token}/{2**70}/read").status_code == 400
    assert client.get(f"/v1/inbox/{token}", params={"before_id": 2**70}).status_code == 400
    assert client.get("/v1/contacts/ala/inbox", params={"limit": 0}, headers=ADMIN).status_code == 400

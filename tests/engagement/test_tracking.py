"""Open pixel and click redirects through the real app: signed ids become `Email Opened`
and `Email Link Clicked` events on the ingest path; nothing else is redirected."""

from __future__ import annotations

from orkiestra import links
from orkiestra.db import transaction
from orkiestra.models import Contact, OutboxEntry
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from tests.engagement.support import events, identify, sent_message

GIF_START = b"GIF89a"


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_the_pixel_is_a_gif_and_records_one_open_per_message(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    mid = sent_message(db, "ala", to="ala@example.com")
    pixel = path_of(links.tracking_urls(app_settings, mid, "ala").pixel)
    for _ in range(3):  # image proxies and re-opens fetch it again
        response = client.get(pixel)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/gif"
        assert response.content.startswith(GIF_START) and len(response.content) < 64
        assert "no-store" in response.headers["cache-control"]
    [opened] = events(db, "Email Opened")
    assert opened.contact_id == "ala"
    assert opened.properties == {
        "message_id": mid,
        "channel": "email",
        "template": "welcome",
        "journey": "welcome-series",
    }


def test_a_forged_pixel_still_answers_a_gif_but_records_nothing(client, db):
    identify(db, "ala", email="ala@example.com")
    sent_message(db, "ala", to="ala@example.com")
    response = client.get("/t/o/eyJtIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA.gif")
    assert response.status_code == 200 and response.content.startswith(GIF_START)
    assert events(db, "Email Opened") == []


def test_a_click_redirects_to_the_signed_target_and_records_the_click(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    mid = sent_message(db, "ala", to="ala@example.com", template="case_study")
    target = "https://shop.example/case-studies/acme?utm_source=mail"
    tracked = path_of(links.tracking_urls(app_settings, mid, "ala").track(target))
    response = client.get(tracked, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == target
    assert response.headers["referrer-policy"] == "no-referrer"
    client.get(tracked, follow_redirects=False)  # a double click is one click
    other = path_of(links.tracking_urls(app_settings, mid, "ala").track("https://shop.example/pricing"))
    client.get(other, follow_redirects=False)
    clicks = events(db, "Email Link Clicked")
    assert [c.properties["url"] for c in clicks] == [target, "https://shop.example/pricing"]
    assert clicks[0].properties == {
        "url": target,
        "message_id": mid,
        "channel": "email",
        "template": "case_study",
        "journey": "welcome-series",
    }


def test_no_open_redirect(client, db, app_settings):
    """Neither a changed target, an unsigned target, nor a query parameter redirects."""
    identify(db, "ala", email="ala@example.com")
    mid = sent_message(db, "ala", to="ala@example.com")
    token = links.click_token(app_settings, mid, "https://shop.example/")
    body, mac = token.split(".")
    evil = links.click_token(
        app_settings.model_copy(update={"secret_key": "attacker"}), mid, "https://evil.example/"
    )
    for path in (
        f"/t/c/{evil}",
        f"/t/c/{evil.split('.')[0]}.{mac}",  # our signature on their payload
        f"/t/c/{body}",  # no signature at all
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 400, path
        assert "location" not in response.headers
        assert "This link is not valid" in response.text
    raw = client.get("/t/c/https%3A%2F%2Fevil.example%2F", follow_redirects=False)
    assert raw.status_code == 404 and "location" not in raw.headers
    ok = client.get(f"/t/c/{token}?url=https://evil.example/", follow_redirects=False)
    assert ok.headers["location"] == "https://shop.example/"
    assert len(events(db, "Email Link Clicked")) == 1


def test_tracking_events_take_the_outbox_when_a_journey_listens(client, db, app_settings):
    """The events are stored with `store_calls` and the app's routing set, like any
    ingested event: when a journey listens for them they get an outbox row."""
    state = client.app.state.orkiestra
    state.interesting = frozenset({"Email Opened"})
    identify(db, "ala", email="ala@example.com")
    mid = sent_message(db, "ala", to="ala@example.com")
    client.get(path_of(links.tracking_urls(app_settings, mid, "ala").pixel))
    with db() as session:
        [row] = session.query(OutboxEntry).all()
        assert row.contact_id == "ala"


def test_an_erased_contact_is_not_tracked(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    mid = sent_message(db, "ala", to="ala@example.com")
    with transaction(db) as session:
        session.delete(session.get(Contact, "ala"))
    client.get(path_of(links.tracking_urls(app_settings, mid, "ala").pixel))
    tracked = path_of(links.tracking_urls(app_settings, mid, "ala").track("https://x.example/"))
    assert client.get(tracked, follow_redirects=False).headers["location"] == "https://x.example/"
    assert events(db, "Email Opened") == [] and events(db, "Email Link Clicked") == []
    with transaction(db) as session:  # and nothing re-created the contact
        store_calls(session, [TrackCall(userId="bob", event="x")], frozenset())
        assert session.get(Contact, "ala") is None

"""Preference center and one-click unsubscribe through the real app and database: the
page shows the consent in force, saving appends to the log with source
`preference_center`, the messaging policy reads it, and bad links get a clear 4xx page."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from orkiestra import links
from orkiestra.db import SessionFactory
from orkiestra.persistence import consents
from orkiestra.settings import Settings
from tests.engagement.support import changes, events, identify

SAVE = {"action": "save"}


def checked(html: str) -> set[str]:
    return set(re.findall(r'<input [^>]*value="([\w-]+)"[^>]*\bchecked>', html))


def page_for(settings: Settings, contact_id: str) -> str:
    return f"/preferences/{links.preference_token(settings, contact_id)}"


def test_the_page_shows_channels_and_topics_of_the_contact(client, db, app_settings):
    identify(db, "ala", email="ala.kowalska@example.com", firstName="Ala")
    response = client.get(page_for(app_settings, "ala"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text
    assert "a***@example.com" in html  # masked, recognisable
    assert "ala.kowalska" not in html
    assert "Sklep Ali" in html  # the sender's name from EMAIL_FROM
    # Email marketing is on by default (opt-out mode); SMS and push need an explicit grant.
    assert checked(html) == {"email", "newsletter", "offers", "product-updates"}
    for label in ("Email", "Text messages (SMS)", "Push notifications", "Product updates"):
        assert label in html
    assert '<label for="channel-sms" class="name">' in html and 'id="channel-sms"' in html
    assert 'aria-describedby="hint-sms"' in html
    assert "http://" not in html.replace("http://testserver", "")  # no external assets


def test_saving_appends_consent_changes_and_redirects_to_a_notice(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    url = page_for(app_settings, "ala")
    response = client.post(
        url, data={**SAVE, "channel": ["sms"], "topic": ["offers"]}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?saved=1"
    assert changes(db, "ala") == [
        ("email", None, False, "preference_center"),
        ("sms", None, True, "preference_center"),
        (None, "newsletter", False, "preference_center"),
        (None, "product-updates", False, "preference_center"),
    ]
    with db() as session:
        email = consents.current(session, "ala", "email", "marketing")
        sms = consents.current(session, "ala", "sms", "marketing")
        assert (email.status, email.source) == ("denied", "preference_center")
        assert (sms.status, sms.source) == ("granted", "preference_center")
        assert consents.topic_unsubscribed(session, "ala", "newsletter")
        assert not consents.topic_unsubscribed(session, "ala", "offers")
    after = client.get(response.headers["location"])
    assert "Your preferences are saved." in after.text
    assert checked(after.text) == {"sms", "offers"}
    [event] = events(db, "Preferences Updated")
    assert event.contact_id == "ala"
    assert event.properties["channels"] == {"email": False, "sms": True}


def test_saving_the_same_choices_again_appends_nothing(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    url = page_for(app_settings, "ala")
    form = {**SAVE, "channel": ["email"], "topic": ["offers"]}
    client.post(url, data=form)
    before = changes(db, "ala")
    client.post(url, data=form)
    assert changes(db, "ala") == before
    assert len(events(db, "Preferences Updated")) == 1


def test_unsubscribe_from_everything_on_the_page(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    url = page_for(app_settings, "ala")
    response = client.post(url, data={"action": "unsubscribe_all"})
    assert response.status_code == 200  # after the 303
    assert "You are unsubscribed from all marketing messages." in response.text
    assert checked(response.text) == set()
    assert {(c, t, on) for c, t, on, _ in changes(db, "ala")} == {
        ("email", None, False),
        ("sms", None, False),
        ("push", None, False),
        (None, "newsletter", False),
        (None, "offers", False),
        (None, "product-updates", False),
    }
    [event] = events(db, "Unsubscribed")
    assert event.properties["source"] == "preference_center"


def test_one_click_post_unsubscribes_without_a_page(client, db, app_settings):
    """What Gmail and Apple Mail send from `List-Unsubscribe-Post` (RFC 8058)."""
    identify(db, "ala", email="ala@example.com")
    token = links.preference_token(app_settings, "ala")
    response = client.post(
        f"/u/{token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    with db() as session:
        state = consents.current(session, "ala", "email", "marketing")
        assert (state.status, state.source) == ("denied", "one_click")
    # Repeating it (mail clients retry) changes nothing.
    client.post(f"/u/{token}", files={"List-Unsubscribe": (None, "One-Click")})  # multipart form
    assert len(changes(db, "ala")) == 6
    assert len(events(db, "Unsubscribed")) == 1


def test_one_click_without_the_rfc_8058_body_is_refused(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    response = client.post(f"/u/{links.preference_token(app_settings, 'ala')}", data={"x": "y"})
    assert response.status_code == 400
    assert "List-Unsubscribe=One-Click" in response.text
    assert changes(db, "ala") == []


def test_get_of_the_unsubscribe_link_only_asks(client: TestClient, db: SessionFactory, app_settings):
    """Link scanners fetch every URL in a mail; a GET must not unsubscribe anyone."""
    identify(db, "ala", email="ala@example.com")
    token = links.preference_token(app_settings, "ala")
    response = client.get(f"/u/{token}")
    assert response.status_code == 200
    assert "Stop all marketing messages" in response.text
    assert 'name="List-Unsubscribe" value="One-Click"' in response.text
    assert changes(db, "ala") == []


def test_bad_expired_and_unknown_links_get_a_clear_page(client, db, app_settings):
    identify(db, "ala", email="ala@example.com")
    token = links.preference_token(app_settings, "ala")
    tampered = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    for path in (f"/preferences/{tampered}", f"/u/{tampered}"):
        bad = client.get(path)
        assert bad.status_code == 400
        assert "This link is not valid" in bad.text
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    old = time.time() - 400 * 86400
    expired = client.get(f"/preferences/{links.preference_token(app_settings, 'ala', issued_at=old)}")
    assert expired.status_code == 410
    assert "This link has expired" in expired.text
    unknown = client.get(page_for(app_settings, "nobody"))
    assert unknown.status_code == 404
    assert "nothing to change" in unknown.text
    assert changes(db, "ala") == []

"""Signed links: what a contact's mail carries must not be forgeable, reusable for
another purpose, or turnable into an open redirect."""

from __future__ import annotations

import time

import pytest

from orkiestra import links
from orkiestra.settings import Settings

SETTINGS = Settings(env="test", secret_key="links-test-secret", public_url="https://mail.example/")


def test_preference_token_names_its_contact_and_survives_a_round_trip():
    token = links.preference_token(SETTINGS, "ala@example.com")
    assert links.read_preference_token(SETTINGS, token) == "ala@example.com"
    assert links.preferences_url(SETTINGS, "u1").startswith("https://mail.example/preferences/")
    assert links.unsubscribe_url(SETTINGS, "u1").startswith("https://mail.example/u/")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: t.split(".")[0],  # signature cut off
        lambda t: "",
        lambda t: "not.base64!",
    ],
)
def test_a_changed_or_cut_token_is_refused(mangle):
    token = links.preference_token(SETTINGS, "u1")
    with pytest.raises(links.BadLink) as err:
        links.read_preference_token(SETTINGS, mangle(token))
    assert not err.value.expired


def test_a_token_made_with_another_secret_is_refused():
    other = SETTINGS.model_copy(update={"secret_key": "someone-else"})
    with pytest.raises(links.BadLink):
        links.read_preference_token(SETTINGS, links.preference_token(other, "u1"))


def test_an_old_preference_token_is_expired_not_invalid():
    old = time.time() - (SETTINGS.preference_link_max_age_days + 1) * 86400
    with pytest.raises(links.BadLink) as err:
        links.read_preference_token(SETTINGS, links.preference_token(SETTINGS, "u1", issued_at=old))
    assert err.value.expired


def test_purposes_do_not_mix():
    """An open-pixel or inbox token cannot be replayed as a preference link, and back."""
    pixel = links.open_token(SETTINGS, 7)
    with pytest.raises(links.BadLink):
        links.read_preference_token(SETTINGS, pixel)
    with pytest.raises(links.BadLink):
        links.read_inbox_token(SETTINGS, links.preference_token(SETTINGS, "u1"))
    with pytest.raises(links.BadLink):
        links.read_click_token(SETTINGS, pixel)
    assert links.read_inbox_token(SETTINGS, links.inbox_token(SETTINGS, "u1")) == "u1"


def test_tracking_urls_sign_the_target_and_leave_non_web_links_alone():
    urls = links.tracking_urls(SETTINGS, 42, "u1")
    assert urls.pixel.startswith("https://mail.example/t/o/") and urls.pixel.endswith(".gif")
    assert links.read_open_token(SETTINGS, urls.pixel.rsplit("/", 1)[1].removesuffix(".gif")) == 42
    tracked = urls.track("https://shop.example/case-study?id=1")
    assert tracked.startswith("https://mail.example/t/c/")
    assert links.read_click_token(SETTINGS, tracked.rsplit("/", 1)[1]) == (
        42,
        "https://shop.example/case-study?id=1",
    )
    for untouched in ("mailto:hello@shop.example", "tel:+48500100200", "#top", "javascript:alert(1)"):
        assert urls.track(untouched) == untouched
    assert set(urls.template_context()) == {"track", "preferences_url", "unsubscribe_url", "open_pixel_url"}


def test_the_pixel_goes_before_the_end_of_the_body():
    html = links.with_pixel("<html><body><p>Hi</p></body></html>", "https://x/t/o/a.gif")
    assert html.endswith('style="display:none;border:0"></body></html>')
    assert links.with_pixel("<p>no body</p>", "https://x/p.gif").startswith("<p>no body</p><img")


def test_the_footer_adds_the_preference_link_once():
    urls = links.tracking_urls(SETTINGS, 1, "u1")
    html, text = links.ensure_footer("<html><body><p>Hi</p></body></html>", "Hi", urls)
    assert html is not None and text is not None
    assert html.index(urls.preferences) < html.index("</body>")
    assert text.endswith(f"Manage your subscriptions or unsubscribe: {urls.preferences}\n")
    assert links.ensure_footer(html, text, urls) == (html, text)
    own = f'<a href="{urls.preferences}">Preferences</a>'
    assert links.ensure_footer(own, None, urls) == (own, None)

"""Signed links that go out in messages and come back without a login.

A contact who clicks "manage preferences", a mail client that posts a one-click
unsubscribe, an email client fetching the open pixel and a click on a tracked link all
arrive with nothing but the URL, so the URL itself is the credential: an HMAC-SHA256 over
the payload with a key derived from `SECRET_KEY` and the link's purpose. The purpose is
part of the key, so a click token can never be replayed as a preference token. Payloads
are compact JSON in base64url; only message ids, contact ids and target URLs go in.

`tracking_urls()` is what the messaging path calls while rendering a message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from orkiestra.settings import Settings

PREFERENCES = "preferences"
OPEN = "open"
CLICK = "click"
INBOX = "inbox"
_MAC_BYTES = 16  # 128 bits: forging is out of reach, and URLs stay short.


class BadLink(Exception):
    """A token that was tampered with, cut short, made with another key or expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"orkiestra-link:{purpose}".encode(), hashlib.sha256).digest()


def sign(secret: str, purpose: str, payload: Any) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    mac = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{body}.{_b64(mac)}"


def unsign(secret: str, purpose: str, token: str) -> Any:
    body, dot, mac = token.partition(".")
    if not dot or not body or not mac:
        raise BadLink("the link is incomplete; it may have been cut when it was copied")
    expected = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    try:
        given = _unb64(mac)
        if not hmac.compare_digest(given, expected):
            raise BadLink("the link's signature does not match; it was changed or is not ours")
        return json.loads(_unb64(body))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadLink("the link is malformed") from exc


# ----- preference center and one-click unsubscribe ---------------------------------------


def preference_token(settings: Settings, contact_id: str, issued_at: float | None = None) -> str:
    """Token of `/preferences/{token}` and `/u/{token}`; it expires after
    `PREFERENCE_LINK_MAX_AGE_DAYS` so an old forwarded mail does not work forever."""
    at = int(issued_at if issued_at is not None else time.time())
    return sign(settings.secret_key, PREFERENCES, {"c": contact_id, "t": at})


def read_preference_token(settings: Settings, token: str) -> str:
    """The contact id, or BadLink (with `expired=True` for a valid but too old link)."""
    payload = unsign(settings.secret_key, PREFERENCES, token)
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
        raise BadLink("the link does not name a contact")
    age = time.time() - float(payload.get("t", 0))
    if age > settings.preference_link_max_age_days * 86400:
        raise BadLink("the link has expired", expired=True)
    return payload["c"]


def preferences_url(settings: Settings, contact_id: str) -> str:
    return f"{settings.public_url.rstrip('/')}/preferences/{preference_token(settings, contact_id)}"


def unsubscribe_url(settings: Settings, contact_id: str) -> str:
    """The RFC 8058 `List-Unsubscribe` target (POST one-click, GET shows a confirmation)."""
    return f"{settings.public_url.rstrip('/')}/u/{preference_token(settings, contact_id)}"


# ----- open pixel and click redirects -----------------------------------------------------


def open_token(settings: Settings, message_id: int) -> str:
    return sign(settings.secret_key, OPEN, message_id)


def read_open_token(settings: Settings, token: str) -> int:
    value = unsign(settings.secret_key, OPEN, token)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadLink("the pixel does not name a message")
    return value


def click_token(settings: Settings, message_id: int, url: str) -> str:
    return sign(settings.secret_key, CLICK, [message_id, url])


def read_click_token(settings: Settings, token: str) -> tuple[int, str]:
    """(message id, target URL). Only http(s) targets are ever signed, and the target
    comes from the signature, never from the query string, so there is no open redirect."""
    value = unsign(settings.secret_key, CLICK, token)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        raise BadLink("the link does not name a message and a target")
    return value[0], value[1]


def trackable(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class TrackingUrls:
    """Everything a message needs to carry: pixel, preference and unsubscribe links, and
    `track(url)`, which templates call as `{{ track('https://...') }}`."""

    pixel: str
    preferences: str
    unsubscribe: str
    track: Callable[[str], str]

    def template_context(self) -> dict[str, Any]:
        return {
            "track": self.track,
            "preferences_url": self.preferences,
            "unsubscribe_url": self.unsubscribe,
            "open_pixel_url": self.pixel,
        }


def tracking_urls(settings: Settings, message_id: int, contact_id: str) -> TrackingUrls:
    """Pure: the URLs for message `message_id` (the `messages.id` reserved before rendering)."""
    base = settings.public_url.rstrip("/")

    def track(url: str) -> str:
        if not trackable(url):
            return url  # mailto:, tel:, anchors: left as they are
        return f"{base}/t/c/{click_token(settings, message_id, url)}"

    return TrackingUrls(
        pixel=f"{base}/t/o/{open_token(settings, message_id)}.gif",
        preferences=preferences_url(settings, contact_id),
        unsubscribe=unsubscribe_url(settings, contact_id),
        track=track,
    )


def with_pixel(html: str, pixel_url: str) -> str:
    """The HTML email with the open pixel just before `</body>` (or at the end)."""
    tag = f'<img src="{pixel_url}" width="1" height="1" alt="" style="display:none;border:0">'
    index = html.lower().rfind("</body>")
    return html + tag if index < 0 else html[:index] + tag + html[index:]


# ----- in-app inbox ----------------------------------------------------------------------


def inbox_token(settings: Settings, contact_id: str) -> str:
    """Handed to the contact's app by the customer's backend; reads only that inbox."""
    return sign(settings.secret_key, INBOX, contact_id)


def read_inbox_token(settings: Settings, token: str) -> str:
    value = unsign(settings.secret_key, INBOX, token)
    if not isinstance(value, str):
        raise BadLink("the token does not name a contact")
    return value


def ensure_footer(html: str | None, text: str | None, urls: TrackingUrls) -> tuple[str | None, str | None]:
    """Marketing email bodies with the preference center link, added at the end unless
    the template already placed `{{ preferences_url }}` itself."""
    note = "Manage your subscriptions or unsubscribe"
    if html is not None and urls.preferences not in html:
        block = (
            '<p style="font-size:12px;color:#6b7280;margin-top:24px">'
            f'<a href="{urls.preferences}" style="color:#6b7280">{note}</a></p>'
        )
        index = html.lower().rfind("</body>")
        html = html + block if index < 0 else html[:index] + block + html[index:]
    if text is not None and urls.preferences not in text:
        text = f"{text}\n\n--\n{note}: {urls.preferences}\n"
    return html, text

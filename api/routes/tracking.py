"""Open pixel and click redirects: `Email Opened` and `Email Link Clicked` events.

Both ids are signed (see orkiestra/links.py); the click target comes from the
signature, never from the query string, so `/t/c/...` cannot be used as an open
redirect. Counting: one `Email Opened` per message (the first open) and one
`Email Link Clicked` per message and link, because image proxies re-fetch pixels and
people double-click; scoring (+5 per open, +10 per click) must not count those twice.
Later hits still get their GIF or their redirect.

Recording never stands between the contact and the page they clicked: if the database
is down the redirect still happens and the failure is logged.
"""

from __future__ import annotations

import base64
import hashlib

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api import pages
from api.deps import StateDep
from api.engagement import apply, message_event
from orkiestra import links
from orkiestra.logging import get_logger
from orkiestra.models import Message
from orkiestra.persistence import contacts
from orkiestra.segment import TrackCall

router = APIRouter(tags=["tracking"])
log = get_logger(__name__)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, private", "Pragma": "no-cache"}


def _tracked_message(session: Session, message_id: int) -> Message | None:
    """The message, if it and its contact still exist (an erased contact is not tracked)."""
    message = session.get(Message, message_id)
    if message is None or contacts.get_contact(session, message.contact_id) is None:
        return None
    return message


@router.get("/t/o/{token}.gif", summary="Open pixel", response_class=Response)
async def open_pixel(token: str, state: StateDep) -> Response:
    gif = Response(PIXEL, media_type="image/gif", headers=NO_STORE)
    try:
        message_id = links.read_open_token(state.settings, token)
    except links.BadLink:
        return gif  # a broken image in someone's mail helps nobody; record nothing

    def work(session: Session) -> list[TrackCall]:
        message = _tracked_message(session, message_id)
        if message is None:
            return []
        return [message_event(message, "Email Opened", f"email-opened-{message.id}")]

    try:
        if await apply(state, work):
            log.info("tracking.opened", message_id=message_id)
    except Exception:
        log.exception("tracking.open_not_recorded", message_id=message_id)
    return gif


@router.get("/t/c/{token}", summary="Click redirect", response_class=RedirectResponse, status_code=302)
async def click(token: str, state: StateDep) -> Response:
    try:
        message_id, url = links.read_click_token(state.settings, token)
    except links.BadLink as exc:
        return pages.link_error(state.settings, expired=False, detail=f"We cannot open this link: {exc}.")
    if not links.trackable(url):
        return pages.link_error(
            state.settings, expired=False, detail="This link does not lead to a web page."
        )
    digest = hashlib.sha256(url.encode()).hexdigest()[:24]

    def work(session: Session) -> list[TrackCall]:
        message = _tracked_message(session, message_id)
        if message is None:
            return []
        key = f"email-clicked-{message.id}-{digest}"
        return [message_event(message, "Email Link Clicked", key, url=url)]

    try:
        if await apply(state, work):
            log.info("tracking.clicked", message_id=message_id)
    except Exception:
        log.exception("tracking.click_not_recorded", message_id=message_id)
    return RedirectResponse(url, status_code=302, headers={**NO_STORE, "Referrer-Policy": "no-referrer"})

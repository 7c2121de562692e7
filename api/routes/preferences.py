"""The preference center and one-click unsubscribe (RFC 8058), reached from signed links.

`GET /preferences/{token}` shows the contact's channel and topic choices; the form posts
back to the same URL (the token is the credential, so a cross-site form cannot forge
it) and redirects (303) to the page with a notice. `POST /u/{token}` with the body
`List-Unsubscribe=One-Click` is what mail clients send from the `List-Unsubscribe-Post`
header: it unsubscribes at once, no page needed. `GET /u/{token}` only asks, because
link scanners fetch every URL in a mail and must not unsubscribe anyone.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api import pages
from api.deps import SessionDep, SettingsDep, StateDep
from api.engagement import apply
from orkiestra import links
from orkiestra.logging import get_logger
from orkiestra.persistence import contacts, preferences
from orkiestra.segment import TrackCall
from orkiestra.settings import Settings

router = APIRouter(tags=["preference center"])
log = get_logger(__name__)

CHANNEL_TEXT = {
    "email": ("Email", "Newsletters, offers and reminders in your inbox."),
    "sms": ("Text messages (SMS)", "Short messages to your phone."),
    "push": ("Push notifications", "Notifications from our app on your phone or computer."),
}
NOTICES = {
    "1": "Your preferences are saved.",
    "all": "You are unsubscribed from all marketing messages.",
}


def _contact_id(settings: Settings, token: str) -> str | Response:
    try:
        return links.read_preference_token(settings, token)
    except links.BadLink as exc:
        log.info("preferences.bad_link", expired=exc.expired, reason=str(exc))
        return pages.link_error(settings, exc.expired)


def _unknown(settings: Settings) -> HTMLResponse:
    return pages.link_error(
        settings,
        expired=False,
        status_code=404,
        detail="We hold no subscriptions for this link any more, so there is nothing to change.",
    )


@router.get("/preferences/{token}", response_class=HTMLResponse, summary="Preference center page")
def show(
    token: str, request: Request, settings: SettingsDep, session: SessionDep, saved: str | None = None
) -> Response:
    cid = _contact_id(settings, token)
    if isinstance(cid, Response):
        return cid
    contact = contacts.get_contact(session, cid)
    if contact is None:
        return _unknown(settings)
    prefs = preferences.current(session, contact.id, settings.topic_list, settings.consent_mode)
    return pages.render(
        settings,
        "preferences.html",
        title="Your subscriptions",
        email=pages.mask_email(contact.email),
        action=request.url.path,
        notice=NOTICES.get(saved or ""),
        notice_warn=False,
        channels=[
            {"name": ch, "label": CHANNEL_TEXT[ch][0], "hint": CHANNEL_TEXT[ch][1], "on": on}
            for ch, on in prefs.channels.items()
        ],
        topics=[
            {"name": t, "label": t.replace("-", " ").replace("_", " ").capitalize(), "on": on}
            for t, on in prefs.topics.items()
        ],
    )


def _event(contact_id: str, name: str, properties: dict[str, Any]) -> TrackCall:
    return TrackCall(
        userId=contact_id,
        event=name,
        messageId=f"pref-{uuid.uuid4()}",
        properties=properties,
        context={"library": {"name": "orkiestra-preference-center"}},
    )


def _changes_event(contact_id: str, rows: list[Any], source: str, everything: bool) -> list[TrackCall]:
    """`Unsubscribed` when the contact turned everything off, else `Preferences Updated`."""
    if not rows:
        return []
    properties = {
        "source": source,
        "channels": {r.channel: r.subscribed for r in rows if r.channel},
        "topics": {r.topic: r.subscribed for r in rows if r.topic},
    }
    return [_event(contact_id, "Unsubscribed" if everything else "Preferences Updated", properties)]


@router.post("/preferences/{token}", summary="Save the preference center form")
async def save(token: str, request: Request, state: StateDep) -> Response:
    settings = state.settings
    cid = _contact_id(settings, token)
    if isinstance(cid, Response):
        return cid
    form = await request.form()
    action = str(form.get("action") or "save")
    chosen_channels = {str(v) for v in form.getlist("channel")}
    chosen_topics = {str(v) for v in form.getlist("topic")}
    topics = settings.topic_list
    found = True

    def work(session: Session) -> list[TrackCall]:
        nonlocal found
        contact = contacts.get_contact(session, cid)
        if contact is None:
            found = False
            return []
        if action == "unsubscribe_all":
            rows = preferences.unsubscribe_all(
                session, contact.id, preferences.PREFERENCE_CENTER, topics, settings.consent_mode
            )
        else:
            rows = preferences.record(
                session,
                contact.id,
                channels={ch: ch in chosen_channels for ch in preferences.CHANNELS},
                topics={t: t in chosen_topics for t in topics},
                source=preferences.PREFERENCE_CENTER,
                known_topics=topics,
                consent_mode=settings.consent_mode,
            )
        everything = preferences.current(session, contact.id, topics, settings.consent_mode).everything_off
        return _changes_event(contact.id, rows, preferences.PREFERENCE_CENTER, everything)

    await apply(state, work)
    if not found:
        return _unknown(settings)
    log.info("preferences.saved", contact_id=cid, action=action)
    saved = "all" if action == "unsubscribe_all" else "1"
    return RedirectResponse(f"{request.url.path}?saved={saved}", status_code=303)


@router.get("/u/{token}", response_class=HTMLResponse, summary="Unsubscribe confirmation page")
def confirm(token: str, request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    cid = _contact_id(settings, token)
    if isinstance(cid, Response):
        return cid
    contact = contacts.get_contact(session, cid)
    return pages.render(
        settings,
        "unsubscribe.html",
        title="Unsubscribe",
        done=False,
        email=pages.mask_email(contact.email if contact else None),
        action=request.url.path,
        preferences_url=f"/preferences/{token}",
    )


@router.post("/u/{token}", response_class=HTMLResponse, summary="RFC 8058 one-click unsubscribe")
async def one_click(token: str, request: Request, state: StateDep) -> Response:
    settings = state.settings
    cid = _contact_id(settings, token)
    if isinstance(cid, Response):
        return cid
    form = await request.form()
    if form.get("List-Unsubscribe") != "One-Click":
        return pages.link_error(
            settings,
            expired=False,
            detail="A one-click unsubscribe must send the form field List-Unsubscribe=One-Click (RFC 8058).",
        )
    email: str | None = None

    def work(session: Session) -> list[TrackCall]:
        nonlocal email
        contact = contacts.get_contact(session, cid)
        if contact is None:
            return []  # erased or never known: nothing is sent to them anyway
        email = contact.email
        rows = preferences.unsubscribe_all(
            session, contact.id, preferences.ONE_CLICK, settings.topic_list, settings.consent_mode
        )
        return _changes_event(contact.id, rows, preferences.ONE_CLICK, everything=True)

    await apply(state, work)
    log.info("preferences.unsubscribed", contact_id=cid, source=preferences.ONE_CLICK)
    return pages.render(
        settings,
        "unsubscribe.html",
        title="You are unsubscribed",
        done=True,
        email=pages.mask_email(email),
        action=request.url.path,
        preferences_url=f"/preferences/{token}",
    )

"""Consent through the API: read and change a contact's consent per channel and purpose,
and the public double opt-in confirmation link.

A change appends to the consent log (`persistence.consents`), never edits it. With
`EMAIL_DOUBLE_OPT_IN=true`, a marketing email grant answers `pending` with the
`confirm_url` to send the contact (e.g. in a transactional `confirm_subscription` email);
the grant takes effect when the contact opens it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import AdminDep, SessionDep, SettingsDep
from api.errors import ApiError
from orkiestra.logging import get_logger
from orkiestra.persistence import consents, contacts
from orkiestra.policy import CHANNELS

router = APIRouter(tags=["consents"])
log = get_logger(__name__)


class ConsentChange(BaseModel):
    status: Literal["granted", "denied"]
    purpose: Literal["marketing", "transactional"] = "marketing"
    source: str = Field(default="api", min_length=1, max_length=255, description="where the contact said so")
    expires_at: datetime | None = Field(default=None, description="a grant that lapses (ISO 8601 with zone)")


class ConsentPublic(BaseModel):
    channel: str
    purpose: str
    status: str
    source: str
    recorded_at: datetime
    expires_at: datetime | None = None
    confirm_url: str | None = None


class ConsentsPublic(BaseModel):
    contact_id: str
    current: list[ConsentPublic]
    log: list[ConsentPublic]


def _contact_id(session: SessionDep, contact_id: str) -> str:
    contact = contacts.get_contact(session, contact_id)
    if contact is None:
        raise ApiError(404, f"no contact with id {contact_id!r}; contacts appear after identify or track")
    return contact.id


@router.put(
    "/v1/contacts/{contact_id}/consents/{channel}", response_model=ConsentPublic, dependencies=[AdminDep]
)
def put_consent(
    contact_id: str, channel: str, change: ConsentChange, session: SessionDep, settings: SettingsDep
) -> ConsentPublic:
    if channel not in CHANNELS:
        raise ApiError(400, f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    if change.expires_at is not None and change.expires_at.tzinfo is None:
        raise ApiError(400, "expires_at needs a time zone, e.g. 2025-01-31T00:00:00Z")
    cid = _contact_id(session, contact_id)
    row = consents.change(
        session, settings, cid, channel, change.purpose, change.status, change.source, change.expires_at
    )
    session.commit()
    url = consents.confirm_url(settings, row) if row.status == "pending" else None
    log.info("consent.changed", contact_id=cid, channel=channel, purpose=row.purpose, status=row.status)
    return ConsentPublic(**row.model_dump(exclude={"id", "contact_id"}), confirm_url=url)


@router.get("/v1/contacts/{contact_id}/consents", response_model=ConsentsPublic, dependencies=[AdminDep])
def get_consents(contact_id: str, session: SessionDep) -> ConsentsPublic:
    cid = _contact_id(session, contact_id)
    return ConsentsPublic(
        contact_id=cid,
        current=[ConsentPublic(**entry) for entry in consents.summary(session, cid)],
        log=[
            ConsentPublic(**row.model_dump(exclude={"id", "contact_id"}))
            for row in consents.history(session, cid)
        ],
    )


def _page(title: str, text: str, status: int) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;max-width:32rem;margin:3rem auto'>"
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


@router.get("/confirm/{token}", response_class=HTMLResponse, include_in_schema=False)
def confirm(token: str, state_settings: SettingsDep, session: SessionDep) -> HTMLResponse:
    """The double opt-in link: no login, the signed token is the credential."""
    try:
        row = consents.confirm(session, state_settings, token)
    except consents.ConfirmError as exc:
        session.rollback()
        return _page("This link did not work", str(exc), 400)
    session.commit()
    log.info("consent.confirmed", contact_id=row.contact_id, channel=row.channel)
    return _page("Subscription confirmed", f"You will now receive our {row.channel} messages.", 200)

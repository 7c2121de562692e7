"""In-app inbox: support reads a contact's inbox (admin key); the contact's app reads and
marks its own inbox with a signed per-contact token.

The app never holds the admin key: the customer's backend asks for the contact's token
(`GET /v1/contacts/{id}/inbox-token`) and hands it to its logged-in user. The token is
bound to one contact by its signature, so it can read no other inbox. Storage is
`persistence.inbox`, written by the in-app channel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from api.deps import AdminDep, SessionDep, SettingsDep
from api.errors import ApiError
from orkiestra import links
from orkiestra.models import InboxMessage
from orkiestra.persistence import contacts, inbox

router = APIRouter(tags=["inbox"])
MAX_ID = 2**63 - 1  # ids are BIGINT; a larger number is a 400, not a database error


class InboxItem(BaseModel):
    id: int
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    contact_id: str
    unread: int
    items: list[InboxItem]
    next_before_id: int | None


class InboxToken(BaseModel):
    contact_id: str
    token: str
    url: str


def _page(
    session: SessionDep, contact_id: str, unread_only: bool, limit: int, before_id: int | None
) -> InboxPage:
    rows: list[InboxMessage] = inbox.list_for_contact(
        session, contact_id, unread_only=unread_only, limit=limit, before_id=before_id
    )
    return InboxPage(
        contact_id=contact_id,
        unread=inbox.unread_count(session, contact_id),
        items=[InboxItem.model_validate(r, from_attributes=True) for r in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


def _known(session: SessionDep, contact_id: str) -> str:
    contact = contacts.get_contact(session, contact_id)
    if contact is None:
        raise ApiError(404, f"no contact with id {contact_id!r}")
    return contact.id


def _token_contact(settings: SettingsDep, token: str) -> str:
    try:
        return links.read_inbox_token(settings, token)
    except links.BadLink as exc:
        raise ApiError(401, f"inbox token not accepted: {exc}; ask your backend for a fresh one") from exc


@router.get("/v1/contacts/{contact_id}/inbox", response_model=InboxPage, dependencies=[AdminDep])
def admin_inbox(
    contact_id: str,
    session: SessionDep,
    unread_only: bool = False,
    limit: int = Query(50, ge=1, le=200),
    before_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> InboxPage:
    return _page(session, _known(session, contact_id), unread_only, limit, before_id)


@router.get("/v1/contacts/{contact_id}/inbox-token", response_model=InboxToken, dependencies=[AdminDep])
def admin_inbox_token(contact_id: str, session: SessionDep, settings: SettingsDep) -> InboxToken:
    """The token the customer's backend gives the contact's app."""
    cid = _known(session, contact_id)
    token = links.inbox_token(settings, cid)
    return InboxToken(contact_id=cid, token=token, url=f"{settings.public_url.rstrip('/')}/v1/inbox/{token}")


@router.get("/v1/inbox/{token}", response_model=InboxPage)
def app_inbox(
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    unread_only: bool = False,
    limit: int = Query(50, ge=1, le=200),
    before_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> InboxPage:
    return _page(session, _token_contact(settings, token), unread_only, limit, before_id)


@router.post("/v1/inbox/{token}/read", summary="Mark every message read")
def app_mark_all_read(token: str, session: SessionDep, settings: SettingsDep) -> dict[str, int]:
    cid = _token_contact(settings, token)
    marked = inbox.mark_all_read(session, cid)
    session.commit()
    return {"marked": marked, "unread": 0}


@router.post("/v1/inbox/{token}/{inbox_id}/read", summary="Mark one message read")
def app_mark_read(
    token: str, session: SessionDep, settings: SettingsDep, inbox_id: int = Path(ge=1, le=MAX_ID)
) -> dict[str, int]:
    cid = _token_contact(settings, token)
    if not inbox.mark_read(session, cid, inbox_id):
        raise ApiError(404, f"no inbox message {inbox_id} for this token")
    session.commit()
    return {"id": inbox_id, "unread": inbox.unread_count(session, cid)}

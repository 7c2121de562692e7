"""`Annotated` dependencies shared by the routes."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.errors import ApiError
from api.state import AppState
from orkiestra.settings import Settings


def get_state(request: Request) -> AppState:
    return request.app.state.orkiestra


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(state: StateDep) -> Iterator[Session]:
    with state.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def require_admin(request: Request, settings: SettingsDep) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "missing admin key: send 'Authorization: Bearer <ORKIESTRA_ADMIN_KEY>'")
    if not _same(token.strip(), settings.admin_key):
        raise ApiError(401, "wrong admin key")


AdminDep = Depends(require_admin)


def write_key_from(request: Request) -> str | None:
    """Segment puts the write key in Basic auth as the user name (password empty)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.split(":", 1)[0]
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


def check_write_key(key: str | None, settings: Settings) -> None:
    if not key:
        raise ApiError(401, "missing write key: use HTTP Basic auth with the write key as user name")
    if not _same(key, settings.write_key):
        raise ApiError(401, "wrong write key")

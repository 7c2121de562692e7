"""Helpers for the API tests: Segment-style calls and looks at what was stored."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlmodel import Session

from orkiestra.models import Contact, Event, OutboxEntry

WRITE_KEY = "wk-test-0123456789"
ADMIN_KEY = "ak-test-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def basic(key: str, password: str = "") -> dict[str, str]:
    token = base64.b64encode(f"{key}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Ingest:
    """Segment-style calls against the running app."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(
        self,
        path: str,
        body: Any,
        *,
        key: str | None = WRITE_KEY,
        gzipped: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(basic(key) if key is not None else {})}
        if gzipped:
            raw = gzip.compress(raw)
            sent["Content-Encoding"] = "gzip"
        sent.update(headers or {})
        return self.client.post(f"/v1/{path}", content=raw, headers=sent)

    def ok(self, path: str, body: Any, **kwargs: Any) -> None:
        response = self.post(path, body, **kwargs)
        assert response.status_code == 200, response.text
        assert response.json() == {"success": True}


def count(session: Session, model: type, *where: Any) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def events(session: Session, *where: Any) -> list[Event]:
    return list(session.execute(select(Event).where(*where).order_by(Event.id)).scalars())


def outbox_rows(session: Session) -> list[OutboxEntry]:
    return list(session.execute(select(OutboxEntry).order_by(OutboxEntry.id)).scalars())


def contact(session: Session, contact_id: str) -> Contact | None:
    return session.get(Contact, contact_id)

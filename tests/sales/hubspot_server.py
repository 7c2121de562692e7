"""A loopback HTTP server that speaks the part of HubSpot's CRM v3 API we use.

Contacts (batch upsert by email, read, update; lifecycle stages only move forward unless
cleared first, as in HubSpot), tasks and notes with their contact associations (type ids
204 and 202), bearer-token auth, and 429 answers with `Retry-After` on demand.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from orkiestra.devstack import free_port

TOKEN = "pat-test-token"
STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]
ASSOCIATION = {"tasks": 204, "notes": 202}


@dataclass
class Seen:
    method: str
    path: str
    status: int
    at: float


@dataclass
class FakeHubSpot:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {"tasks": {}, "notes": {}})
    requests: list[Seen] = field(default_factory=list)
    limited: int = 0
    retry_after: str = "1"
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Any = field(default_factory=lambda: itertools.count(1001))

    def start(self) -> FakeHubSpot:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)
                with fake.lock:
                    fake.requests.append(Seen(self.command, self.path, status, time.monotonic()))

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"status": "error", "category": "INVALID_AUTHENTICATION"})
                with fake.lock:
                    limited = fake.limited > 0
                    fake.limited -= 1 if limited else 0
                if limited:
                    headers = {"Retry-After": fake.retry_after}
                    return self._answer(429, {"status": "error", "category": "RATE_LIMITS"}, headers)
                status, answer = fake.route(self.command, urlparse(self.path).path, body)
                self._answer(status, answer)

            do_GET = do_POST = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def limit_next(self, count: int, retry_after: str = "1") -> None:
        with self.lock:
            self.limited, self.retry_after = count, retry_after

    def contact_by_email(self, email: str) -> dict[str, Any] | None:
        return next((c for c in self.contacts.values() if c["properties"].get("email") == email), None)

    # ----- the API ---------------------------------------------------------------------
    def route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[:3] != ["crm", "v3", "objects"]:
            return 404, {"message": f"no route {path}"}
        kind, rest = parts[3], parts[4:]
        with self.lock:
            if kind == "contacts" and rest == ["batch", "upsert"] and method == "POST":
                return self._upsert(body)
            if kind == "contacts" and len(rest) == 1:
                contact = self.contacts.get(rest[0])
                if contact is None:
                    return 404, {"message": "contact not found"}
                if method == "GET":
                    return 200, contact
                return self._update_contact(contact, body["properties"])
            if kind in self.objects and not rest and method == "POST":
                return self._create(kind, body)
            if kind in self.objects and len(rest) == 1 and method == "PATCH":
                found = self.objects[kind].get(rest[0])
                if found is None:
                    return 404, {"message": f"{kind[:-1]} not found"}
                found["properties"].update(body["properties"])
                return 200, found
        return 404, {"message": f"no route {method} {path}"}

    def _upsert(self, body: Any) -> tuple[int, Any]:
        results = []
        for item in body["inputs"]:
            if item.get("idProperty") != "email":
                return 400, {"message": "idProperty must be a unique property"}
            contact = self.contact_by_email(item["id"])
            new = contact is None
            if contact is None:
                contact = {"id": str(next(self.ids)), "properties": {"email": item["id"]}}
                self.contacts[contact["id"]] = contact
            status, answer = self._update_contact(contact, item.get("properties", {}))
            if status != 200:
                return status, answer
            results.append({**contact, "new": new})
        return 200, {"status": "COMPLETE", "results": results}

    def _update_contact(self, contact: dict[str, Any], props: dict[str, Any]) -> tuple[int, Any]:
        stage = props.get("lifecyclestage")
        current = contact["properties"].get("lifecyclestage") or ""
        if stage and current and STAGES.index(stage) < STAGES.index(current):
            return 400, {"category": "VALIDATION_ERROR", "message": "lifecycle stage cannot move backwards"}
        contact["properties"].update(props)
        return 200, contact

    def _create(self, kind: str, body: Any) -> tuple[int, Any]:
        if "hs_timestamp" not in body.get("properties", {}):
            return 400, {"message": "hs_timestamp is required"}
        for association in body.get("associations", []):
            types = association["types"][0]
            if association["to"]["id"] not in self.contacts or types != {
                "associationCategory": "HUBSPOT_DEFINED",
                "associationTypeId": ASSOCIATION[kind],
            }:
                return 400, {"message": f"bad association {association}"}
        created = {
            "id": str(next(self.ids)),
            "properties": dict(body["properties"]),
            "associations": body["associations"],
        }
        self.objects[kind][created["id"]] = created
        return 201, created

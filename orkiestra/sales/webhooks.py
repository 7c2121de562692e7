"""CRM webhooks → lead events: signature checks and payload mapping, without a web framework.

Two shapes are accepted on `POST /v1/webhooks/crm`:
- ours: `{"id", "type": "lead.contacted" | "lead.accepted" | "lead.disqualified" |
  "deal.created" | "deal.won", "contact_id" or "email", "occurred_at"?, "properties"?}`
  (or a list of them), signed `X-Orkiestra-Signature: sha256=<hex HMAC-SHA256(secret,
  body)>`, or over `"{timestamp}." + body` when `X-Orkiestra-Timestamp` is sent (the same
  scheme our outbound webhooks use);
- HubSpot's: a list of `contact.propertyChange` notifications (lead status, lifecycle
  stage), signed with `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 of method + URI +
  body + timestamp with the app's client secret, timestamp within five minutes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TOLERANCE_SECONDS = 300
EVENT_NAMES = {
    "lead.contacted": "Lead Contacted",
    "lead.accepted": "Lead Accepted",
    "lead.disqualified": "Lead Disqualified",
    "deal.created": "Deal Created",
    "deal.won": "Deal Won",
}
HUBSPOT_LEAD_STATUS = {
    "ATTEMPTED_TO_CONTACT": "lead.contacted",
    "CONNECTED": "lead.contacted",
    "IN_PROGRESS": "lead.accepted",
    "OPEN_DEAL": "deal.created",
    "UNQUALIFIED": "lead.disqualified",
}
HUBSPOT_LIFECYCLE = {
    "salesqualifiedlead": "lead.accepted",
    "opportunity": "deal.created",
    "customer": "deal.won",
}


def crm_secret(configured: str | None, secret_key: str) -> str:
    """The webhook key: ORKIESTRA_CRM_WEBHOOK_SECRET, or one derived from SECRET_KEY."""
    if configured:
        return configured
    return hmac.new(secret_key.encode(), b"orkiestra-crm-webhooks", hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    signed = body if timestamp is None else timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_ours(
    secret: str, body: bytes, given: str, timestamp: str | None, now: float | None = None
) -> bool:
    if timestamp is not None:
        try:
            age = abs((now or time.time()) - float(timestamp))
        except ValueError:
            return False
        if age > TOLERANCE_SECONDS:
            return False
    return hmac.compare_digest(sign(secret, body, timestamp), given.strip())


def hubspot_v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_hubspot(
    secret: str,
    method: str,
    uris: list[str],
    body: bytes,
    given: str,
    timestamp: str,
    now: float | None = None,
) -> bool:
    try:
        sent = float(timestamp) / 1000
    except ValueError:
        return False
    if abs((now or time.time()) - sent) > TOLERANCE_SECONDS:
        return False
    return any(
        hmac.compare_digest(hubspot_v3_signature(secret, method, uri, body, timestamp), given) for uri in uris
    )


@dataclass
class CrmEvent:
    """One lead event from a CRM, before the contact is resolved."""

    message_id: str
    name: str
    contact_id: str | None = None
    email: str | None = None
    hubspot_id: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    properties: dict[str, Any] = field(default_factory=dict)


class WebhookProblem(ValueError):
    """The payload cannot be understood; the message says what to fix."""


def _time(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def parse_ours(body: Any) -> list[CrmEvent]:
    items = body if isinstance(body, list) else [body]
    events = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookProblem(f"[{i}] must be an object")
        kind, ident = item.get("type"), item.get("id")
        if kind not in EVENT_NAMES:
            raise WebhookProblem(f"[{i}].type must be one of {', '.join(EVENT_NAMES)}")
        if not isinstance(ident, str | int) or not str(ident):
            raise WebhookProblem(f"[{i}].id is required: a unique id of the CRM event (makes retries safe)")
        if not item.get("contact_id") and not item.get("email"):
            raise WebhookProblem(f"[{i}] needs contact_id or email")
        try:
            at = _time(item.get("occurred_at"))
        except ValueError as exc:
            raise WebhookProblem(f"[{i}].occurred_at: {exc}") from exc
        props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        events.append(
            CrmEvent(
                message_id=f"crm:{ident}",
                name=EVENT_NAMES[kind],
                contact_id=str(item["contact_id"]) if item.get("contact_id") else None,
                email=str(item["email"]) if item.get("email") else None,
                at=at,
                properties={**props, "source": "crm-webhook", "crm_event_id": str(ident)},
            )
        )
    return events


def parse_hubspot(body: Any) -> tuple[list[CrmEvent], int]:
    """HubSpot notifications that mean a lead event, and how many were ignored."""
    if not isinstance(body, list):
        raise WebhookProblem("HubSpot sends a JSON array of notifications")
    events, ignored = [], 0
    for note in body:
        if not isinstance(note, dict) or note.get("subscriptionType") != "contact.propertyChange":
            ignored += 1
            continue
        name, value = note.get("propertyName"), str(note.get("propertyValue") or "")
        kind = (HUBSPOT_LEAD_STATUS if name == "hs_lead_status" else HUBSPOT_LIFECYCLE).get(
            value if name == "hs_lead_status" else value.lower()
        )
        if name not in ("hs_lead_status", "lifecyclestage") or kind is None:
            ignored += 1
            continue
        events.append(
            CrmEvent(
                message_id=f"hubspot:{note.get('eventId')}",
                name=EVENT_NAMES[kind],
                hubspot_id=str(note.get("objectId")),
                at=_time(note.get("occurredAt")),
                properties={"source": "hubspot", "property": name, "value": value},
            )
        )
    return events, ignored

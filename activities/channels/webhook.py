"""Outbound webhooks: one signed JSON POST per send to `OUTBOUND_WEBHOOK_URL`.

    POST {OUTBOUND_WEBHOOK_URL}
    Content-Type: application/json
    Idempotency-Key: {send key}              (the same on every retry: receivers de-duplicate)
    X-Orkiestra-Timestamp: {unix seconds}
    X-Orkiestra-Signature: sha256={hex HMAC-SHA256(secret, "{timestamp}." + raw body)}
    {"type": "message", "message_id", "idempotency_key", "contact_id", "journey",
     "template", "data": <the rendered webhook/<name>.json.j2 object>}

The signature covers the timestamp, so a captured request cannot be replayed later:
receivers check it with `verify_signature` (or the same three lines in any language)
and refuse timestamps older than a few minutes. 2xx is success; the receiver's 4xx is
recorded `provider_rejected`, 5xx and time-outs are retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from activities.channels.base import Outgoing, Recipient
from activities.channels.http import HttpClient
from orkiestra.settings import Settings

SIGNATURE_HEADER = "X-Orkiestra-Signature"
TIMESTAMP_HEADER = "X-Orkiestra-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, given: str, *, tolerance: float = 300, now: float | None = None
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    try:
        age = abs((now if now is not None else time.time()) - float(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(signature(secret, timestamp, body), given)


def _receiver_error(body: Any) -> str | None:
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or "") or None
    return None


class WebhookProvider:
    channel = "webhook"
    name = "webhook"
    idempotent = True

    def __init__(self, settings: Settings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    def address(self, recipient: Recipient) -> str | None:
        return self.settings.outbound_webhook_url or None

    def body(self, message: Outgoing) -> bytes:
        payload = {
            "type": "message",
            "message_id": message.message_id,
            "idempotency_key": message.idempotency_key,
            "contact_id": message.contact_id,
            "journey": message.journey,
            "template": message.content.name,
            "data": message.content.data,
        }
        return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()

    async def send(self, message: Outgoing) -> str:
        raw = self.body(message)
        timestamp = str(int(time.time()))
        secret = self.settings.resolved_outbound_webhook_secret
        response = await self.http.post(
            "webhook",
            message.to,
            content=raw,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": message.idempotency_key,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(secret, timestamp, raw),
            },
            explain=_receiver_error,
        )
        return response.headers.get("x-request-id") or f"webhook-{message.message_id}"

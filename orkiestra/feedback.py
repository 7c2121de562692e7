"""Provider feedback webhooks: the JSON shape we accept, its signature, and Twilio's.

Any provider (or a small adapter in front of one) posts to `/v1/webhooks/{channel}`:

    POST /v1/webhooks/email
    X-Orkiestra-Signature: t=1717000000,v1=<hex HMAC-SHA256(WEBHOOK_SECRET, "<t>.<raw body>")>
    {"type": "bounced", "message_id": "<id the provider returned>", "recipient": "a@b.c",
     "bounce_type": "hard", "reason": "550 5.1.1 no such user", "id": "evt-1"}

or `{"events": [...]}` with several. `type` is `delivered`, `bounced` or `complained`;
`orkiestra_message_id` (our `messages.id`) may replace `message_id` when the provider
echoes custom data; `id` (the provider's event id) makes a retried webhook a no-op. The
timestamp in the signature must be within five minutes, so a captured request cannot
be replayed later. SMS may instead use Twilio's status callback form, checked with
`X-Twilio-Signature` (HMAC-SHA1 over the URL and the sorted form fields, Twilio's scheme).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

SIGNATURE_HEADER = "X-Orkiestra-Signature"
TOLERANCE_SECONDS = 300
EVENT_NAMES = {
    "delivered": "{label} Delivered",
    "bounced": "{label} Bounced",
    "complained": "{label} Marked as Spam",
}
# Twilio error codes that mean the number will never take a message.
TWILIO_PERMANENT = frozenset({"21211", "21610", "21614", "30003", "30004", "30005", "30006"})


class FeedbackEvent(BaseModel):
    type: Literal["delivered", "bounced", "complained"]
    message_id: str | None = Field(default=None, max_length=255, description="the provider's message id")
    orkiestra_message_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="our messages.id, if echoed"
    )
    recipient: str | None = Field(default=None, max_length=320)
    bounce_type: Literal["hard", "soft"] = "hard"
    reason: str | None = Field(default=None, max_length=2000)
    id: str | None = Field(default=None, max_length=255, description="the provider's event id")
    timestamp: datetime | None = None

    @model_validator(mode="after")
    def _names_a_message_or_address(self) -> FeedbackEvent:
        if not self.message_id and self.orkiestra_message_id is None and not self.recipient:
            raise ValueError("name the message (message_id or orkiestra_message_id) or the recipient")
        return self

    @property
    def suppresses(self) -> bool:
        return self.type == "complained" or (self.type == "bounced" and self.bounce_type == "hard")


class FeedbackBatch(BaseModel):
    events: list[FeedbackEvent] = Field(min_length=1, max_length=1000)


def sign(secret: str, body: bytes, at: int | None = None) -> str:
    """The header value a provider sends; also what our tests and adapters use."""
    t = int(at if at is not None else time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, header: str | None, body: bytes, now: float | None = None) -> str | None:
    """None when the signature is good, else what is wrong (for the 401 message)."""
    if not header:
        return f"missing {SIGNATURE_HEADER} header: t=<unix seconds>,v1=<hex HMAC-SHA256>"
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return f"malformed {SIGNATURE_HEADER} header; expected t=<unix seconds>,v1=<hex>"
    t = int(parts["t"])
    if abs((now if now is not None else time.time()) - t) > TOLERANCE_SECONDS:
        return "signature timestamp is more than 5 minutes away from our clock"
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts["v1"].lower()):
        return "signature does not match the body; check ORKIESTRA_WEBHOOK_SECRET"
    return None


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def from_twilio(params: Mapping[str, str]) -> FeedbackEvent | None:
    """A Twilio SMS status callback as our event; None for in-flight statuses (queued, sent)."""
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    sid = params.get("MessageSid") or params.get("SmsSid")
    if status == "delivered":
        kind: Literal["delivered", "bounced"] = "delivered"
    elif status in ("undelivered", "failed"):
        kind = "bounced"
    else:
        return None
    code = params.get("ErrorCode") or ""
    return FeedbackEvent(
        type=kind,
        message_id=sid,
        recipient=params.get("To"),
        bounce_type="hard" if code in TWILIO_PERMANENT else "soft",
        reason=f"Twilio error {code}" if code else None,
        id=f"{sid}:{status}" if sid else None,
    )

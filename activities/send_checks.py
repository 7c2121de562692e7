"""The policy checks of one send, in the order their reasons are reported.

holdout → channel_unavailable → no_consent / unsubscribed → missing_address →
suppressed / unsubscribed → (template_error, in messaging.py) → quiet_hours →
frequency_cap. The first failing check is the one reason recorded, so "why didn't she
get it?" has exactly one answer. The rules themselves are the pure functions in
`orkiestra/policy`; this module only gathers the facts they need from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from activities.channels.base import ChannelProvider, Recipient
from orkiestra.contracts import SendRequest
from orkiestra.models import Contact
from orkiestra.persistence import consents, suppressions
from orkiestra.policy import Reason
from orkiestra.policy.consent import consent_reason
from orkiestra.policy.quiet_hours import quiet_until, zone
from orkiestra.settings import Settings


@dataclass(frozen=True)
class Verdict:
    reason: Reason | None = None
    address: str | None = None
    detail: str | None = None


def recipient_of(contact: Contact | None, contact_id: str) -> Recipient:
    if contact is None:
        return Recipient(contact_id=contact_id)
    return Recipient(
        contact_id=contact.id,
        email=contact.email,
        phone=contact.phone,
        timezone=contact.timezone,
        traits=dict(contact.traits or {}),
    )


def profile_context(contact: Contact | None) -> dict[str, Any]:
    """The contact as templates see it: `contact.*`, `traits.*`, `first_name`."""
    if contact is None:
        return {"contact": {}, "traits": {}, "first_name": "", "last_name": ""}
    traits = dict(contact.traits or {})
    return {
        "contact": {
            "id": contact.id,
            "email": contact.email,
            "phone": contact.phone,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "timezone": contact.timezone,
            "traits": traits,
        },
        "traits": traits,
        "first_name": contact.first_name or "",
        "last_name": contact.last_name or "",
    }


def check_before_render(
    session: Session,
    settings: Settings,
    request: SendRequest,
    provider: ChannelProvider | None,
    recipient: Recipient,
    now: datetime,
) -> Verdict:
    """Holdout, channel, consent, address and suppression, in that order."""
    if request.holdout:
        return Verdict("holdout")
    if provider is None:
        return Verdict("channel_unavailable", detail=f"channel {request.channel!r} is not configured")
    state = consents.current(session, request.contact_id, request.channel, request.purpose)
    reason = consent_reason(request.channel, request.purpose, state, mode=settings.consent_mode, now=now)
    if reason is not None:
        source = f" ({state.status} via {state.source})" if state is not None else ""
        return Verdict(reason, detail=f"{request.channel} {request.purpose} consent{source}")
    topic = request.context.get("topic")
    if (
        request.purpose == "marketing"
        and isinstance(topic, str)
        and consents.topic_unsubscribed(session, request.contact_id, topic)
    ):
        return Verdict("unsubscribed", detail=f"unsubscribed from topic {topic!r}")
    address = provider.address(recipient)
    if not address:
        return Verdict("missing_address", detail=f"no {request.channel} address for the contact")
    blocked = suppressions.is_suppressed(session, address, request.channel, request.purpose)
    if blocked is not None:
        reason = "unsubscribed" if blocked.reason == "unsubscribe" else "suppressed"
        return Verdict(reason, address, detail=f"address suppressed: {blocked.reason} via {blocked.source}")
    return Verdict(address=address)


def quiet_hours_end(
    settings: Settings, request: SendRequest, recipient: Recipient, now: datetime
) -> datetime | None:
    """When the contact's quiet hours end, if a marketing send falls inside them."""
    window = settings.quiet_hours_for(request.channel)
    if window is None or request.purpose != "marketing":
        return None
    tz = zone(recipient.timezone, settings.default_timezone)
    return quiet_until(now, tz, *window)

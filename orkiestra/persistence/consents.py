"""Consent per contact x channel x purpose: an append-only log whose newest row rules.

Changes come from the API (`PUT /v1/contacts/{id}/consents/{channel}`), the preference
center and double opt-in confirmations. Nothing is ever updated or deleted here (GDPR
erasure aside), so "when did she agree, and where?" always has an answer.

The preference center's channel switches (`subscription_changes` rows with a channel)
are marketing consent too: `current()` takes whichever of the two logs spoke last, so
an unsubscribe recorded by either stops marketing on that channel.

Double opt-in (`EMAIL_DOUBLE_OPT_IN=true`): a marketing email grant is stored `pending`
and becomes `granted` only through `confirm(token)`, the signed link from
`confirm_token()`; the link expires after `CONSENT_CONFIRM_MAX_AGE_DAYS`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from orkiestra import links
from orkiestra.models import ConsentRecord, SubscriptionChange
from orkiestra.policy.consent import ConsentState
from orkiestra.settings import Settings

CONFIRM = "consent-confirm"


def record(
    session: Session,
    contact_id: str,
    channel: str,
    purpose: str,
    status: str,
    source: str,
    *,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> ConsentRecord:
    """Append one decision (`granted`, `denied` or `pending`) and return it."""
    row = ConsentRecord(
        contact_id=contact_id,
        channel=channel,
        purpose=purpose,
        status=status,
        source=source[:255],
        recorded_at=at or datetime.now(UTC),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def change(
    session: Session,
    settings: Settings,
    contact_id: str,
    channel: str,
    purpose: str,
    status: str,
    source: str,
    expires_at: datetime | None = None,
) -> ConsentRecord:
    """Record a change as asked from outside: a marketing email grant waits for its
    confirmation when double opt-in is on."""
    if (
        settings.email_double_opt_in
        and status == "granted"
        and channel == "email"
        and purpose == "marketing"
        and not source.startswith("double_opt_in")
    ):
        status = "pending"
    return record(session, contact_id, channel, purpose, status, source, expires_at=expires_at)


def _latest_record(session: Session, contact_id: str, channel: str, purpose: str) -> ConsentRecord | None:
    return session.execute(
        select(ConsentRecord)
        .where(
            ConsentRecord.contact_id == contact_id,
            ConsentRecord.channel == channel,
            ConsentRecord.purpose == purpose,
        )
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _latest_channel_choice(session: Session, contact_id: str, channel: str) -> SubscriptionChange | None:
    return session.execute(
        select(SubscriptionChange)
        .where(SubscriptionChange.contact_id == contact_id, SubscriptionChange.channel == channel)
        .order_by(SubscriptionChange.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def current(session: Session, contact_id: str, channel: str, purpose: str) -> ConsentState | None:
    """The decision in force (expiry is for the policy to judge), or None if none."""
    row = _latest_record(session, contact_id, channel, purpose)
    state = ConsentState(row.status, row.source, row.recorded_at, row.expires_at) if row is not None else None
    if purpose == "marketing":
        choice = _latest_channel_choice(session, contact_id, channel)
        if choice is not None and (state is None or choice.created_at > state.recorded_at):
            status = "granted" if choice.subscribed else "denied"
            state = ConsentState(status, choice.source, choice.created_at)
    return state


def topic_unsubscribed(session: Session, contact_id: str, topic: str) -> bool:
    """True when the contact's newest choice for `topic` (preference center) is off."""
    subscribed = session.execute(
        select(SubscriptionChange.subscribed)
        .where(SubscriptionChange.contact_id == contact_id, SubscriptionChange.topic == topic)
        .order_by(SubscriptionChange.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return subscribed is False


def history(session: Session, contact_id: str, limit: int = 500) -> list[ConsentRecord]:
    """The append-only log, newest first."""
    return list(
        session.execute(
            select(ConsentRecord)
            .where(ConsentRecord.contact_id == contact_id)
            .order_by(ConsentRecord.id.desc())
            .limit(limit)
        ).scalars()
    )


def summary(session: Session, contact_id: str) -> list[dict[str, Any]]:
    """The decision in force per channel and purpose, for `GET /v1/contacts/{id}`."""
    newest = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.contact_id == contact_id)
        .group_by(ConsentRecord.channel, ConsentRecord.purpose)
    )
    keys = {
        (r.channel, r.purpose)
        for r in session.execute(select(ConsentRecord).where(ConsentRecord.id.in_(newest))).scalars()
    }
    keys |= {
        (str(channel), "marketing")
        for channel in session.execute(
            select(SubscriptionChange.channel)
            .where(SubscriptionChange.contact_id == contact_id, SubscriptionChange.channel.is_not(None))
            .distinct()
        ).scalars()
    }
    out = []
    for channel, purpose in sorted(keys):
        state = current(session, contact_id, channel, purpose)
        if state is not None:
            out.append(
                {
                    "channel": channel,
                    "purpose": purpose,
                    "status": state.status,
                    "source": state.source,
                    "recorded_at": state.recorded_at,
                    "expires_at": state.expires_at,
                }
            )
    return out


def confirm_token(settings: Settings, row: ConsentRecord, issued_at: float | None = None) -> str:
    """The signed token of a pending consent's confirmation link."""
    at = int(issued_at if issued_at is not None else time.time())
    return links.sign(settings.secret_key, CONFIRM, {"r": row.id, "c": row.contact_id, "t": at})


def confirm_url(settings: Settings, row: ConsentRecord) -> str:
    return f"{settings.public_url.rstrip('/')}/confirm/{confirm_token(settings, row)}"


class ConfirmError(Exception):
    """The link is bad, expired, or the consent it confirms is no longer pending."""


def confirm(session: Session, settings: Settings, token: str) -> ConsentRecord:
    """Turn the pending consent named by `token` into a grant (appends a row).

    Confirming twice returns the grant again; a link for a consent that was since denied
    or replaced confirms nothing.
    """
    try:
        payload = links.unsign(settings.secret_key, CONFIRM, token)
    except links.BadLink as exc:
        raise ConfirmError(str(exc)) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise ConfirmError("the link does not name a consent")
    if time.time() - float(payload.get("t", 0)) > settings.consent_confirm_max_age_days * 86400:
        raise ConfirmError("the confirmation link has expired; subscribe again to get a new one")
    pending = session.get(ConsentRecord, payload["r"])
    if pending is None or pending.contact_id != payload.get("c") or pending.status != "pending":
        raise ConfirmError("there is no subscription waiting for this confirmation")
    latest = _latest_record(session, pending.contact_id, pending.channel, pending.purpose)
    if latest is not None and latest.id != pending.id:
        if latest.status == "granted" and latest.source.startswith("double_opt_in"):
            return latest
        raise ConfirmError("this subscription was changed after the link was sent")
    return record(
        session,
        pending.contact_id,
        pending.channel,
        pending.purpose,
        "granted",
        f"double_opt_in:{pending.source}",
        expires_at=pending.expires_at,
    )

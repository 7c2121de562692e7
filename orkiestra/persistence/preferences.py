"""Channel and topic subscriptions as the contact sets them (preference center, one-click).

Choices are appended to `subscription_changes`, never updated, so every change keeps its
source and time. The messaging policy reads them through `persistence.consents`: a
channel switch is marketing consent for that channel (whichever of the consent log and
this log spoke last rules), a topic switch blocks sends tagged with that topic. So a
contact who unchecks email here is recorded as `unsubscribed` on the next marketing
email, and checking SMS is an explicit opt-in.

What the page shows for a channel is the consent in force, judged by the same policy
function that judges a send, so the page never claims a channel is on when sends on it
would be skipped (SMS and push without a grant show unchecked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from orkiestra.models import SubscriptionChange
from orkiestra.persistence import consents
from orkiestra.policy.consent import consent_reason

CHANNELS = ("email", "sms", "push")
PREFERENCE_CENTER = "preference_center"
ONE_CLICK = "one_click"


@dataclass
class Preferences:
    channels: dict[str, bool] = field(default_factory=dict)
    topics: dict[str, bool] = field(default_factory=dict)

    @property
    def everything_off(self) -> bool:
        return not any(self.channels.values()) and not any(self.topics.values())


def _topic_choices(session: Session, contact_id: str) -> dict[str, bool]:
    rows = session.execute(
        select(SubscriptionChange.topic, SubscriptionChange.subscribed)
        .where(SubscriptionChange.contact_id == contact_id, SubscriptionChange.topic.is_not(None))
        .order_by(SubscriptionChange.id)
    ).tuples()
    return {str(topic): subscribed for topic, subscribed in rows}


def current(session: Session, contact_id: str, topics: list[str], consent_mode: str) -> Preferences:
    """Marketing allowed per channel (consent in force), and per configured topic."""
    now = datetime.now(UTC)
    channels = {
        ch: consent_reason(
            ch,
            "marketing",
            consents.current(session, contact_id, ch, "marketing"),
            mode=consent_mode,
            now=now,
        )
        is None
        for ch in CHANNELS
    }
    chosen = _topic_choices(session, contact_id)
    return Preferences(channels=channels, topics={t: chosen.get(t, True) for t in topics})


def record(
    session: Session,
    contact_id: str,
    *,
    channels: dict[str, bool],
    topics: dict[str, bool],
    source: str,
    known_topics: list[str],
    consent_mode: str,
) -> list[SubscriptionChange]:
    """Append a row for each channel or topic whose choice differs from what is in force."""
    before = current(session, contact_id, known_topics, consent_mode)
    now = datetime.now(UTC)
    rows = [
        SubscriptionChange(contact_id=contact_id, channel=ch, subscribed=on, source=source, created_at=now)
        for ch, on in channels.items()
        if ch in CHANNELS and before.channels.get(ch) != on
    ] + [
        SubscriptionChange(contact_id=contact_id, topic=t, subscribed=on, source=source, created_at=now)
        for t, on in topics.items()
        if t in before.topics and before.topics[t] != on
    ]
    session.add_all(rows)
    session.flush()
    return rows


def unsubscribe_all(
    session: Session, contact_id: str, source: str, known_topics: list[str], consent_mode: str
) -> list[SubscriptionChange]:
    """Every channel and topic off. A channel already off (say SMS never granted) still
    gets an explicit `denied` row, so a later default change cannot switch it back on."""
    before = current(session, contact_id, known_topics, consent_mode)
    now = datetime.now(UTC)
    explicit = {
        ch
        for ch in CHANNELS
        if (state := consents.current(session, contact_id, ch, "marketing")) is not None
        and state.status == "denied"
    }
    rows = [
        SubscriptionChange(contact_id=contact_id, channel=ch, subscribed=False, source=source, created_at=now)
        for ch in CHANNELS
        if ch not in explicit
    ] + [
        SubscriptionChange(contact_id=contact_id, topic=t, subscribed=False, source=source, created_at=now)
        for t, on in before.topics.items()
        if on
    ]
    session.add_all(rows)
    session.flush()
    return rows

"""Whether a contact's consent allows a send, and which reason to record when it does not.

Defaults when nothing is recorded (or a grant has expired), per channel, for marketing:
- email: allowed when `CONSENT_MODE=opt_out` (the default, so sign-up journeys work on a
  fresh install), otherwise `no_consent`;
- sms and push: always `no_consent` (they need an explicit grant: TCPA / ePrivacy);
- inapp and webhook: allowed (in-app lives inside the product; a webhook goes to the
  operator's own system).
Transactional sends need no grant, but an explicit denial is respected. A `pending`
consent (double opt-in not yet confirmed) never allows marketing. An explicit denial is
recorded as `unsubscribed`; a missing, expired or pending consent as `no_consent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orkiestra.policy import Reason

OPT_IN_CHANNELS = frozenset({"sms", "push"})
NO_CONSENT_NEEDED = frozenset({"inapp", "webhook"})


@dataclass(frozen=True)
class ConsentState:
    """The newest consent decision for one contact, channel and purpose."""

    status: str  # granted | denied | pending
    source: str
    recorded_at: datetime
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def consent_reason(
    channel: str, purpose: str, state: ConsentState | None, *, mode: str, now: datetime
) -> Reason | None:
    """None when consent allows the send, else the reason to record."""
    if state is not None and state.expired(now):
        state = None
    if state is not None and state.status == "denied":
        return "unsubscribed"
    if state is not None and state.status == "granted":
        return None
    if purpose == "transactional" or channel in NO_CONSENT_NEEDED:
        return None
    if state is not None and state.status == "pending":
        return "no_consent"
    if channel == "email" and mode == "opt_out":
        return None
    return "no_consent"

"""The messaging policy as pure functions: what may be sent, on which channel, when.

Nothing here touches the database or the network; `activities/messaging.py` gathers the
facts (consent state, suppression, slot counts, the contact's time zone) and asks these
functions, so every rule is testable on its own and read in one place.
"""

from typing import Literal, get_args

Channel = Literal["email", "sms", "push", "inapp", "webhook"]
Purpose = Literal["marketing", "transactional"]
# Exactly one of these is recorded with every skipped, deferred or failed send.
Reason = Literal[
    "no_consent",
    "unsubscribed",
    "suppressed",
    "frequency_cap",
    "quiet_hours",
    "holdout",
    "missing_address",
    "template_error",
    "provider_rejected",
    "channel_unavailable",
]

CHANNELS: tuple[str, ...] = get_args(Channel)
PURPOSES: tuple[str, ...] = get_args(Purpose)
REASONS: tuple[str, ...] = get_args(Reason)

__all__ = ["CHANNELS", "PURPOSES", "REASONS", "Channel", "Purpose", "Reason"]

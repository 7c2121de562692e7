"""The one interface every channel provider implements, and the error it raises.

A provider only delivers: the policy (consent, suppression, caps, quiet hours) has run
before it is called, and the message log is written after. It gets the send's
idempotency key and passes it on where the provider API can de-duplicate with it
(`idempotent = True`); SMTP cannot, so the messaging path treats it as at-most-once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from activities.templates import Rendered


class ProviderError(Exception):
    """A provider call that did not deliver.

    `permanent`: the provider refused the message (HTTP 4xx, SMTP 5xx); retrying cannot
    help, it is recorded `failed` / `provider_rejected` with the provider's message.
    Otherwise (5xx, 429, time-out, connection refused) the activity raises it and
    Temporal retries with back-off. `ambiguous`: the message may have been handed over
    (SMTP connection lost during DATA); a provider that cannot de-duplicate must not be
    called again for it.
    """

    def __init__(self, message: str, *, permanent: bool, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class Recipient:
    """What a provider may read about the contact to find the address."""

    contact_id: str
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None
    traits: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: address resolved, template rendered, policy passed."""

    message_id: int
    idempotency_key: str
    contact_id: str
    to: str
    purpose: str
    content: Rendered
    journey: str | None = None
    unsubscribe_url: str | None = None


@runtime_checkable
class ChannelProvider(Protocol):
    channel: str
    name: str
    idempotent: bool

    def address(self, recipient: Recipient) -> str | None:
        """Where this channel reaches the contact, or None (`missing_address`)."""
        ...

    async def send(self, message: Outgoing) -> str:
        """Deliver and return the provider's message id, or raise ProviderError."""
        ...

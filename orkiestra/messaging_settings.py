"""Settings of the messaging path: channel providers, consent defaults, caps, quiet hours.

Kept apart from `orkiestra/settings.py` (which inherits them) so the messaging rules are
read in one place. Every default is safe: a channel whose provider is not configured is
reported as `channel_unavailable` instead of failing, SMS and push marketing need an
explicit grant, and the caps and quiet hours are the ones DESIGN.md names.

Caps and quiet hours are JSON objects in the environment, e.g.
`ORKIESTRA_FREQUENCY_CAPS='{"email:marketing": "3/7d", "sms:marketing": "1/1d"}'`
(setting one replaces the whole object).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import time, timedelta
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

_CAP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([mhd])\s*$")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_cap(spec: str) -> tuple[int, timedelta]:
    """`"3/7d"` → (3, 7 days): at most 3 messages in any rolling 7-day window."""
    match = _CAP.match(spec)
    if not match:
        raise ValueError(f"frequency cap {spec!r} must look like '3/7d' (count/number + m, h or d)")
    count, amount, unit = int(match[1]), int(match[2]), match[3]
    if amount <= 0:
        raise ValueError(f"frequency cap {spec!r} needs a window longer than zero")
    return count, timedelta(**{_UNITS[unit]: amount})


def parse_hours(spec: str) -> tuple[time, time]:
    """`"21:00-08:00"` → (21:00, 08:00); a window may wrap past midnight."""
    match = _HOURS.match(spec)
    if not match:
        raise ValueError(f"quiet hours {spec!r} must look like '21:00-08:00'")
    start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
    if start == end:
        raise ValueError(f"quiet hours {spec!r} start and end at the same time")
    return start, end


class MessagingSettings(BaseSettings):
    # Email: SMTP (the `SMTP_*` settings) or a Postmark-style HTTP API.
    email_provider: Literal["smtp", "http"] = "smtp"
    email_api_url: str = "https://api.postmarkapp.com"
    email_api_key: str | None = Field(
        default=None, description="Postmark server token (X-Postmark-Server-Token)"
    )
    email_message_stream: str = "outbound"
    unsubscribe_mailbox: str | None = Field(
        default=None,
        description="mailto: of List-Unsubscribe; default unsubscribe@<EMAIL_FROM domain>",
    )
    # SMS over Twilio's REST API (the auth token is `TWILIO_AUTH_TOKEN`).
    twilio_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_from: str | None = None
    # Push over FCM HTTP v1 (a bearer access token for the project).
    fcm_url: str = "https://fcm.googleapis.com"
    fcm_project: str | None = None
    fcm_token: str | None = None
    # Outbound webhooks: one JSON POST per send, signed with HMAC-SHA256.
    outbound_webhook_url: str | None = None
    outbound_webhook_secret: str | None = Field(
        default=None, description="signing key of outbound webhooks; default derived from SECRET_KEY"
    )
    inapp_enabled: bool = True

    provider_timeout_seconds: float = Field(default=10.0, gt=0)
    send_max_attempts: int = Field(
        default=10, ge=1, description="provider 5xx/time-outs are retried this often, then recorded failed"
    )

    # Consent when nothing is recorded: see orkiestra/policy/consent.py.
    consent_mode: Literal["opt_in", "opt_out"] = Field(
        default="opt_out", description="email marketing without a recorded consent: allowed (opt_out) or not"
    )
    email_double_opt_in: bool = False
    consent_confirm_max_age_days: int = Field(default=7, ge=1)

    frequency_caps: dict[str, str] = Field(
        default_factory=lambda: {"email:marketing": "3/7d", "sms:marketing": "1/1d"},
        description='"channel:purpose" → "count/window"; purposes without a cap are not capped',
    )
    quiet_hours: dict[str, str] = Field(
        default_factory=lambda: {"sms": "21:00-08:00", "push": "21:00-08:00"},
        description="channel → local 'HH:MM-HH:MM' when marketing sends wait",
    )
    default_timezone: str = "UTC"

    @field_validator("frequency_caps")
    @classmethod
    def _caps_parse(cls, value: dict[str, str]) -> dict[str, str]:
        for key, spec in value.items():
            if key.count(":") != 1:
                raise ValueError(
                    f"frequency cap key {key!r} must be 'channel:purpose', e.g. 'email:marketing'"
                )
            parse_cap(spec)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _hours_parse(cls, value: dict[str, str]) -> dict[str, str]:
        for spec in value.values():
            parse_hours(spec)
        return value

    def cap_for(self, channel: str, purpose: str) -> tuple[int, timedelta] | None:
        spec = self.frequency_caps.get(f"{channel}:{purpose}")
        return parse_cap(spec) if spec else None

    def quiet_hours_for(self, channel: str) -> tuple[time, time] | None:
        spec = self.quiet_hours.get(channel)
        return parse_hours(spec) if spec else None

    @property
    def resolved_outbound_webhook_secret(self) -> str:
        """Receivers verify with this value; derived so a dev install needs no extra setting."""
        if self.outbound_webhook_secret:
            return self.outbound_webhook_secret
        secret = str(getattr(self, "secret_key", ""))
        return hmac.new(secret.encode(), b"orkiestra-outbound-webhooks", hashlib.sha256).hexdigest()

"""The pure policy rules: consent defaults per channel, quiet hours across midnight and
clock changes, the frequency-cap slot rule, and the settings that feed them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from orkiestra.messaging_settings import parse_cap, parse_hours
from orkiestra.policy.consent import ConsentState, consent_reason
from orkiestra.policy.frequency import slot_decision
from orkiestra.policy.quiet_hours import quiet_until, zone
from orkiestra.settings import Settings

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def state(status: str, expires_at: datetime | None = None) -> ConsentState:
    return ConsentState(status, "test", NOW - timedelta(days=1), expires_at)


@pytest.mark.parametrize(
    ("channel", "purpose", "consent", "mode", "expected"),
    [
        ("email", "marketing", None, "opt_out", None),
        ("email", "marketing", None, "opt_in", "no_consent"),
        ("email", "marketing", state("granted"), "opt_in", None),
        ("email", "marketing", state("denied"), "opt_out", "unsubscribed"),
        ("email", "marketing", state("pending"), "opt_out", "no_consent"),
        ("email", "marketing", state("granted", NOW - timedelta(seconds=1)), "opt_in", "no_consent"),
        ("email", "marketing", state("granted", NOW + timedelta(days=1)), "opt_in", None),
        ("sms", "marketing", None, "opt_out", "no_consent"),
        ("push", "marketing", None, "opt_out", "no_consent"),
        ("sms", "marketing", state("granted"), "opt_out", None),
        ("inapp", "marketing", None, "opt_in", None),
        ("webhook", "marketing", None, "opt_in", None),
        ("sms", "transactional", None, "opt_in", None),
        ("sms", "transactional", state("denied"), "opt_in", "unsubscribed"),
    ],
)
def test_consent_reason(
    channel: str, purpose: str, consent: ConsentState | None, mode: str, expected: str | None
) -> None:
    assert consent_reason(channel, purpose, consent, mode=mode, now=NOW) == expected


WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("local", "expected_local"),
    [
        (datetime(2025, 6, 2, 20, 59), None),
        (datetime(2025, 6, 2, 21, 0), datetime(2025, 6, 3, 8, 0)),
        (datetime(2025, 6, 2, 23, 30), datetime(2025, 6, 3, 8, 0)),
        (datetime(2025, 6, 3, 3, 0), datetime(2025, 6, 3, 8, 0)),
        (datetime(2025, 6, 3, 8, 0), None),
        # the night the clocks go forward (30 March 2025 in Poland): still 08:00 local
        (datetime(2025, 3, 29, 22, 0), datetime(2025, 3, 30, 8, 0)),
    ],
)
def test_quiet_hours_wrap_midnight_in_the_contacts_zone(
    local: datetime, expected_local: datetime | None
) -> None:
    now = local.replace(tzinfo=WARSAW).astimezone(UTC)
    until = quiet_until(now, WARSAW, time(21), time(8))
    expected = expected_local.replace(tzinfo=WARSAW).astimezone(UTC) if expected_local else None
    assert until == expected


def test_quiet_hours_inside_one_day_and_unknown_zones() -> None:
    assert quiet_until(datetime(2025, 1, 1, 13, tzinfo=UTC), ZoneInfo("UTC"), time(12), time(14)) == datetime(
        2025, 1, 1, 14, tzinfo=UTC
    )
    assert quiet_until(datetime(2025, 1, 1, 15, tzinfo=UTC), ZoneInfo("UTC"), time(12), time(14)) is None
    assert zone("Mars/Olympus", "Europe/Warsaw") == WARSAW
    assert zone(None) == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("cap", "used", "higher", "decision"),
    [
        (3, 0, 0, "take"),
        (3, 3, 0, "full"),
        (3, 2, 1, "yield"),
        (3, 1, 1, "take"),
        (3, 1, 2, "yield"),
        (1, 0, 0, "take"),
    ],
)
def test_slot_decision(cap: int, used: int, higher: int, decision: str) -> None:
    assert slot_decision(cap, used, higher) == decision


def test_settings_parse_caps_and_hours() -> None:
    assert parse_cap("3/7d") == (3, timedelta(days=7))
    assert parse_cap("10 / 12h") == (10, timedelta(hours=12))
    assert parse_hours("22:30-07:15") == (time(22, 30), time(7, 15))
    settings = Settings(frequency_caps={"push:marketing": "2/1d"}, quiet_hours={"email": "23:00-06:00"})
    assert settings.cap_for("push", "marketing") == (2, timedelta(days=1))
    assert settings.cap_for("email", "marketing") is None
    assert settings.cap_for("email", "transactional") is None
    assert settings.quiet_hours_for("email") == (time(23), time(6))
    with pytest.raises(ValidationError, match="3/7d"):
        Settings(frequency_caps={"email:marketing": "three a week"})
    with pytest.raises(ValidationError, match="channel:purpose"):
        Settings(frequency_caps={"email": "3/7d"})
    with pytest.raises(ValidationError, match="21:00-08:00"):
        Settings(quiet_hours={"sms": "late"})


def test_default_settings_are_the_designs() -> None:
    settings = Settings()
    assert settings.cap_for("email", "marketing") == (3, timedelta(days=7))
    assert settings.cap_for("sms", "marketing") == (1, timedelta(days=1))
    assert settings.quiet_hours_for("sms") == settings.quiet_hours_for("push") == (time(21), time(8))
    assert settings.consent_mode == "opt_out" and not settings.email_double_opt_in
    assert (
        settings.resolved_outbound_webhook_secret
        != Settings(secret_key="other").resolved_outbound_webhook_secret
    )

"""Quiet hours in the contact's own time zone: when a send must wait, and until when.

Only marketing waits (a password reset or an order update at 23:00 is expected); the
send is not dropped but deferred to the end of the window, which the journey waits for
durably and then tries again.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The contact's zone; an unknown or empty name falls back to `default`."""
    for candidate in (name, default, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def quiet_until(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime | None:
    """If `now` is inside the local window [start, end) (which may wrap past midnight),
    the UTC moment it ends; otherwise None."""
    local = now.astimezone(tz)
    at = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= at < end, local.date()
    else:
        inside = at >= start or at < end
        end_day = local.date() + timedelta(days=1) if at >= start else local.date()
    if not inside:
        return None
    # fold=0 and a round trip through UTC resolve clock changes (a skipped 02:00 → 03:00).
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)

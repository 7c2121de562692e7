"""Local time of day in the contact's time zone, for `wait_until_local` and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from temporalio import activity

from orkiestra.contracts import LocalTimeRequest
from orkiestra.db import SessionFactory
from orkiestra.persistence import contacts


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def next_local(now: datetime, tz: ZoneInfo, at: time, weekdays: list[int] | None = None) -> datetime:
    """The first moment after `now` that is `at` o'clock in `tz` (on one of `weekdays`)."""
    local = now.astimezone(tz)
    for days in range(0, 8):
        day = (local + timedelta(days=days)).date()
        candidate = datetime.combine(day, at, tzinfo=tz)
        if candidate <= local or (weekdays and candidate.weekday() not in weekdays):
            continue
        return candidate.astimezone(UTC)
    raise ValueError("weekdays must name at least one day between 0 (Monday) and 6 (Sunday)")


class ClockActivities:
    def __init__(self, sessions: SessionFactory, default_timezone: str = "UTC") -> None:
        self.sessions = sessions
        self.default_timezone = default_timezone

    @activity.defn(name="next_local_time")
    def next_local_time(self, request: LocalTimeRequest) -> datetime:
        with self.sessions() as session:
            contact = contacts.get_contact(session, request.contact_id)
            tz = zone(contact.timezone if contact else None, self.default_timezone)
        return next_local(request.now, tz, time(request.hour, request.minute), request.weekdays)

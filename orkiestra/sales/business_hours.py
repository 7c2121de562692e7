"""Business-hours arithmetic for SLA clocks.

A lead SLA ("contact within 4 business hours") counts only the owner's working time: the
owner's time zone, working days, opening hours, and public holidays from the `holidays`
package. Pure functions of their inputs, so the SLA journey can compute deadlines in an
activity (recorded in history) and tests can pin exact timestamps.

All arithmetic on instants happens in UTC: adding a timedelta to a zone-aware local
datetime adds wall-clock time, which is wrong across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

MAX_DAYS_SCANNED = 3660  # a calendar with no working day at all must not loop forever


@dataclass(frozen=True)
class BusinessCalendar:
    """When an owner works: time zone, hours, working weekdays (Monday = 0), holidays."""

    timezone: str = "Europe/Warsaw"
    country: str | None = "PL"
    subdivision: str | None = None
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("a business day must close after it opens")
        ZoneInfo(self.timezone)  # fail early on a bad zone name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return True
        return self.country is not None and day in _holidays(self.country, self.subdivision, day.year)

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays and not self.is_holiday(day)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing instants (UTC) of `day` in the calendar's zone."""
        tz = self.zone
        start = datetime.combine(day, self.opens, tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=tz).astimezone(UTC)
        return start, end


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> holidays_lib.HolidayBase:
    return holidays_lib.country_holidays(country, subdiv=subdivision, years=year)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("business-hours arithmetic needs an aware datetime")
    return moment.astimezone(UTC)


def _windows(start: datetime, calendar: BusinessCalendar) -> Iterator[tuple[datetime, datetime]]:
    """Working windows (UTC) that end after `start`, in order, the first one clipped."""
    day = start.astimezone(calendar.zone).date()
    for _ in range(MAX_DAYS_SCANNED):
        if calendar.is_workday(day):
            opens, closes = calendar.window(day)
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)
    raise ValueError("the calendar has no working time in ten years; check workdays and hours")


def add_business_hours(start: datetime, hours: float | timedelta, calendar: BusinessCalendar) -> datetime:
    """The instant `hours` of working time after `start` (UTC).

    The clock starts at the next opening when `start` is outside working hours, and a
    deadline that lands exactly on closing time stays there (17:00, not 09:00 next day).
    """
    remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
    if remaining < timedelta(0):
        raise ValueError("business hours to add must not be negative")
    begin = _aware(start)
    for opens, closes in _windows(begin, calendar):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable: _windows raises when it runs out")


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """Working time between two instants (zero when `end` is not after `start`)."""
    begin, finish = _aware(start), _aware(end)
    total = timedelta(0)
    if finish <= begin:
        return total
    for opens, closes in _windows(begin, calendar):
        if opens >= finish:
            break
        total += min(closes, finish) - opens
    return total


def is_business_time(moment: datetime, calendar: BusinessCalendar) -> bool:
    instant = _aware(moment)
    day = instant.astimezone(calendar.zone).date()
    if not calendar.is_workday(day):
        return False
    opens, closes = calendar.window(day)
    return opens <= instant < closes

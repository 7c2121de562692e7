"""Business-hours arithmetic: the SLA clock skips nights, weekends and holidays, in the
owner's zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from orkiestra.sales.business_hours import (
    BusinessCalendar,
    add_business_hours,
    business_time_between,
    is_business_time,
)

WARSAW = ZoneInfo("Europe/Warsaw")
PL = BusinessCalendar(timezone="Europe/Warsaw", country="PL")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


def test_within_one_day():
    assert add_business_hours(local(2026, 12, 1, 10), 4, PL) == local(2026, 12, 1, 14)


def test_a_deadline_on_closing_time_stays_on_closing_time():
    assert add_business_hours(local(2026, 12, 1, 13), 4, PL) == local(2026, 12, 1, 17)


def test_overnight_continues_next_morning():
    assert add_business_hours(local(2026, 12, 1, 16), 4, PL) == local(2026, 12, 2, 12)


def test_friday_afternoon_runs_into_monday():
    assert add_business_hours(local(2026, 12, 4, 16), 4, PL) == local(2026, 12, 7, 12)


def test_start_outside_hours_starts_at_next_opening():
    assert add_business_hours(local(2026, 12, 1, 20), 2, PL) == local(2026, 12, 2, 11)
    assert add_business_hours(local(2026, 12, 5, 11), 1, PL) == local(2026, 12, 7, 10)  # Saturday
    assert add_business_hours(local(2026, 12, 1, 7, 30), 0.5, PL) == local(2026, 12, 1, 9, 30)


def test_polish_holidays_are_skipped():
    # 2027-03-26 is a Friday; 29 March is Easter Monday (a public holiday in Poland).
    assert add_business_hours(local(2027, 3, 26, 16), 4, PL) == local(2027, 3, 30, 12)
    # 24-26 Dec 2026: Christmas Eve (since 2025), Christmas Day, Second Day of Christmas.
    assert add_business_hours(local(2026, 12, 23, 15), 4, PL) == local(2026, 12, 28, 11)


def test_dst_change_keeps_local_opening_hours():
    # Clocks go forward on 28 March 2027; Tuesday 09:00 is 07:00 UTC, Friday's was 08:00.
    due = add_business_hours(local(2027, 3, 26, 16), 1, PL)
    assert due == local(2027, 3, 26, 17)
    assert add_business_hours(local(2027, 3, 26, 17), 1, PL) == datetime(2027, 3, 30, 8, tzinfo=UTC)


def test_other_zone_and_country():
    ny = BusinessCalendar(timezone="America/New_York", country="US")
    start = datetime(2026, 11, 25, 16, tzinfo=ZoneInfo("America/New_York"))  # day before Thanksgiving
    assert add_business_hours(start, 2, ny) == datetime(2026, 11, 27, 10, tzinfo=ZoneInfo("America/New_York"))


def test_custom_hours_workdays_and_company_holidays():
    cal = BusinessCalendar(
        timezone="Europe/Warsaw",
        country=None,
        opens=time(8),
        closes=time(12),
        workdays=(0, 1, 2, 3),
        extra_holidays=frozenset({date(2026, 12, 1)}),
    )
    # Monday 11:00 + 3h: 1h Monday, Tuesday is a company holiday, 2h Wednesday.
    assert add_business_hours(local(2026, 11, 30, 11), 3, cal) == local(2026, 12, 2, 10)
    # Thursday 11:00 + 2h: Friday is not a workday.
    assert add_business_hours(local(2026, 12, 3, 11), 2, cal) == local(2026, 12, 7, 9)


def test_zero_hours_and_fractions():
    assert add_business_hours(local(2026, 12, 1, 10), 0, PL) == local(2026, 12, 1, 10)
    assert add_business_hours(local(2026, 12, 1, 10), timedelta(minutes=90), PL) == local(2026, 12, 1, 11, 30)


def test_business_time_between_is_the_inverse():
    start = local(2027, 3, 26, 16)
    for hours in (0.25, 1, 3, 4, 8, 19.5):
        end = add_business_hours(start, hours, PL)
        assert business_time_between(start, end, PL) == timedelta(hours=hours)
    assert business_time_between(end, start, PL) == timedelta(0)


def test_is_business_time():
    assert is_business_time(local(2026, 12, 1, 9), PL)
    assert not is_business_time(local(2026, 12, 1, 17), PL)
    assert not is_business_time(local(2027, 3, 29, 10), PL)  # Easter Monday
    assert not is_business_time(local(2026, 12, 5, 10), PL)  # Saturday


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_hours(datetime(2026, 12, 1, 10), 1, PL)
    with pytest.raises(ValueError, match="negative"):
        add_business_hours(local(2026, 12, 1, 10), -1, PL)
    with pytest.raises(ValueError, match="close after"):
        BusinessCalendar(opens=time(17), closes=time(9))
    with pytest.raises(ValueError, match="no working time"):
        add_business_hours(local(2026, 12, 1, 10), 1, BusinessCalendar(workdays=()))

"""Helpers for the lead SLA tests: move virtual time to a local moment, read the CRM."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from orkiestra.db import transaction
from orkiestra.models import CrmNote, CrmTask
from orkiestra.persistence import crm
from orkiestra.persistence.ingest import store_calls
from orkiestra.sales.business_hours import BusinessCalendar
from orkiestra.segment import TrackCall
from tests.support import async_wait_until
from worker.testkit import JourneyTestKit

WARSAW = ZoneInfo("Europe/Warsaw")
PL = BusinessCalendar("Europe/Warsaw", "PL")


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WARSAW).astimezone(UTC)


async def plain_tuesday(kit: JourneyTestKit) -> date:
    """A Tuesday after the kit's virtual now whose Tuesday and Wednesday are workdays."""
    day = (await kit.now()).astimezone(WARSAW).date() + timedelta(days=1)
    while not (day.weekday() == 1 and PL.is_workday(day) and PL.is_workday(day + timedelta(days=1))):
        day += timedelta(days=1)
    return day


async def friday_before_holiday_monday(kit: JourneyTestKit) -> date:
    """The next Friday (a workday) whose Monday is a Polish public holiday."""
    day = (await kit.now()).astimezone(WARSAW).date() + timedelta(days=1)
    while not (
        day.weekday() == 4
        and PL.is_workday(day)
        and PL.is_holiday(day + timedelta(days=3))
        and PL.is_workday(day + timedelta(days=4))
    ):
        day += timedelta(days=1)
    return day


async def travel_to(kit: JourneyTestKit, moment: datetime) -> None:
    now = await kit.now()
    assert moment > now, f"cannot travel back to {moment} from {now}"
    await kit.skip(moment - now)


def qualify(kit: JourneyTestKit, contact: str) -> None:
    """Make the contact an MQL through ingest (demo request + e-book = 60 points)."""
    with transaction(kit.sessions) as session:
        for name in ("Demo Requested", "Ebook Downloaded"):
            call = TrackCall(userId=contact, event=name, messageId=str(uuid.uuid4()))
            store_calls(session, [call], frozenset())


def tasks(kit: JourneyTestKit, contact: str, kind: str | None = None) -> list[CrmTask]:
    with kit.sessions() as session:
        rows = list(reversed(crm.tasks(session, None, None, contact, 100)))
    return [t for t in rows if kind is None or t.kind == kind]


def notes(kit: JourneyTestKit, contact: str) -> list[CrmNote]:
    with kit.sessions() as session:
        return crm.notes(session, contact)


async def wait_for_task(kit: JourneyTestKit, contact: str, kind: str, count: int = 1) -> list[CrmTask]:
    return await async_wait_until(
        lambda: (found := tasks(kit, contact, kind)) and len(found) >= count and found,
        what=f"{count} {kind} task(s) for {contact}",
    )

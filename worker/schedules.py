"""Temporal Schedules the worker keeps in place (the daily scan; scoring has its own).

Created at worker start-up; when it already exists it is updated to the current
definition, so a changed hour or task queue reaches the server with the next deploy.
Several workers starting at once race harmlessly: "already exists" is success.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from orkiestra.logging import get_logger
from orkiestra.settings import Settings

DAILY_SCAN_ID = "orkiestra-daily-scan"
DAILY_SCAN_AT = timedelta(hours=6)  # 06:00 UTC: before Europe's and after America's working day
log = get_logger(__name__)


def daily_scan_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            "daily-scan",
            id=f"{DAILY_SCAN_ID}-run",
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=DAILY_SCAN_AT)]),
        # A worker outage of up to two days is caught up; each missed day runs once.
        policy=SchedulePolicy(catchup_window=timedelta(days=2)),
    )


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Create the schedule, or bring an existing one to this definition (keeping what an
    operator set on the server, e.g. paused with a note)."""
    try:
        await client.create_schedule(schedule_id, schedule)
        log.info("schedule.created", schedule_id=schedule_id)
        return
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        schedule.state = current.description.schedule.state
        return ScheduleUpdate(schedule=schedule)

    await client.get_schedule_handle(schedule_id).update(update)
    log.info("schedule.updated", schedule_id=schedule_id)


async def ensure_daily_scan(client: Client, settings: Settings) -> None:
    await ensure_schedule(client, DAILY_SCAN_ID, daily_scan_schedule(settings))

"""The Temporal Schedule of the daily scoring maintenance (rescore + decay).

Kept in place by the worker at start-up like the daily scan (worker/schedules.py): created
when missing, updated to the current cron and task queue when present, "already exists"
from a racing worker is success. The cron comes from ORKIESTRA_SCORING_SCHEDULE_CRON (UTC).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from orkiestra.logging import get_logger
from orkiestra.settings import Settings

SCORING_SCHEDULE_ID = "orkiestra-scoring"
log = get_logger(__name__)


def scoring_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            "scoring-maintenance", id=f"{SCORING_SCHEDULE_ID}-run", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(cron_expressions=[settings.scoring_schedule_cron]),
        policy=SchedulePolicy(catchup_window=timedelta(days=2)),
    )


async def ensure_scoring_schedule(client: Client, settings: Settings) -> None:
    schedule = scoring_schedule(settings)
    try:
        await client.create_schedule(SCORING_SCHEDULE_ID, schedule)
        log.info("schedule.created", schedule_id=SCORING_SCHEDULE_ID)
        return
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        schedule.state = current.description.schedule.state  # keep an operator's pause
        return ScheduleUpdate(schedule=schedule)

    await client.get_schedule_handle(SCORING_SCHEDULE_ID).update(update)
    log.info("schedule.updated", schedule_id=SCORING_SCHEDULE_ID)

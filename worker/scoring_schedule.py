"""The Temporal Schedule of the daily scoring maintenance (rescore + decay).

Kept in place by the worker at start-up like the daily scan (worker/schedules.py): created
when missing, updated to the current cron and task queue when present, "already exists"
from a racing worker is success. The cron comes from ORKIESTRA_SCORING_SCHEDULE_CRON (UTC).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client, Schedule, ScheduleActionStartWorkflow, SchedulePolicy, ScheduleSpec

from orkiestra.settings import Settings
from worker.schedules import ensure_schedule

SCORING_SCHEDULE_ID = "orkiestra-scoring"


def scoring_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            "scoring-maintenance", id=f"{SCORING_SCHEDULE_ID}-run", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(cron_expressions=[settings.scoring_schedule_cron]),
        policy=SchedulePolicy(catchup_window=timedelta(days=2)),
    )


async def ensure_scoring_schedule(client: Client, settings: Settings) -> None:
    await ensure_schedule(client, SCORING_SCHEDULE_ID, scoring_schedule(settings))

"""Decay runs as one scheduled workflow over the database, not one timer per contact."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.client import ScheduleActionStartWorkflow
from temporalio.testing import WorkflowEnvironment

from orkiestra.db import transaction
from orkiestra.persistence import scoring
from orkiestra.persistence.ingest import store_calls
from orkiestra.sales.contracts import ScoringJob, ScoringJobResult
from orkiestra.segment import TrackCall
from orkiestra.settings import Settings
from worker.scoring_schedule import SCORING_SCHEDULE_ID, ensure_scoring_schedule
from worker.testkit import JourneyTestKit


async def test_the_maintenance_workflow_decays_inactive_contacts(kit: JourneyTestKit):
    now = await kit.now()
    with transaction(kit.sessions) as session:
        for contact, days in (("sleepy", 61), ("awake", 3)):
            call = TrackCall(
                userId=contact,
                event="Demo Requested",
                messageId=str(uuid.uuid4()),
                timestamp=now - timedelta(days=days),
            )
            store_calls(session, [call], frozenset())
    result = await kit.client.execute_workflow(
        "scoring-maintenance",
        ScoringJob(now=now),
        id=f"scoring-{uuid.uuid4().hex[:6]}",
        task_queue=kit.settings.task_queue,
        result_type=ScoringJobResult,
    )
    assert (result.contacts, result.points) == (1, -20)
    with kit.sessions() as session:
        assert scoring.current(session, "sleepy").score == 20
        assert scoring.current(session, "awake").score == 40


async def test_the_worker_keeps_the_schedule_in_place(dev_server_env: WorkflowEnvironment):
    settings = Settings(env="test", task_queue="tq-scoring", scoring_schedule_cron="30 2 * * *")
    client = dev_server_env.client
    await ensure_scoring_schedule(client, settings)
    await ensure_scoring_schedule(client, settings.model_copy(update={"scoring_schedule_cron": "45 4 * * *"}))
    handle = client.get_schedule_handle(SCORING_SCHEDULE_ID)
    try:
        described = await handle.describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("scoring-maintenance", "tq-scoring")
        # The server keeps a cron as a calendar: 04:45 UTC every day, the updated time.
        [calendar] = described.schedule.spec.calendars
        assert ([r.start for r in calendar.hour], [r.start for r in calendar.minute]) == ([4], [45])
    finally:
        await handle.delete()

"""Run a worker: the journeys and their activities on one task queue.

Scale by starting more of these processes (one Python worker is bound by the GIL);
they share the task queue and Temporal spreads the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from orkiestra.db import make_engine, make_session_factory, migrate
from orkiestra.logging import get_logger
from orkiestra.settings import Settings
from worker import registry
from worker.schedules import ensure_daily_scan
from worker.scoring_schedule import ensure_scoring_schedule
from worker.temporal import connect, ensure_search_attributes

log = get_logger(__name__)


def build_worker(
    client: Client,
    deps: registry.Dependencies,
    executor: ThreadPoolExecutor,
    task_queue: str | None = None,
    extra_workflows: Sequence[type] = (),
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue or deps.settings.task_queue,
        workflows=[*registry.workflows(), *extra_workflows],
        activities=registry.activities(deps),
        activity_executor=executor,
        # Sync activities run on the executor's threads; never accept more than it can run.
        max_concurrent_activities=executor._max_workers,
        max_concurrent_local_activities=64,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    engine = make_engine(settings.resolved_database_url)
    if settings.auto_migrate:
        migrate(engine)
    client = await connect(settings)
    await ensure_search_attributes(client, settings.temporal_namespace)
    # Here, not in build_worker: tests build workers too and must not get the schedule.
    await ensure_daily_scan(client, settings)
    await ensure_scoring_schedule(client, settings)
    deps = registry.Dependencies(settings=settings, sessions=make_session_factory(engine))
    with ThreadPoolExecutor(max_workers=32, thread_name_prefix="activity") as executor:
        worker = build_worker(client, deps, executor)
        log.info("worker.started", task_queue=settings.task_queue, address=settings.temporal_address)
        async with worker:
            await (stop.wait() if stop else asyncio.Event().wait())
    log.info("worker.stopped")

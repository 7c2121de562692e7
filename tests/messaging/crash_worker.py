"""One worker process for the crash test: the production registry plus the sample
journeys, settings from `ORKIESTRA_*`. Run as `python -m tests.messaging.crash_worker`;
with `ORKIESTRA_TEST_FAULT=after_provider_call` it dies right after a provider call."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from orkiestra.db import make_engine, make_session_factory
from orkiestra.logging import configure_logging
from orkiestra.settings import Settings
from tests.messaging.sample_journeys import SAMPLES
from worker import registry
from worker.main import build_worker
from worker.temporal import connect


async def main() -> None:
    settings = Settings()
    configure_logging("console", "WARNING")
    engine = make_engine(settings.resolved_database_url)
    client = await connect(settings)
    deps = registry.Dependencies(settings=settings, sessions=make_session_factory(engine))
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(client, deps, executor, extra_workflows=SAMPLES):
            await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())

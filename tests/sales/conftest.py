"""Fixtures for the sales tests: a migrated database on SQLite and PostgreSQL, the kit
with a sales team, a loopback HubSpot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from orkiestra.db import SessionFactory, make_engine, make_session_factory, migrate
from tests.sales.hubspot_server import FakeHubSpot
from worker.sales_team import seed_sales_team
from worker.testkit import JourneyTestKit


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> SessionFactory:
    migrate(engine)
    return make_session_factory(engine)


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    server = FakeHubSpot().start()
    yield server
    server.stop()


@pytest.fixture
async def sales_kit(time_skipping_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[JourneyTestKit]:
    """The journey kit with the demo sales team (Adam, Ewa; manager Maria) and a 4-hour SLA."""
    async with JourneyTestKit.start(env=time_skipping_env, home=tmp_path, sla_business_hours=4.0) as kit:
        seed_sales_team(kit.sessions)
        yield kit

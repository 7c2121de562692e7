"""The real app (real lifespan, real database) behind a TestClient, on SQLite and PostgreSQL.

No Temporal address is set, so the app runs without a client and without a dispatcher:
outbox rows stay in the table where the tests can look at them. The database is migrated
once per session and emptied before each test (see tests/orkiestra/reused_db.py); the
app's own start-up migration then finds the schema current, as it would in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from orkiestra.db import SessionFactory
from orkiestra.settings import Settings
from tests.api.support import ADMIN_KEY, WRITE_KEY, Ingest
from tests.orkiestra import reused_db

# Fixtures from tests/orkiestra/reused_db.py (only the root conftest may declare plugins).
reused_databases = reused_db.reused_databases
clean_database_url = reused_db.clean_database_url


@pytest.fixture
def api_settings(tmp_path: Path, clean_database_url: str) -> Settings:
    return Settings(
        env="test",
        home=tmp_path,
        database_url=clean_database_url,
        temporal_address=None,
        write_key=WRITE_KEY,
        admin_key=ADMIN_KEY,
    )


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


@pytest.fixture
def db(client: TestClient) -> SessionFactory:
    """The app's own session factory, to look at what a request stored."""
    return client.app.state.orkiestra.sessions  # type: ignore[attr-defined]


@pytest.fixture
def ingest(client: TestClient) -> Ingest:
    return Ingest(client)

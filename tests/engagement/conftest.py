"""The real app (real lifespan, real database) behind a TestClient, on SQLite and
PostgreSQL, for the preference center, tracking, provider feedback, GDPR and inbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from orkiestra.db import SessionFactory
from orkiestra.settings import Settings
from tests.engagement.support import ADMIN_KEY, WRITE_KEY


@pytest.fixture
def app_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="test",
        home=tmp_path,
        database_url=database_url,
        temporal_address=None,
        write_key=WRITE_KEY,
        admin_key=ADMIN_KEY,
        secret_key="engagement-test-secret",
        public_url="http://testserver",
        email_from="Sklep Ali <hello@sklep.example>",
    )


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


@pytest.fixture
def db(client: TestClient) -> SessionFactory:
    """The app's own session factory, to seed data and look at what a request stored."""
    return client.app.state.orkiestra.sessions  # type: ignore[attr-defined]

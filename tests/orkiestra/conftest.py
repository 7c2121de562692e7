"""Databases for the persistence and migration tests (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from orkiestra.db import SessionFactory, make_engine, make_session_factory
from tests.orkiestra import reused_db
from tests.support import IN_CI, create_postgres_database, postgres_available

# Fixtures from tests/orkiestra/reused_db.py (only the root conftest may declare plugins).
reused_databases = reused_db.reused_databases
clean_database_url = reused_db.clean_database_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A brand-new, empty database (not migrated): for the migration tests."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(clean_database_url: str) -> Iterator[SessionFactory]:
    """A migrated database with every table empty: for the persistence tests."""
    engine = make_engine(clean_database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, for tests that only make sense there."""
    reason = postgres_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    url, drop = create_postgres_database()
    try:
        yield url
    finally:
        drop()

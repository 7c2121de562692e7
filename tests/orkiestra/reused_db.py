"""Migrated databases reused across tests and emptied before each one.

A fresh PostgreSQL database plus a full Alembic run costs seconds per test; hundreds of
ingest and persistence tests would take most of CI's budget. These tests need an empty,
migrated schema, not a new database, so each dialect is created and migrated once per
session and every table is emptied before each test. Migration tests keep using the
root `database_url` fixture (a brand-new, empty database each time).

Imported into the conftest files that want it: `from tests.orkiestra.reused_db import ...`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, text

from orkiestra.db import make_engine, migrate
from tests.support import IN_CI, create_postgres_database, postgres_available


class ReusedDatabases:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.engines: dict[str, Engine] = {}
        self.order: dict[str, list[str]] = {}
        self.drops: list[object] = []

    def url(self, kind: str) -> str:
        engine = self.engines.get(kind)
        if engine is None:
            if kind == "sqlite":
                url = f"sqlite:///{self.folder / 'reused.db'}"
            else:
                url, drop = create_postgres_database()
                self.drops.append(drop)
            engine = make_engine(url)
            migrate(engine)
            self.engines[kind] = engine
        return engine.url.render_as_string(hide_password=False)

    def empty(self, kind: str) -> None:
        engine = self.engines[kind]
        if kind not in self.order:
            reflected = MetaData()
            reflected.reflect(engine)
            # children before parents, in case a table has a foreign key
            self.order[kind] = [
                t.name for t in reversed(reflected.sorted_tables) if t.name != "alembic_version"
            ]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Fail fast instead of hanging if a previous test left a transaction open.
                connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            # DELETE, not TRUNCATE: on small tables it is far cheaper (no new files, no fsync).
            for name in self.order[kind]:
                connection.execute(text(f'DELETE FROM "{name}"'))

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
        for drop in self.drops:
            drop()  # type: ignore[operator]


@pytest.fixture(scope="session")
def reused_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReusedDatabases]:
    databases = ReusedDatabases(tmp_path_factory.mktemp("reused-db"))
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def clean_database_url(request: pytest.FixtureRequest, reused_databases: ReusedDatabases) -> str:
    """A migrated, empty database: SQLite, then the machine's PostgreSQL."""
    kind: str = request.param
    if kind == "postgres":
        reason = postgres_available()
        if reason:
            if IN_CI:
                pytest.fail(f"CI=true but {reason}")
            pytest.skip(reason)
    url = reused_databases.url(kind)
    reused_databases.empty(kind)
    return url

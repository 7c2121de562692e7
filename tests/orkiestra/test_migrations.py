"""Alembic migrations create exactly what the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, String, Table, inspect, text
from sqlmodel import SQLModel

from orkiestra.db import alembic_config, make_engine, make_session_factory, migrate, transaction
from orkiestra.models import Contact


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def test_migrate_on_an_empty_database_creates_every_model_table(engine: Engine) -> None:
    assert tables(engine) == set()
    migrate(engine)
    assert tables(engine) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert current(engine) == heads()


def test_migrate_twice_is_a_no_op_that_keeps_data(engine: Engine) -> None:
    migrate(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        session.add(Contact(id="u1", email="a@example.com", created_at=datetime.now(UTC)))
    before = tables(engine)
    migrate(engine)
    assert tables(engine) == before
    assert current(engine) == heads()
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT email FROM contacts WHERE id = 'u1'")).scalar_one()
            == "a@example.com"
        )
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == len(heads())


def test_alembic_head_matches_the_models(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": engine.dialect.name == "sqlite"},
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_the_comparison_notices_a_model_change(engine: Engine) -> None:
    """Guards the test above against comparing nothing."""
    migrate(engine)
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    Table("contacts", changed, Column("nickname", String(50)), extend_existing=True)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), changed)
    added = [(d[2], d[3].name) for d in diff if isinstance(d, tuple) and d[0] == "add_column"]
    assert added == [("contacts", "nickname")]


@pytest.mark.postgres
def test_concurrent_migrate_on_postgres_does_not_fail(postgres_url: str) -> None:
    engines = [make_engine(postgres_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))

    def run(engine: Engine) -> None:
        barrier.wait()
        migrate(engine)

    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(run, engines))  # re-raises the first failure
        assert tables(engines[0]) == set(SQLModel.metadata.tables) | {"alembic_version"}
        assert current(engines[0]) == heads()
    finally:
        for engine in engines:
            engine.dispose()

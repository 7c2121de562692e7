"""Database engine, sessions and migrations.

SQLite (the embedded default) is opened in WAL mode with a busy timeout, because the API
and the worker are separate processes writing to one file. PostgreSQL is used as is.
Schema changes go through Alembic so an upgrade never loses data; `migrate()` is safe
to call from several processes at once (PostgreSQL takes an advisory lock).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

import orkiestra.models  # noqa: F401  (registers tables)
from orkiestra.logging import get_logger

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK_ID = 7_230_001
log = get_logger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would BEGIN lazily (deferred) before the first
    # write; we emit BEGIN ourselves (see _sqlite_begin) so writers can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Writers take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
    reads and then writes can fail at once with "database is locked" when another process
    wrote in between, without the busy timeout ever applying."""
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        engine._orkiestra_write_lock = threading.Lock()  # type: ignore[attr-defined]
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


SessionFactory = sessionmaker[Session]


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """A session whose work commits together or not at all.

    On SQLite the threads of one process queue on an in-process lock instead of
    busy-waiting on the file lock, and the transaction starts IMMEDIATE (see above).
    """
    engine = factory.kw["bind"]
    lock = getattr(engine, "_orkiestra_write_lock", None)
    with lock if lock is not None else nullcontext(), factory() as session, session.begin():
        if lock is not None:
            session.connection(execution_options={"sqlite_immediate": True})
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_MIGRATING = threading.Lock()  # Alembic's context is process-global: one migration at a time


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Processes migrating one SQLite file (a separately started api and worker) take turns."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (idempotent, concurrency-safe: a thread
    lock, a file lock on SQLite and an advisory lock on PostgreSQL)."""
    with _MIGRATING, _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = connection
        # "heads": parallel branches of migrations (merged later) all apply.
        command.upgrade(cfg, "heads")
    log.info("db.migrated", dialect=engine.dialect.name)


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))

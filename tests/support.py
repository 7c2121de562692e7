"""Real parts for tests: an SMTP server on loopback, databases, condition waits."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from aiosmtpd.controller import Controller

from orkiestra.devstack import free_port
from worker.testkit import MailSink

T = TypeVar("T")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_ADMIN_URL = os.environ.get("ORKIESTRA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class SmtpSink(MailSink):
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)


def wait_until(condition: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


async def async_wait_until(condition: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def postgres_available() -> str | None:
    """None when the machine's PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"


def create_postgres_database() -> tuple[str, Callable[[], None]]:
    """A fresh database with a random name, and the function that drops it."""
    import psycopg

    name = f"orkiestra_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")

    def drop() -> None:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop

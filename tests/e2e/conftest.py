"""`orkiestra dev` as a user runs it: a subprocess on free ports with its own home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from orkiestra.devstack import free_port
from tests.support import SmtpSink, wait_until


@dataclass
class DevStack:
    proc: subprocess.Popen[bytes]
    api: str
    temporal_port: int
    ui_port: int
    home: Path
    log: Path

    def get(self, path: str, **kw: object) -> httpx.Response:
        return httpx.get(self.api + path, headers={"Authorization": "Bearer dev-admin-key"}, timeout=10, **kw)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=60)
        return self.proc.returncode


def start_dev(
    home: Path, smtp: SmtpSink | None, *, api_port: int | None = None, temporal_port: int | None = None
) -> DevStack:
    api_port = api_port or free_port()
    temporal_port = temporal_port or free_port()
    ui_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORKIESTRA_")}
    if smtp is not None:
        env.update(ORKIESTRA_SMTP_HOST="127.0.0.1", ORKIESTRA_SMTP_PORT=str(smtp.port))
    log = home.parent / f"{home.name}-dev.log"
    args = [
        sys.executable,
        "-m",
        "orkiestra.cli",
        "dev",
        "--home",
        str(home),
        "--api-port",
        str(api_port),
        "--temporal-port",
        str(temporal_port),
        "--ui-port",
        str(ui_port),
        "--smtp-port",
        str(free_port()),
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    stack = DevStack(proc, f"http://127.0.0.1:{api_port}", temporal_port, ui_port, home, log)

    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"orkiestra dev exited early:\n{log.read_text()[-4000:]}")
        try:
            return httpx.get(stack.api + "/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=120, what="orkiestra dev to report healthy")
    return stack


@pytest.fixture
def dev_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def dev_stack(dev_home: Path, smtp: SmtpSink) -> Iterator[DevStack]:
    stack = start_dev(dev_home, smtp)
    yield stack
    stack.stop()

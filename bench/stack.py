"""The system under test, as subprocesses on loopback: Temporal dev server, the
orkiestra API and worker, and the bare-Temporal baseline worker.

Every child gets SIGTERM if the bench dies (PR_SET_PDEATHSIG) and is stopped on exit;
state lives in a temporary folder that is removed afterwards unless asked to keep it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from orkiestra.devstack import free_port, wait_for_port
from worker.temporal import bundled_binary

HOST = "127.0.0.1"
ORKIESTRA_QUEUE = "orkiestra"
BARE_QUEUE = "bench-bare"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (KiB) of a process, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Stack:
    sink_port: int
    keep: bool = False
    log_level: str = "INFO"
    database_url: str | None = None
    temporal_pragmas: list[str] = field(default_factory=list)
    api_workers: int = 1
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="orkiestra-bench-")))
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.temporal_port = free_port(HOST)
        self.api_port = free_port(HOST)
        self.temporal_address = f"{HOST}:{self.temporal_port}"
        self.api_url = f"http://{HOST}:{self.api_port}"
        self.logs = self.home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    # ----- environment -------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORKIESTRA_")}
        env.update(
            {
                "ORKIESTRA_ENV": "dev",
                "ORKIESTRA_HOME": str(self.home),
                "ORKIESTRA_TEMPORAL_ADDRESS": self.temporal_address,
                "ORKIESTRA_SMTP_HOST": HOST,
                "ORKIESTRA_SMTP_PORT": str(self.sink_port),
                "ORKIESTRA_AUTO_MIGRATE": "false",
                "ORKIESTRA_PUBLIC_URL": self.api_url,
                "ORKIESTRA_LOG_LEVEL": self.log_level,
                "ORKIESTRA_LOG_FORMAT": "json",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.database_url:
            env["ORKIESTRA_DATABASE_URL"] = self.database_url
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        proc = subprocess.Popen(
            args,
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            cwd=Path(__file__).resolve().parent.parent,
        )
        self.procs[name] = proc
        return proc

    # ----- start / stop --------------------------------------------------------------
    async def start(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        await asyncio.to_thread(self._start_processes, deadline)
        await self._wait_healthy(deadline)
        client = await Client.connect(self.temporal_address)
        for queue in (ORKIESTRA_QUEUE, BARE_QUEUE):
            await self._wait_pollers(client, queue, deadline)

    def _start_processes(self, deadline: float) -> None:
        temporal = self._spawn(
            "temporal",
            [
                bundled_binary("temporal"),
                "server",
                "start-dev",
                "--headless",
                "--ip",
                HOST,
                "--port",
                str(self.temporal_port),
                "--http-port",
                str(free_port(HOST)),
                "--metrics-port",
                str(free_port(HOST)),
                "--db-filename",
                str(self.home / "temporal.db"),
                "--search-attribute",
                "ContactId=Keyword",
                "--search-attribute",
                "JourneyName=Keyword",
                "--log-level",
                "warn",
                *(arg for pragma in self.temporal_pragmas for arg in ("--sqlite-pragma", pragma)),
            ],
        )
        wait_for_port(HOST, self.temporal_port, deadline, temporal)
        subprocess.run(
            [sys.executable, "-m", "orkiestra.cli", "migrate"],
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=max(5.0, deadline - time.monotonic()),
        )
        self._spawn("worker", [sys.executable, "-m", "orkiestra.cli", "worker"])
        self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "orkiestra.cli",
                "api",
                "--host",
                HOST,
                "--port",
                str(self.api_port),
                "--workers",
                str(self.api_workers),
            ],
        )
        self._spawn(
            "bare-worker",
            [
                sys.executable,
                "-m",
                "bench.bare",
                "--address",
                self.temporal_address,
                "--task-queue",
                BARE_QUEUE,
                "--smtp-port",
                str(self.sink_port),
            ],
        )

    def _check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {proc.returncode} while starting; see {self.logs / name}.log"
                )

    async def _wait_healthy(self, deadline: float) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            while time.monotonic() < deadline:
                self._check_alive()
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.api_url}/health")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise TimeoutError(f"API at {self.api_url} not healthy in time; see {self.logs}/api.log")

    async def _wait_pollers(self, client: Client, queue: str, deadline: float) -> None:
        request = DescribeTaskQueueRequest(
            namespace="default",
            task_queue=TaskQueue(name=queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        while time.monotonic() < deadline:
            self._check_alive()
            if (await client.workflow_service.describe_task_queue(request)).pollers:
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"no worker polls task queue {queue!r}; see {self.logs}")

    def stop(self) -> None:
        """Stop the clients of Temporal first, then the server."""
        clients = [p for n, p in self.procs.items() if n != "temporal"]
        for group in (clients, [self.procs["temporal"]] if "temporal" in self.procs else []):
            for proc in group:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in group:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if not self.keep:
            shutil.rmtree(self.home, ignore_errors=True)

    # ----- observation ---------------------------------------------------------------
    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each child and by the bench process itself."""
        out = {name: cpu_seconds(p.pid) for name, p in self.procs.items() if p.poll() is None}
        out["bench"] = cpu_seconds(os.getpid())
        return out

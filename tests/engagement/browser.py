"""Real parts for the browser test: the API under uvicorn on a loopback port, and
Debian's chromium driven by playwright (which never downloads a browser of its own)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.main import create_app
from orkiestra.settings import Settings
from tests.support import IN_CI, wait_until

CHROMIUM = Path(os.environ.get("ORKIESTRA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip with the reason when chromium or playwright is missing; under CI=true, fail."""
    problem = None
    if not CHROMIUM.exists():
        problem = (
            f"Debian's chromium is not at {CHROMIUM}: run `make chromium` (as root) "
            "or `apt-get install -y chromium`"
        )
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed: pip install -e '.[dev]'"
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true but {problem}")
        pytest.skip(problem)


@contextlib.contextmanager
def running_api(settings: Settings, port: int) -> Iterator[str]:
    """The real app under uvicorn in a thread; yields its base URL, stops it after."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), what="uvicorn to start")
        assert server.started, "uvicorn did not start; see the log above"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.asynccontextmanager
async def chromium_page() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 760, "height": 1100})
            yield await context.new_page()
        finally:
            await browser.close()

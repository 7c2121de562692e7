"""Test-only fault injection: kill the worker at a named point of the messaging path.

Off unless BOTH `ORKIESTRA_ENV=test` and `ORKIESTRA_TEST_FAULT=<point>` are set, so it
can never fire in dev or production. The idempotency test uses
`after_provider_call` to kill a real worker process after the provider took a message
and before the message log says so.
"""

from __future__ import annotations

import os

from orkiestra.settings import Settings

EXIT_CODE = 77


def crash_point(name: str, settings: Settings) -> None:
    if settings.env == "test" and os.environ.get("ORKIESTRA_TEST_FAULT") == name:
        os._exit(EXIT_CODE)

"""The `orkiestra` command as an operator meets it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ORKIESTRA_")}
    base.update({"ORKIESTRA_HOME": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "orkiestra.cli", *args], env=base, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_default_secrets(tmp_path: Path):
    result = _run(["api"], tmp_path, ORKIESTRA_ENV="production")
    assert result.returncode == 2
    for name in ("ORKIESTRA_WRITE_KEY", "ORKIESTRA_ADMIN_KEY", "ORKIESTRA_SECRET_KEY"):
        assert name in result.stderr


def test_migrate_logs_json_with_dotted_event_names_in_production(tmp_path: Path):
    result = _run(
        ["migrate"],
        tmp_path,
        ORKIESTRA_ENV="production",
        ORKIESTRA_WRITE_KEY="w" * 32,
        ORKIESTRA_ADMIN_KEY="a" * 32,
        ORKIESTRA_SECRET_KEY="s" * 32,
        ORKIESTRA_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert {"event": "db.migrated", "dialect": "sqlite"}.items() <= lines[-1].items()
    assert (tmp_path / "prod.db").is_file()


def test_invalid_setting_is_reported_not_a_traceback(tmp_path: Path):
    result = _run(["migrate"], tmp_path, ORKIESTRA_SMTP_PORT="not-a-number")
    assert result.returncode == 2
    assert "smtp_port" in result.stderr
    assert "Traceback" not in result.stderr


def test_histories_check_passes_on_the_shipped_histories(tmp_path: Path):
    result = _run(["histories", "check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok      welcome-series.completed.json" in result.stdout

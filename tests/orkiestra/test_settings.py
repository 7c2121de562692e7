"""Settings come from `ORKIESTRA_*` variables; production refuses the development secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from orkiestra.cli import app
from orkiestra.settings import DEV_ADMIN_KEY, DEV_SECRET_KEY, DEV_WRITE_KEY, InsecureDefaultsError, Settings

SECRETS = {
    "ORKIESTRA_WRITE_KEY": "w" * 32,
    "ORKIESTRA_ADMIN_KEY": "a" * 32,
    "ORKIESTRA_SECRET_KEY": "s" * 32,
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ORKIESTRA_* variable from the machine leaks in; relative paths land in tmp."""
    for name in list(os.environ):
        if name.upper().startswith("ORKIESTRA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_contract_variables_map_to_fields(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {
        "ORKIESTRA_DATABASE_URL": "postgresql+psycopg://app:pw@db:5432/orkiestra",
        "ORKIESTRA_TEMPORAL_ADDRESS": "temporal:7233",
        "ORKIESTRA_WRITE_KEY": "write-123",
        "ORKIESTRA_ADMIN_KEY": "admin-456",
        "ORKIESTRA_SMTP_HOST": "smtp.example.com",
        "ORKIESTRA_SMTP_PORT": "2525",
        "ORKIESTRA_EMAIL_FROM": "Team <team@example.com>",
        "ORKIESTRA_SECRET_KEY": "secret-789",
        "ORKIESTRA_PUBLIC_URL": "https://mail.example.com",
        "ORKIESTRA_CRM": "hubspot",
        "ORKIESTRA_HUBSPOT_URL": "http://127.0.0.1:9999",
        "ORKIESTRA_HUBSPOT_TOKEN": "pat-eu1-abc",
        "ORKIESTRA_HOME": str(tmp_path / "state"),
        "ORKIESTRA_ENV": "test",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert s.database_url == "postgresql+psycopg://app:pw@db:5432/orkiestra"
    assert s.resolved_database_url == s.database_url
    assert s.temporal_address == "temporal:7233"
    assert (s.write_key, s.admin_key, s.secret_key) == ("write-123", "admin-456", "secret-789")
    assert (s.smtp_host, s.smtp_port) == ("smtp.example.com", 2525)
    assert s.email_from == "Team <team@example.com>"
    assert s.public_url == "https://mail.example.com"
    assert (s.crm, s.hubspot_url, s.hubspot_token) == ("hubspot", "http://127.0.0.1:9999", "pat-eu1-abc")
    assert s.home == tmp_path / "state"
    assert s.env == "test"


def test_defaults_are_the_embedded_dev_stack() -> None:
    s = Settings()
    assert s.env == "dev"
    assert s.temporal_address is None
    assert s.crm == "builtin"
    assert (s.write_key, s.admin_key, s.secret_key) == (DEV_WRITE_KEY, DEV_ADMIN_KEY, DEV_SECRET_KEY)
    assert s.resolved_log_format == "console"


def test_default_database_is_sqlite_under_home(tmp_path: Path) -> None:
    assert (
        Settings(home=tmp_path / "h").resolved_database_url == f"sqlite:///{tmp_path / 'h' / 'orkiestra.db'}"
    )


def test_relative_home_resolves_to_an_absolute_sqlite_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORKIESTRA_HOME", "rel-home")
    url = Settings().resolved_database_url
    assert url == f"sqlite:///{tmp_path.resolve() / 'rel-home' / 'orkiestra.db'}"
    assert Path(url.removeprefix("sqlite:///")).is_absolute()


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("ORKIESTRA_CRM", "salesforce", "crm"),
        ("ORKIESTRA_SMTP_PORT", "not-a-port", "smtp_port"),
        ("ORKIESTRA_ENV", "staging", "env"),
    ],
)
def test_invalid_values_name_the_field(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=field):
        Settings()


def test_production_with_default_secrets_names_every_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORKIESTRA_ENV", "production")
    with pytest.raises(InsecureDefaultsError) as raised:
        Settings()
    message = str(raised.value)
    for name in SECRETS:
        assert name in message


def test_production_names_only_the_secret_still_at_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORKIESTRA_ENV", "production")
    monkeypatch.setenv("ORKIESTRA_WRITE_KEY", SECRETS["ORKIESTRA_WRITE_KEY"])
    monkeypatch.setenv("ORKIESTRA_SECRET_KEY", SECRETS["ORKIESTRA_SECRET_KEY"])
    with pytest.raises(InsecureDefaultsError) as raised:
        Settings()
    message = str(raised.value)
    assert "ORKIESTRA_ADMIN_KEY" in message
    assert "ORKIESTRA_WRITE_KEY" not in message
    assert "ORKIESTRA_SECRET_KEY" not in message


def test_production_with_all_three_secrets_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORKIESTRA_ENV", "production")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert s.env == "production"
    assert s.write_key == SECRETS["ORKIESTRA_WRITE_KEY"]
    assert s.resolved_log_format == "json"


@pytest.mark.parametrize("env", ["dev", "test"])
def test_dev_and_test_accept_the_defaults(env: str) -> None:
    assert Settings(env=env).write_key == DEV_WRITE_KEY  # type: ignore[arg-type]


def test_cli_refuses_production_defaults_with_the_variable_names(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["migrate"],
        env={"ORKIESTRA_ENV": "production", "ORKIESTRA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.exit_code == 2
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "ORKIESTRA_WRITE_KEY" in output
    assert "ORKIESTRA_ENV=production" in output
    assert not (tmp_path / "x.db").exists()

"""One `Settings` object, read from `ORKIESTRA_*` environment variables.

Defaults are the embedded dev stack (SQLite under the home folder, Temporal dev server
started by `orkiestra dev`). Outside dev mode the well-known default secrets are refused
at start-up, because a production install that forgot to set them would accept anyone's
events and admin calls.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_WRITE_KEY = "dev-write-key"
DEV_ADMIN_KEY = "dev-admin-key"
DEV_SECRET_KEY = "dev-secret-key-change-me"
REPO_ROOT = Path(__file__).resolve().parent.parent


class InsecureDefaultsError(ValueError):
    """Raised when a non-dev deployment still uses a default secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORKIESTRA_", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    home: Path = Path(".orkiestra")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<home>/orkiestra.db"
    )
    temporal_address: str | None = Field(
        default=None, description="host:port of Temporal; unset in dev = embedded dev server"
    )
    temporal_namespace: str = "default"
    task_queue: str = "orkiestra"

    write_key: str = DEV_WRITE_KEY
    admin_key: str = DEV_ADMIN_KEY
    secret_key: str = DEV_SECRET_KEY

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    email_from: str = "orkiestra <hello@orkiestra.local>"
    public_url: str = "http://127.0.0.1:8000"
    templates_dir: Path = REPO_ROOT / "templates"

    crm: Literal["builtin", "hubspot"] = "builtin"
    hubspot_url: str = "https://api.hubapi.com"
    hubspot_token: str | None = None

    log_format: Literal["console", "json"] | None = None
    log_level: str = "INFO"

    dispatcher_enabled: bool = True
    dispatcher_batch_size: int = 200
    dispatcher_poll_seconds: float = 1.0
    dispatcher_lease_seconds: float = 60.0
    auto_migrate: bool = True

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_dev(self) -> Settings:
        if self.env == "production":
            defaults = {
                "ORKIESTRA_WRITE_KEY": self.write_key == DEV_WRITE_KEY,
                "ORKIESTRA_ADMIN_KEY": self.admin_key == DEV_ADMIN_KEY,
                "ORKIESTRA_SECRET_KEY": self.secret_key == DEV_SECRET_KEY,
            }
            unset = [name for name, is_default in defaults.items() if is_default]
            if unset:
                raise InsecureDefaultsError(
                    f"{', '.join(unset)} still has its development default; "
                    "set a long random value before running with ORKIESTRA_ENV=production"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'orkiestra.db').resolve()}"

    @property
    def resolved_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.env == "production" else "console"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return Settings()

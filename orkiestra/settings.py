"""One `Settings` object, read from `ORKIESTRA_*` environment variables.

Defaults are the embedded dev stack (SQLite under the home folder, Temporal dev server
started by `orkiestra dev`). Outside dev mode the well-known default secrets are refused
at start-up, because a production install that forgot to set them would accept anyone's
events and admin calls.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from orkiestra.messaging_settings import MessagingSettings

DEV_WRITE_KEY = "dev-write-key"
DEV_ADMIN_KEY = "dev-admin-key"
DEV_SECRET_KEY = "dev-secret-key-change-me"
REPO_ROOT = Path(__file__).resolve().parent.parent


class InsecureDefaultsError(RuntimeError):
    """Raised when a non-dev deployment still uses a default secret.

    Not a ValueError: pydantic would wrap a ValueError raised in a validator into a
    ValidationError, and callers (the CLI) could no longer tell this case apart.
    """


class Settings(MessagingSettings):
    """Everything configurable; the messaging fields live in `MessagingSettings`."""

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

    # Preference center, feedback and tracking (see orkiestra/links.py).
    topics: str = Field(
        default="newsletter,offers,product-updates",
        description="comma-separated marketing topics a contact can subscribe to",
    )
    preference_link_max_age_days: int = Field(default=365, ge=1)
    webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of provider webhooks; default derived from SECRET_KEY"
    )
    twilio_auth_token: str | None = Field(
        default=None, description="checks X-Twilio-Signature of SMS status callbacks; default webhook secret"
    )

    crm: Literal["builtin", "hubspot"] = "builtin"
    hubspot_url: str = "https://api.hubapi.com"
    hubspot_token: str | None = None
    # Sales hand-off (docs/sales.md): scoring model, CRM webhooks, the lead SLA.
    scoring_model: str = "orkiestra.scoring.defaults:SEED_001"
    scoring_schedule_cron: str = "15 3 * * *"
    crm_webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of POST /v1/webhooks/crm; default derived from SECRET_KEY"
    )
    hubspot_client_secret: str | None = None
    sla_business_hours: float = Field(default=4.0, gt=0)
    sla_reminder_share: float = Field(default=0.75, gt=0, lt=1)
    sla_rounds: int = Field(default=2, ge=1)
    sla_day_start: str = "09:00"
    sla_day_end: str = "17:00"

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
    def topic_list(self) -> list[str]:
        return [t.strip() for t in self.topics.split(",") if t.strip()]

    @property
    def resolved_webhook_secret(self) -> str:
        """Providers are given this value; derived so a dev install needs no extra setting."""
        if self.webhook_secret:
            return self.webhook_secret
        return hmac.new(self.secret_key.encode(), b"orkiestra-webhooks", hashlib.sha256).hexdigest()

    @property
    def resolved_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.env == "production" else "console"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return Settings()

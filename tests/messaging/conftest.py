"""Fake provider servers on loopback and a messaging harness on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orkiestra.db import make_engine, make_session_factory, migrate
from orkiestra.settings import Settings
from tests.messaging.fake_providers import FakeFcm, FakePostmark, FakeTwilio, FakeWebhookReceiver
from tests.messaging.support import (
    FCM_PROJECT,
    FCM_TOKEN,
    POSTMARK_TOKEN,
    SID,
    TWILIO_FROM,
    TWILIO_TOKEN,
    Harness,
)
from tests.support import SmtpSink

WEBHOOK_SECRET = "outbound-webhook-secret"


@dataclass
class Fakes:
    postmark: FakePostmark
    twilio: FakeTwilio
    fcm: FakeFcm
    webhook: FakeWebhookReceiver
    smtp: SmtpSink

    def provider_settings(self) -> dict[str, Any]:
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp.port,
            "email_api_url": self.postmark.url,
            "email_api_key": POSTMARK_TOKEN,
            "twilio_url": self.twilio.url,
            "twilio_account_sid": SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_from": TWILIO_FROM,
            "fcm_url": self.fcm.url,
            "fcm_project": FCM_PROJECT,
            "fcm_token": FCM_TOKEN,
            "outbound_webhook_url": f"{self.webhook.url}/hooks/orkiestra",
            "outbound_webhook_secret": WEBHOOK_SECRET,
            "provider_timeout_seconds": 1.0,
        }


@pytest.fixture
def fakes(smtp: SmtpSink) -> Iterator[Fakes]:
    postmark, twilio = FakePostmark(POSTMARK_TOKEN), FakeTwilio(SID, TWILIO_TOKEN)
    fcm, webhook = FakeFcm(FCM_PROJECT, FCM_TOKEN), FakeWebhookReceiver(WEBHOOK_SECRET)
    with postmark.running(), twilio.running(), fcm.running(), webhook.running():
        yield Fakes(postmark, twilio, fcm, webhook, smtp)


@contextmanager
def _factory(tmp_path: Path, url: str, fakes: Fakes) -> Iterator[Any]:
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)

    def build(**overrides: Any) -> Harness:
        values = {**fakes.provider_settings(), **overrides}
        return Harness(Settings(env="test", home=tmp_path, database_url=url, **values), sessions)

    try:
        yield build
    finally:
        engine.dispose()


@pytest.fixture
def make_harness(tmp_path: Path, sqlite_url: str, fakes: Fakes) -> Iterator[Any]:
    """Build a harness with settings overrides on SQLite; all share one database."""
    with _factory(tmp_path, sqlite_url, fakes) as build:
        yield build


@pytest.fixture
def make_db_harness(tmp_path: Path, database_url: str, fakes: Fakes) -> Iterator[Any]:
    """The same on SQLite and on PostgreSQL, for the policy's database guarantees."""
    with _factory(tmp_path, database_url, fakes) as build:
        yield build


@pytest.fixture
def harness(make_harness: Any) -> Harness:
    return make_harness()


@pytest.fixture
def db_harness(make_db_harness: Any) -> Harness:
    return make_db_harness()

"""A messaging harness: the production activity (registry pieces, real providers) on a
real database, run through Temporal's `ActivityEnvironment` so `activity.info()` (the
attempt number) is real, and helpers to seed contacts and consent."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.channels import build_providers
from activities.messaging import MessagingActivities
from activities.templates import TemplateRenderer
from orkiestra.contracts import SendRequest, SendResult
from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Message
from orkiestra.persistence import consents, contacts, messages
from orkiestra.settings import Settings

SID, TWILIO_TOKEN, TWILIO_FROM = "AC0123456789", "twilio-secret", "+15005550006"
FCM_PROJECT, FCM_TOKEN = "orkiestra-test", "fcm-access-token"
POSTMARK_TOKEN = "postmark-server-token"


class Harness:
    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self.activities = MessagingActivities(
            sessions, settings, TemplateRenderer(settings.templates_dir), build_providers(settings, sessions)
        )

    def seed(self, contact_id: str | None = None, **traits: Any) -> str:
        cid = contact_id or f"c-{uuid.uuid4().hex[:8]}"
        with transaction(self.sessions) as session:
            contacts.apply_traits(session, cid, traits, {}, datetime.now(UTC))
        return cid

    def consent(
        self, contact_id: str, channel: str, status: str = "granted", purpose: str = "marketing"
    ) -> None:
        with transaction(self.sessions) as session:
            consents.record(session, contact_id, channel, purpose, status, "test")

    def request(self, contact_id: str, channel: str, template: str, **fields: Any) -> SendRequest:
        return SendRequest(
            idempotency_key=fields.pop("key", None) or f"test/{uuid.uuid4().hex}",
            contact_id=contact_id,
            channel=channel,
            template=template,
            journey="test-journey",
            **fields,
        )

    async def send(self, request: SendRequest, attempt: int = 1) -> SendResult:
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, attempt=attempt, is_local=True)
        return await env.run(self.activities.send_message, request)

    def messages(self, contact_id: str) -> list[Message]:
        with self.sessions() as session:
            return list(reversed(messages.for_contact(session, contact_id)))

    def message(self, message_id: int | None) -> Message:
        with self.sessions() as session:
            row = session.get(Message, message_id)
            assert row is not None
            return row

"""The messaging path inside real journeys on the time-skipping Temporal test server:
quiet hours defer a send durably to the contact's morning, and a provider 5xx is retried
by Temporal under the same idempotency key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio.testing import WorkflowEnvironment

from orkiestra.db import transaction
from orkiestra.persistence import consents
from tests.messaging.fake_providers import FakeTwilio
from tests.messaging.sample_journeys import SAMPLES, SmsNudgeJourney
from tests.messaging.support import SID, TWILIO_FROM, TWILIO_TOKEN
from tests.support import async_wait_until
from worker.testkit import JourneyTestKit

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(SID, TWILIO_TOKEN)
    with fake.running():
        yield fake


def sms_settings(twilio: FakeTwilio) -> dict[str, object]:
    return {
        "twilio_url": twilio.url,
        "twilio_account_sid": SID,
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_from": TWILIO_FROM,
    }


def sms_contact(kit: JourneyTestKit) -> str:
    cid = kit.seed_contact(phone="+48500100200", timezone="Europe/Warsaw", firstName="Ala")
    with transaction(kit.sessions) as session:
        consents.record(session, cid, "sms", "marketing", "granted", "test")
    return cid


def next_local(now: datetime, hour: int) -> datetime:
    local = now.astimezone(WARSAW)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return candidate.astimezone(UTC)


async def test_quiet_hours_defer_the_sms_to_8_in_the_contacts_morning(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, twilio: FakeTwilio
) -> None:
    async with JourneyTestKit.start(
        env=time_skipping_env, home=tmp_path, journeys=SAMPLES, **sms_settings(twilio)
    ) as kit:
        cid = sms_contact(kit)
        evening = next_local(await kit.env.get_current_time(), 22)
        await kit.skip(evening - await kit.env.get_current_time())
        run = await kit.enrol(SmsNudgeJourney, cid)
        deferred = await async_wait_until(
            lambda: [m for m in kit.messages(cid) if m.status == "deferred"], what="the deferred send"
        )
        assert twilio.messages == []
        morning = next_local(evening, 8)
        assert (deferred[0].reason, deferred[0].retry_at) == ("quiet_hours", morning)
        outcome = await kit.result(run.id)
        assert outcome.status == "completed"
        assert await kit.env.get_current_time() >= morning
        assert [(m.status, m.reason) for m in kit.messages(cid)] == [
            ("deferred", "quiet_hours"),
            ("sent", None),
        ]
        assert len(twilio.messages) == 1


async def test_a_provider_5xx_is_retried_by_temporal_and_sends_once(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, twilio: FakeTwilio
) -> None:
    settings = {**sms_settings(twilio), "quiet_hours": {}}
    async with JourneyTestKit.start(
        env=time_skipping_env, home=tmp_path, journeys=SAMPLES, **settings
    ) as kit:
        cid = sms_contact(kit)
        twilio.fail_next(503, 500)
        run = await kit.enrol(SmsNudgeJourney, cid)
        await kit.result(run.id)
        [message] = kit.messages(cid)
        assert (message.status, message.attempts, message.provider) == ("sent", 3, "twilio")
        assert len(twilio.requests) == 3 and len(twilio.messages) == 1
        tokens = {r.headers["i-twilio-idempotency-token"] for r in twilio.requests}
        assert tokens == {message.idempotency_key}

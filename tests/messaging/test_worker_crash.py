"""Idempotency across a worker crash: a real worker process is killed right after the
provider took the message and before the message log recorded it; a fresh worker
replays the journey, and the provider still holds exactly one message.

SMS (Twilio de-duplicates on `I-Twilio-Idempotency-Token`): the fresh worker calls
again with the same key and gets the first message back. Email over SMTP (which cannot
de-duplicate): the fresh worker finds the hand-off mark and does not call again.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.faults import EXIT_CODE
from orkiestra.db import make_engine, make_session_factory, migrate, transaction
from orkiestra.persistence import consents, contacts, messages
from orkiestra.settings import REPO_ROOT
from tests.messaging.fake_providers import FakeTwilio
from tests.messaging.sample_journeys import EmailOnceJourney, SmsNudgeJourney
from tests.messaging.support import SID, TWILIO_FROM, TWILIO_TOKEN
from tests.support import SmtpSink, wait_until
from worker.starter import start_journey
from worker.testkit import JourneyTestKit


@contextmanager
def worker_process(env: dict[str, str], fault: bool) -> Iterator[subprocess.Popen[bytes]]:
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("ORKIESTRA_")}
    child_env.update(env)
    if fault:
        child_env["ORKIESTRA_TEST_FAULT"] = "after_provider_call"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.messaging.crash_worker"],
        cwd=REPO_ROOT,
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.parametrize("channel", ["sms", "email"])
async def test_a_worker_killed_between_provider_call_and_record_sends_exactly_once(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, smtp: SmtpSink, channel: str
) -> None:
    twilio = FakeTwilio(SID, TWILIO_TOKEN)
    database_url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_session_factory(engine)
    cid = f"crash-{uuid.uuid4().hex[:6]}"
    with transaction(sessions) as session:
        contacts.apply_traits(
            session, cid, {"email": f"{cid}@example.com", "phone": "+48500100200"}, {}, datetime.now(UTC)
        )
        consents.record(session, cid, "sms", "marketing", "granted", "test")
    task_queue = f"crash-{uuid.uuid4().hex[:8]}"
    with twilio.running():
        env = {
            "ORKIESTRA_ENV": "test",
            "ORKIESTRA_HOME": str(tmp_path),
            "ORKIESTRA_DATABASE_URL": database_url,
            "ORKIESTRA_AUTO_MIGRATE": "false",
            "ORKIESTRA_TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
            "ORKIESTRA_TASK_QUEUE": task_queue,
            "ORKIESTRA_SMTP_HOST": "127.0.0.1",
            "ORKIESTRA_SMTP_PORT": str(smtp.port),
            "ORKIESTRA_TWILIO_URL": twilio.url,
            "ORKIESTRA_TWILIO_ACCOUNT_SID": SID,
            "ORKIESTRA_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "ORKIESTRA_TWILIO_FROM": TWILIO_FROM,
            "ORKIESTRA_QUIET_HOURS": "{}",
        }
        journey = SmsNudgeJourney if channel == "sms" else EmailOnceJourney
        event = JourneyTestKit.event(cid, journey.spec.triggers[0].event)
        handle = await start_journey(dev_server_env.client, journey.spec, event, task_queue)
        delivered = (lambda: twilio.messages) if channel == "sms" else (lambda: smtp.to(f"{cid}@example.com"))

        with worker_process(env, fault=True) as doomed:
            await asyncio.to_thread(wait_until, lambda: doomed.poll() is not None, 90.0, "the worker to die")
            assert doomed.returncode == EXIT_CODE, (doomed.stderr.read() if doomed.stderr else b"").decode()
        assert len(delivered()) == 1
        with sessions() as session:
            [row] = messages.for_contact(session, cid)
            assert row.status == "sending"  # the record never happened

        with worker_process(env, fault=False):
            await asyncio.wait_for(handle.result(), timeout=120)
        assert len(delivered()) == 1
        with sessions() as session:
            [final] = messages.for_contact(session, cid)
        assert final.status == "sent"
        if channel == "sms":
            assert len(twilio.requests) == 2  # called again with the same key, de-duplicated
            assert final.provider_message_id == twilio.messages[0]["sid"]
        else:
            assert "unconfirmed" in (final.error or "")  # SMTP: not called again
    engine.dispose()

"""A send cancelled in the middle of the SMTP hand-off (its workflow task timed out under
load) still ends with exactly one email and a row that says so: never "unconfirmed" for
an email that went out, never lost."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

from aiosmtpd.controller import Controller
from temporalio.testing import ActivityEnvironment

from orkiestra.devstack import free_port
from tests.messaging.support import Harness
from tests.support import async_wait_until


class SlowSink:
    """Accepts mail only once the test releases it, so the send is caught mid-hand-off."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        self.accepted.append(envelope.content)
        return "250 OK"


async def test_cancel_during_smtp_hand_off_records_the_real_outcome(make_harness) -> None:  # type: ignore[no-untyped-def]
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        harness: Harness = make_harness(smtp_port=controller.port)
        cid = harness.seed(email="slow@example.com")
        request = harness.request(cid, "email", "welcome")
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, is_local=True)
        running = asyncio.ensure_future(env.run(harness.activities.send_message, request))
        await async_wait_until(sink.arrived.is_set, what="the SMTP server to receive the DATA")
        env.cancel()
        sink.release.set()
        outcome = await asyncio.gather(running, return_exceptions=True)
        assert isinstance(outcome[0], BaseException)  # the activity itself was cancelled
        [row] = harness.messages(cid)
        assert (row.status, row.error) == ("sent", None)
        # Temporal retries the cancelled activity: it finds the recorded send, nothing more goes out.
        retry = await harness.send(request, attempt=2)
        assert retry.status == "sent"
        assert len(sink.accepted) == 1
    finally:
        controller.stop()

"""End to end through `orkiestra dev`: Segment's own SDK in, the welcome email out."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from segment.analytics.client import Client as SegmentClient
from temporalio.client import Client

from orkiestra.devstack import free_port
from tests.e2e.conftest import DevStack, start_dev
from tests.support import SmtpSink, wait_until

pytestmark = pytest.mark.e2e


def _segment(stack: DevStack, gzip: bool = False) -> SegmentClient:
    return SegmentClient("dev-write-key", host=stack.api, sync_mode=True, gzip=gzip, max_retries=1)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_segment_sdk_signup_delivers_welcome_email(dev_stack: DevStack, smtp: SmtpSink):
    user = f"user-{uuid.uuid4().hex[:8]}"
    email = f"{user}@example.com"
    segment = _segment(dev_stack, gzip=True)
    segment.identify(user, {"email": email, "firstName": "Ola"})
    segment.track(user, "Signed Up", {"plan": "free"})
    segment.flush()

    [mail] = wait_until(lambda: smtp.to(email), timeout=60, what="the welcome email")
    assert mail["Subject"] == "Welcome, Ola!"

    contact = dev_stack.get(f"/v1/contacts/{user}").json()
    assert contact["email"] == email
    assert [j["journey"] for j in contact["journeys"]] == ["welcome-series"]
    messages = wait_until(
        lambda: [m for m in dev_stack.get(f"/v1/contacts/{user}/messages").json() if m["status"] == "sent"],
        timeout=30,
        what="the message record",
    )
    assert messages[0]["template"] == "welcome"
    assert messages[0]["journey"] == "welcome-series"


async def test_journeys_are_listed_by_contact_in_temporal_and_survive_a_restart(
    dev_home: Path, smtp: SmtpSink
):
    stack = start_dev(dev_home, smtp)
    user = f"user-{uuid.uuid4().hex[:8]}"
    email = f"{user}@example.com"
    try:
        segment = _segment(stack)
        segment.identify(user, {"email": email})
        segment.track(user, "Signed Up")
        segment.flush()
        wait_until(lambda: smtp.to(email), timeout=60, what="the welcome email")

        client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
        found = [w async for w in client.list_workflows(f"ContactId = '{user}'")]
        assert [w.id for w in found] == [f"welcome-series/{user}"]
    finally:
        assert stack.stop() == 0

    # Same home, same ports: the journey asleep before the restart is still there and reacts.
    stack = start_dev(
        dev_home, smtp, api_port=int(stack.api.rsplit(":", 1)[1]), temporal_port=stack.temporal_port
    )
    try:
        segment = _segment(stack)
        segment.track(user, "Order Completed", {"total": 50})
        segment.flush()

        def converted() -> bool:
            runs = stack.get(f"/v1/contacts/{user}").json()["journeys"]
            return bool(runs) and runs[0]["status"] == "converted"

        wait_until(converted, timeout=60, what="the journey from before the restart to convert")
        assert len(smtp.to(email)) == 1  # the welcome email was not sent again after restart
    finally:
        stack.stop()


def test_ctrl_c_stops_every_child(dev_home: Path, smtp: SmtpSink):
    stack = start_dev(dev_home, smtp)
    children = _children(stack.proc.pid)
    assert len(children) == 3  # temporal, worker, api
    assert stack.stop() == 0
    wait_until(lambda: not any(_alive(p) for p in children), timeout=30, what="children to exit")


def test_port_taken_gives_a_clear_message(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "orkiestra.cli",
                "dev",
                "--home",
                str(tmp_path / "h"),
                "--api-port",
                str(port),
                "--temporal-port",
                str(free_port()),
                "--ui-port",
                str(free_port()),
                "--smtp-port",
                str(free_port()),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port}" in result.stderr
    assert "--api-port" in result.stderr


def test_without_smtp_the_mail_is_captured_for_a_newcomer(tmp_path: Path):
    stack = start_dev(tmp_path / "home", None)
    try:
        user = f"user-{uuid.uuid4().hex[:8]}"
        auth = ("dev-write-key", "")
        httpx.post(
            stack.api + "/v1/identify",
            auth=auth,
            timeout=10,
            json={"userId": user, "traits": {"email": f"{user}@example.com", "firstName": "Jan"}},
        )
        httpx.post(
            stack.api + "/v1/track", auth=auth, timeout=10, json={"userId": user, "event": "Signed Up"}
        )
        inbox = wait_until(
            lambda: "Welcome, Jan!" in (page := httpx.get(stack.api + "/dev/mail", timeout=10).text) and page,
            timeout=60,
            what="the welcome email in /dev/mail",
        )
        link = inbox.split("href='", 1)[1].split("'", 1)[0]
        body = httpx.get(stack.api + link, timeout=10)
        assert body.status_code == 200
        assert "Thanks for signing up" in body.text
    finally:
        stack.stop()

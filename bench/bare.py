"""Bare Temporal baseline: one workflow, one activity that sends one email.

The same job as the welcome email of the welcome series, without orkiestra around it:
no HTTP ingest, no database, no outbox, no policy checks, no templates. Run as its own
worker process (`python -m bench.bare --address ... --task-queue ... --smtp-port ...`),
like the orkiestra worker, so both pay the same process and GIL costs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow

WORKFLOW_NAME = "BareWelcome"


@dataclass
class BareInput:
    to: str


class Mailer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    @activity.defn(name="bare_send_email")
    async def send_email(self, to: str) -> str:
        from email.message import EmailMessage

        import aiosmtplib

        msg = EmailMessage()
        msg["From"] = "bench <bench@bench.test>"
        msg["To"] = to
        msg["Subject"] = "Welcome"
        msg.set_content("Welcome aboard.")
        await aiosmtplib.send(msg, hostname=self.host, port=self.port, timeout=30)
        return to


@workflow.defn(name=WORKFLOW_NAME)
class BareWelcome:
    @workflow.run
    async def run(self, data: BareInput) -> str:
        return await workflow.execute_activity(
            "bare_send_email", data.to, start_to_close_timeout=timedelta(seconds=30)
        )


async def _serve(address: str, task_queue: str, smtp_host: str, smtp_port: int) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[BareWelcome],
        activities=[Mailer(smtp_host, smtp_port).send_email],
    )
    async with worker:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="bare Temporal worker for the benchmark")
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--smtp-host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(_serve(args.address, args.task_queue, args.smtp_host, args.smtp_port))


if __name__ == "__main__":
    main()

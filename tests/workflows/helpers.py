"""Small helpers for the journey tests: wait for a run to reach a step, list its messages."""

from __future__ import annotations

import asyncio
import time

from temporalio.client import WorkflowHandle

from orkiestra.contracts import JourneyState
from worker.testkit import JourneyTestKit


async def at_step(run: WorkflowHandle, step: str, timeout: float = 30.0) -> JourneyState:
    """Poll the run's state query until it is at `step` (virtual time does not move)."""
    deadline = time.monotonic() + timeout
    while True:
        state = await run.query("state", result_type=JourneyState)
        if state.step == step:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{run.id} is at step {state.step!r}, not {step!r}, after {timeout}s")
        await asyncio.sleep(0.05)


def attempted(kit: JourneyTestKit, contact_id: str) -> list[tuple[str, str]]:
    """(channel, template) of every send the contact's journeys tried, oldest first."""
    return [(m.channel, m.template) for m in kit.messages(contact_id)]


def sent(kit: JourneyTestKit, contact_id: str) -> list[tuple[str, str]]:
    return [(m.channel, m.template) for m in kit.messages(contact_id) if m.status == "sent"]

"""Recorded histories of every shipped journey, replayed in CI against the current code.

A change to a live journey that would break contacts already in it (a removed step, a
reordered activity, a wait that became a wait_for) makes the replay fail, so it never
reaches production. Record or refresh with `orkiestra histories record` after a change
that is behind `workflow.patched(...)`, and keep the old files too: they are the proof
that runs started before the change still replay.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from orkiestra.logging import get_logger
from worker import registry
from worker.testkit import JourneyTestKit
from workflows.catalog import JOURNEYS
from workflows.sdk import Journey

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "histories"
log = get_logger(__name__)


async def _record_one(kit: JourneyTestKit, journey: type[Journey], scenario: str) -> WorkflowHistory:
    cid = kit.seed_contact(email=f"{scenario}@example.com", firstName="Ala", timezone="Europe/Warsaw")
    trigger = journey.spec.triggers[0]
    props = dict(trigger.where)
    key = None
    if trigger.key:
        props[trigger.key] = "key-1"
        key = "key-1"
    run = await kit.enrol(journey, cid, trigger.event, key=key, **props)
    if scenario == "converted" and journey.spec.goal:
        await kit.skip(timedelta(hours=1))
        await kit.send_event(run, cid, journey.spec.goal)
    await run.result()
    return await run.fetch_history()


async def record(out: Path = DEFAULT_DIR, journeys: Sequence[type[Journey]] = JOURNEYS) -> list[Path]:
    """Run every journey through its scenarios in virtual time and save the histories."""
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a CLI command, not a server
    written = []
    async with JourneyTestKit.start() as kit:
        for journey in journeys:
            scenarios = ["completed"] + (["converted"] if journey.spec.goal else [])
            for scenario in scenarios:
                history = await _record_one(kit, journey, scenario)
                path = out / f"{journey.spec.name}.{scenario}.json"
                path.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n")
                written.append(path)
                log.info("histories.recorded", journey=journey.spec.name, file=str(path))
    return written


def recorded(folder: Path = DEFAULT_DIR) -> list[Path]:
    return sorted(folder.glob("*.json"))


async def replay(path: Path) -> None:
    """Replay one recorded history against the current workflow code; raises on drift."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 - small local file
    replayer = Replayer(workflows=registry.workflows(), data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)

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
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from orkiestra.logging import get_logger
from worker import registry
from worker.history_scenarios import SCENARIOS
from worker.sales_team import seed_sales_team
from worker.testkit import JourneyTestKit
from workflows.catalog import JOURNEYS
from workflows.sdk import Journey

_SHAPE_EVENTS = frozenset(
    {
        "TIMER_STARTED",
        "TIMER_CANCELED",
        "WORKFLOW_EXECUTION_COMPLETED",
        "WORKFLOW_EXECUTION_FAILED",
        "WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
    }
)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "histories"
log = get_logger(__name__)
# Data a journey needs before it can run its normal path (e.g. owners to hand leads to).
SETUP = {"lead-sla": seed_sales_team}


async def _record_one(kit: JourneyTestKit, journey: type[Journey], scenario: str) -> WorkflowHistory:
    cid = kit.seed_contact(email=f"{scenario}@example.com", firstName="Ala", timezone="Europe/Warsaw")
    trigger = journey.spec.triggers[0]
    props = dict(trigger.where)
    key = None
    if trigger.key:
        props[trigger.key] = "key-1"
        key = "key-1"
    if journey.spec.name in SETUP:
        SETUP[journey.spec.name](kit.sessions)
    if journey.spec.name in SCENARIOS:
        props.update(await SCENARIOS[journey.spec.name](kit, cid))
    run = await kit.enrol(journey, cid, trigger.event, key=key, **props)
    if scenario == "converted" and journey.spec.goal:
        await kit.skip(timedelta(hours=1))
        await kit.send_event(run, cid, journey.spec.goal)
    await run.result()
    return await run.fetch_history()


def signature(history: dict[str, Any]) -> list[str]:
    """What a history commits to, step by step: timers, activities, markers (patches
    included) and how it ended. Two recordings of unchanged code have the same one."""
    shape = []
    for event in history["events"]:
        kind = event["eventType"].removeprefix("EVENT_TYPE_")
        if kind == "ACTIVITY_TASK_SCHEDULED":
            shape.append(f"activity:{event['activityTaskScheduledEventAttributes']['activityType']['name']}")
        elif kind == "MARKER_RECORDED":
            marker = event["markerRecordedEventAttributes"]
            detail = (
                json.dumps(marker.get("details", {}), sort_keys=True)
                if marker["markerName"] == "core_patch"
                else ""
            )
            shape.append(f"marker:{marker['markerName']}{detail}")
        elif kind in _SHAPE_EVENTS:
            shape.append(kind)
    return shape


def _destination(out: Path, journey: str, scenario: str, history: dict[str, Any]) -> Path | None:
    """Where to save a new recording: never over an older one (runs started before a
    change must keep replaying), nowhere when an existing file already has its shape."""
    existing = sorted(out.glob(f"{journey}.{scenario}.json")) + sorted(
        out.glob(f"{journey}.{scenario}.v*.json")
    )
    shape = signature(history)
    if any(signature(json.loads(p.read_text())) == shape for p in existing):
        return None
    if not existing:
        return out / f"{journey}.{scenario}.json"
    return out / f"{journey}.{scenario}.v{len(existing) + 1}.json"


async def record(out: Path = DEFAULT_DIR, journeys: Sequence[type[Journey]] = JOURNEYS) -> list[Path]:
    """Run every journey through its scenarios in virtual time and save the histories."""
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a CLI command, not a server
    written = []
    async with JourneyTestKit.start() as kit:
        for journey in journeys:
            scenarios = ["completed"] + (["converted"] if journey.spec.goal else [])
            for scenario in scenarios:
                history = json.loads((await _record_one(kit, journey, scenario)).to_json())
                path = _destination(out, journey.spec.name, scenario, history)
                if path is None:
                    log.info("histories.unchanged", journey=journey.spec.name, scenario=scenario)
                    continue
                path.write_text(json.dumps(history, indent=1) + "\n")
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

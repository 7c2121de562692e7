"""Every recorded history of a shipped journey replays against the current code.

If this fails, a change to a live journey would break contacts already in it: put the
change behind `workflow.patched(...)` (see docs/journeys.md) instead of editing in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.workflows.edited_welcome import EditedInPlace, EditedWithPatch
from worker.histories import DEFAULT_DIR, recorded, replay
from workflows.catalog import JOURNEYS

HISTORIES = recorded()


def test_every_shipped_journey_has_recorded_histories():
    names = {p.name.split(".")[0] for p in HISTORIES}
    assert names == {j.spec.name for j in JOURNEYS}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.name)
async def test_history_replays_against_current_code(path: Path):
    await replay(path)


def _welcome_history() -> WorkflowHistory:
    path = DEFAULT_DIR / "welcome-series.completed.json"
    return WorkflowHistory.from_json(path.stem, path.read_text())


async def test_an_unpatched_edit_fails_the_replay():
    replayer = Replayer(workflows=[EditedInPlace], data_converter=pydantic_data_converter)
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(_welcome_history())


async def test_the_same_edit_behind_patched_replays():
    replayer = Replayer(workflows=[EditedWithPatch], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(_welcome_history())

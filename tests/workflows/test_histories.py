"""Recording histories never overwrites old ones: a new shape is kept next to them."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

from worker.histories import DEFAULT_DIR, _destination, signature

SOURCE = DEFAULT_DIR / "welcome-series.completed.json"


def _patched(history: dict) -> dict:  # type: ignore[type-arg]
    """The same history with a `workflow.patched("welcome-new-step")` marker in it."""
    changed = copy.deepcopy(history)
    marker = {
        "eventId": "6",
        "eventType": "EVENT_TYPE_MARKER_RECORDED",
        "markerRecordedEventAttributes": {
            "markerName": "core_patch",
            "details": {"patch_id": "welcome-new-step"},
        },
    }
    changed["events"].insert(5, marker)
    return changed


def test_first_recording_takes_the_plain_name(tmp_path: Path):
    history = json.loads(SOURCE.read_text())
    assert _destination(tmp_path, "welcome-series", "completed", history) == (
        tmp_path / "welcome-series.completed.json"
    )


def test_an_unchanged_recording_is_not_saved_again(tmp_path: Path):
    shutil.copy(SOURCE, tmp_path / SOURCE.name)
    assert _destination(tmp_path, "welcome-series", "completed", json.loads(SOURCE.read_text())) is None


def test_a_patched_recording_is_saved_beside_the_old_one(tmp_path: Path):
    shutil.copy(SOURCE, tmp_path / SOURCE.name)
    patched = _patched(json.loads(SOURCE.read_text()))
    assert signature(patched) != signature(json.loads(SOURCE.read_text()))
    target = _destination(tmp_path, "welcome-series", "completed", patched)
    assert target == tmp_path / "welcome-series.completed.v2.json"
    target.write_text(json.dumps(patched))
    assert _destination(tmp_path, "welcome-series", "completed", patched) is None
    assert (tmp_path / SOURCE.name).read_text() == SOURCE.read_text()

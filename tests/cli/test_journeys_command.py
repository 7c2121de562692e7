"""`orkiestra journeys` and `orkiestra histories record` as an engineer meets them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from orkiestra.db import make_engine, make_session_factory, migrate, transaction
from orkiestra.persistence import journeys
from tests.cli.test_commands import _run
from worker.histories import DEFAULT_DIR
from workflows.catalog import JOURNEYS


def _seed_runs(home: Path) -> None:
    engine = make_engine(f"sqlite:///{(home / 'orkiestra.db').resolve()}")
    migrate(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        for i, status in enumerate(["active", "active", "converted", "completed", "exited"]):
            wid = f"abandoned-cart/c{i}"
            journeys.record_start(session, wid, f"r{i}", "abandoned-cart", f"c{i}")
            if status != "active":
                journeys.record_end(session, f"r{i}", wid, "abandoned-cart", f"c{i}", status, None)
        journeys.record_start(session, "win-back/c9", "r9", "win-back", "c9")
    engine.dispose()


def test_journeys_lists_every_journey_with_triggers_goal_and_live_counts(tmp_path: Path):
    _seed_runs(tmp_path)
    result = _run(["journeys"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "journey",
        "triggers",
        "goal",
        "active",
        "completed",
        "converted",
        "exited",
    ]
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert set(by_name) == {j.spec.name for j in JOURNEYS}
    cart = by_name["abandoned-cart"]
    assert "Checkout Started; Product Added" in cart and "Order Completed" in cart
    assert cart.split()[-4:] == ["2", "1", "1", "1"]
    assert "no Order Completed for 180 days" in by_name["win-back"]
    assert by_name["win-back"].split()[-4:] == ["1", "0", "0", "0"]
    assert "30 days before subscription_end" in by_name["subscription-renewal"]
    assert "Order Completed (one run per order_id)" in by_name["post-purchase"]
    assert by_name["post-purchase"].split()[-5] == "-"  # no goal

    result = _run(["journeys", "--json"], tmp_path)  # for scripts
    assert result.returncode == 0, result.stderr
    listed = {j["journey"]: j for j in json.loads(result.stdout)}
    assert listed["abandoned-cart"] == {
        "journey": "abandoned-cart",
        "triggers": ["Checkout Started", "Product Added"],
        "goal": "Order Completed",
        "active": 2,
        "completed": 1,
        "converted": 1,
        "exited": 1,
    }
    assert listed["replenishment"]["triggers"] == ["Order Completed (one run per order_id)"]


def test_recording_again_keeps_the_old_histories_and_adds_nothing_unchanged(tmp_path: Path):
    out = tmp_path / "histories"
    out.mkdir()
    for path in DEFAULT_DIR.glob("welcome-series.*.json"):
        shutil.copy(path, out / path.name)
    before = {p.name: p.read_text() for p in out.iterdir()}
    result = _run(["histories", "record", "--journey", "welcome-series", "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no new histories" in result.stdout
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_recording_an_unknown_journey_names_it(tmp_path: Path):
    result = _run(["histories", "record", "--journey", "nope"], tmp_path)
    assert result.returncode == 2
    assert "no journey named nope" in result.stderr

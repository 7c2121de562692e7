"""Scoring rules as code: seed 001's points, caps, fit, decay, the version hash, replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orkiestra.scoring import BehaviourRule, Condition, Decay, FitRule, ScoringModel, load_model
from orkiestra.scoring.defaults import SEED_001
from orkiestra.scoring.engine import (
    ScoredEvent,
    behaviour_changes,
    bounded,
    crossed_threshold,
    decays_due,
    explain,
    fit_total,
    replay,
)

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def points(name: str, **props: object) -> int:
    return sum(c.delta for c in behaviour_changes(SEED_001, name, props, lambda rule: 0))


def test_seed_001_points():
    assert points("Email Opened") == 5
    assert points("Email Link Clicked", url="https://x.example/case-studies/acme") == 10
    assert points("Email Link Clicked", content_type="case_study") == 10
    assert points("Email Link Clicked", url="https://x.example/pricing") == 0
    assert points("Ebook Downloaded") == 20
    assert points("Demo Requested") == 40
    assert points("Page Viewed") == 0
    assert SEED_001.mql_threshold == 60
    assert SEED_001.decay == Decay(after=timedelta(days=60), points=-20, floor=0)


def test_caps_limit_points_per_rule_and_period():
    rule = SEED_001.behaviour[0]
    assert rule.cap == 25
    changes = behaviour_changes(SEED_001, "Email Opened", {}, lambda r: 22)
    assert [c.delta for c in changes] == [3]
    assert behaviour_changes(SEED_001, "Email Opened", {}, lambda r: 25) == []


def test_conditions():
    assert Condition("plan", equals="Pro").matches({"plan": " pro "})
    assert not Condition("plan", equals="pro").matches({})
    assert Condition("size", at_least=50, below=1001).matches({"size": "200"})
    assert not Condition("size", at_least=50).matches({"size": "many"})
    assert not Condition("size", at_least=50).matches({"size": True})
    assert Condition("industry", one_of=("SaaS", "it")).matches({"industry": "saas"})
    assert not Condition("url", contains="/case").matches({"url": 5})


def test_fit_rules():
    assert fit_total(SEED_001, {"industry": "SaaS", "company_size": 200}) == 20
    assert fit_total(SEED_001, {"industry": "retail", "company_size": 5000}) == 0


def test_version_changes_with_any_rule_and_names_are_unique():
    changed = ScoringModel(SEED_001.behaviour, SEED_001.fit, SEED_001.decay, mql_threshold=70)
    assert changed.version != SEED_001.version
    again = ScoringModel(SEED_001.behaviour, SEED_001.fit, SEED_001.decay, SEED_001.mql_threshold)
    assert again.version == SEED_001.version
    with pytest.raises(ValueError, match="unique"):
        ScoringModel((BehaviourRule("a", "X", 1), BehaviourRule("a", "Y", 1)))
    with pytest.raises(ValueError, match="negative"):
        ScoringModel((), decay=Decay(points=5))


def test_threshold_and_floor():
    assert crossed_threshold(SEED_001, 55, 60)
    assert not crossed_threshold(SEED_001, 60, 80)
    assert not crossed_threshold(SEED_001, 10, 59)
    assert bounded(15, -20, 0) == -15
    assert bounded(0, -20, 0) == 0
    assert bounded(5, 10, 0) == 10


def test_decays_due_counts_whole_periods_once():
    sixty = timedelta(days=60)
    assert decays_due(SEED_001, None, None, T0) == 0
    assert decays_due(SEED_001, T0, None, T0 + sixty - timedelta(seconds=1)) == 0
    assert decays_due(SEED_001, T0, None, T0 + sixty) == 1
    assert decays_due(SEED_001, T0, None, T0 + 2 * sixty + timedelta(days=1)) == 2
    assert decays_due(SEED_001, T0, T0 + sixty, T0 + sixty + timedelta(days=10)) == 0
    assert decays_due(SEED_001, T0, T0 + sixty, T0 + 2 * sixty) == 1
    # Activity after the last decay starts a new period.
    assert decays_due(SEED_001, T0 + 3 * sixty, T0 + sixty, T0 + 3 * sixty + timedelta(days=1)) == 0


def test_replay_scores_a_history_with_caps_and_decay():
    events = [ScoredEvent("Email Opened", {}, T0 + timedelta(hours=i)) for i in range(7)]  # capped at 25
    events.append(ScoredEvent("Ebook Downloaded", {}, T0 + timedelta(days=1)))
    events.append(ScoredEvent("Demo Requested", {}, T0 + timedelta(days=200)))  # after 3 decay steps
    result = replay(SEED_001, events, {"industry": "saas"}, T0 + timedelta(days=201))
    # fit 10, opens 25, ebook 20 = 55; -20 x3 floors at 0; demo +40.
    assert result.score == 40
    assert result.fit == 10
    assert [c.kind for c in result.changes].count("decay") == 3
    assert result.changes[-1].rule == "demo-request"
    assert result.last_activity == T0 + timedelta(days=200)
    assert "demo-request +40" in explain(result.changes)


def test_replay_decays_up_to_now():
    events = [ScoredEvent("Demo Requested", {}, T0)]
    assert replay(SEED_001, events, {}, T0 + timedelta(days=59)).score == 40
    late = replay(SEED_001, events, {}, T0 + timedelta(days=121))
    assert late.score == 0
    assert late.last_decay == T0 + timedelta(days=120)


def test_custom_model_loads_from_a_path():
    assert load_model("orkiestra.scoring.defaults:SEED_001") is SEED_001
    with pytest.raises(ValueError, match=r"package\.module:NAME"):
        load_model("orkiestra.scoring.defaults")
    with pytest.raises(TypeError, match="not a ScoringModel"):
        load_model("orkiestra.scoring.defaults:timedelta")


def test_any_and_all_matching():
    rule = BehaviourRule(
        "pricing",
        "Page Viewed",
        3,
        where=(Condition("path", contains="/pricing"), Condition("plan", equals="pro")),
    )
    assert rule.applies("Page Viewed", {"path": "/pricing", "plan": "pro"})
    assert not rule.applies("Page Viewed", {"path": "/pricing"})
    fit = FitRule("poland", 5, (Condition("country", equals="PL"),))
    assert fit.applies({"country": "pl"})

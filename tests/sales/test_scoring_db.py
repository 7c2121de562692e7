"""Scoring at ingest, decay and rescore on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from activities.scoring import ScoringActivities
from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Event, OutboxEntry, ScoreChange
from orkiestra.persistence import scoring
from orkiestra.persistence.ingest import store_calls
from orkiestra.scoring import ScoringModel
from orkiestra.scoring.defaults import SEED_001
from orkiestra.segment import IdentifyCall, SegmentCall, TrackCall

INTERESTING = frozenset({"Lead Qualified"})
NOW = datetime.now(UTC)


def ingest(db: SessionFactory, *calls: SegmentCall) -> int:
    with transaction(db) as session:
        return store_calls(session, list(calls), INTERESTING).stored


def track(
    contact: str, event: str, at: datetime = NOW, message_id: str | None = None, **props: object
) -> TrackCall:
    return TrackCall(
        userId=contact, event=event, properties=props, timestamp=at, messageId=message_id or str(uuid.uuid4())
    )


def state(db: SessionFactory, contact: str) -> tuple[int, str]:
    with db() as session:
        row = scoring.current(session, contact)
        return (row.score, row.stage) if row else (0, "subscriber")


def test_a_demo_request_from_a_good_fit_makes_an_mql_and_emits_lead_qualified(db: SessionFactory):
    ingest(
        db,
        IdentifyCall(
            userId="ala", traits={"email": "ala@acme.example", "industry": "SaaS", "company_size": 120}
        ),
    )
    assert state(db, "ala") == (20, "subscriber")
    ingest(db, track("ala", "Demo Requested", message_id="demo-1"))
    assert state(db, "ala") == (60, "mql")
    with db() as session:
        qualified = session.execute(select(Event).where(Event.name == "Lead Qualified")).scalars().all()
        assert [e.message_id for e in qualified] == ["lead-qualified:ala:1"]
        assert qualified[0].properties["score"] == 60
        outbox = session.execute(select(OutboxEntry)).scalars().all()
        assert [o.event_id for o in outbox] == [qualified[0].id]
        reasons = [c.reason for c in reversed(scoring.history(session, "ala"))]
        assert reasons[0].startswith("profile fit now 20")
        assert reasons[1] == "Demo Requested: demo-request +40"
        stages = [(s.from_stage, s.to_stage) for s in scoring.stage_history(session, "ala")]
        assert stages == [("subscriber", "lead"), ("lead", "mql")]


def test_a_repeated_message_id_scores_nothing_twice(db: SessionFactory):
    call = track("bob", "Ebook Downloaded", message_id="ebook-1")
    assert ingest(db, call) == 1
    assert ingest(db, call) == 0
    assert state(db, "bob") == (20, "lead")
    with db() as session:
        assert len(scoring.history(session, "bob")) == 1


def test_caps_hold_across_requests(db: SessionFactory):
    for i in range(8):
        ingest(db, track("cap", "Email Opened", NOW + timedelta(minutes=i)))
    assert state(db, "cap")[0] == 25
    ingest(db, track("cap", "Email Opened", NOW + timedelta(days=8)))  # a new week
    assert state(db, "cap")[0] == 30


def test_crossing_again_qualifies_again_but_staying_above_does_not(db: SessionFactory):
    ingest(db, track("eve", "Demo Requested"), track("eve", "Ebook Downloaded"))
    assert state(db, "eve") == (60, "mql")
    ingest(db, track("eve", "Lead Returned to Nurture", message_id="nurture-1"))
    assert state(db, "eve") == (60, "lead")
    ingest(db, track("eve", "Email Opened"))  # still above: no new qualification
    assert state(db, "eve") == (65, "lead")
    with db() as session:
        names = (
            session.execute(select(Event.message_id).where(Event.name == "Lead Qualified")).scalars().all()
        )
    assert names == ["lead-qualified:eve:1"]


def test_stage_events_from_the_crm(db: SessionFactory):
    ingest(db, track("dan", "Demo Requested"), track("dan", "Ebook Downloaded"))
    ingest(db, track("dan", "Lead Accepted"))
    assert state(db, "dan")[1] == "sql"
    ingest(db, track("dan", "Lead Returned to Nurture"))  # only MQLs go back; SQL does too
    ingest(db, track("dan", "Deal Won"))
    assert state(db, "dan")[1] == "customer"
    ingest(db, track("dan", "Lead Disqualified"))
    assert state(db, "dan")[1] == "customer"  # customers stay customers


def test_decay_scan_on_the_database(db: SessionFactory):
    jobs = ScoringActivities(db, SEED_001, INTERESTING)
    old = NOW - timedelta(days=61)
    ingest(
        db, track("quiet", "Demo Requested", old), track("busy", "Demo Requested", NOW - timedelta(days=5))
    )
    ingest(db, track("long", "Ebook Downloaded", NOW - timedelta(days=130)))
    done = jobs.decay_all(NOW)
    assert (done.contacts, done.points) == (2, -40)
    assert state(db, "quiet")[0] == 20
    assert state(db, "busy")[0] == 40
    assert state(db, "long")[0] == 0  # two steps owed, floored at zero after the first
    with db() as session:
        step = session.execute(
            select(ScoreChange).where(ScoreChange.contact_id == "quiet", ScoreChange.kind == "decay")
        ).scalar_one()
        assert step.event_at == old + timedelta(days=60)  # dated by the rule, not the scan
        assert step.reason == "no activity for 60 days -20"
    again = jobs.decay_all(NOW + timedelta(hours=1))
    assert again.contacts == 0
    later = jobs.decay_all(NOW + timedelta(days=60))
    assert (later.contacts, later.points) == (2, -40)  # quiet: 20 → 0; busy: 40 → 20
    assert state(db, "quiet")[0] == 0


def test_rescore_after_a_rules_change(db: SessionFactory):
    ingest(db, IdentifyCall(userId="fay", traits={"industry": "saas"}))
    ingest(db, track("fay", "Ebook Downloaded"), track("fay", "Email Opened"))
    assert state(db, "fay") == (35, "lead")
    richer = ScoringModel(
        behaviour=tuple(
            r if r.name != "ebook-download" else type(r)(r.name, r.event, 45) for r in SEED_001.behaviour
        ),
        fit=SEED_001.fit,
        decay=SEED_001.decay,
    )
    jobs = ScoringActivities(db, richer, frozenset({"Lead Qualified"}))
    result = jobs.rescore_all(NOW)
    assert (result.contacts, result.points, result.qualified) == (1, 25, 1)
    assert state(db, "fay") == (60, "mql")
    with db() as session:
        row = scoring.current(session, "fay")
        assert row.model_version == richer.version
        assert scoring.history(session, "fay")[0].reason.startswith(f"rescored under rules {richer.version}")
        assert session.execute(select(OutboxEntry)).scalars().first() is not None
    assert jobs.rescore_all(NOW).contacts == 0  # nothing stale any more

"""Scores, score history and lifecycle stages in the database.

Scoring happens at ingest, inside the transaction that stores the event (`after_store`,
called by `store_calls`): only events that were actually inserted are scored, so a
retried request with the same messageId scores nothing twice, and the score, its history
row, a stage change and the `Lead Qualified` event commit together with the event or not
at all. The row of a contact's score is locked while it changes, so two API processes
scoring one contact at once serialise instead of losing an update.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from orkiestra.models import Contact, LeadScore, ScoreChange, StageChange
from orkiestra.persistence.dialect import insert_for
from orkiestra.scoring import ScoringModel, active_model
from orkiestra.scoring.engine import Change, behaviour_changes, bounded, crossed_threshold, fit_total
from orkiestra.segment import IdentifyCall, SegmentCall, TrackCall

STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "disqualified")
RANK = {stage: i for i, stage in enumerate(STAGES[:-1])}
QUALIFIED = "Lead Qualified"
# Events that move a contact's stage, wherever they come from (CRM webhook, track call).
STAGE_EVENTS = {
    QUALIFIED: "mql",
    "Lead Accepted": "sql",
    "Deal Created": "opportunity",
    "Deal Won": "customer",
    "Lead Disqualified": "disqualified",
    "Lead Returned to Nurture": "lead",
}
BACKWARD_EVENTS = frozenset({"Lead Returned to Nurture"})


def lock(session: Session, contact_id: str) -> LeadScore:
    """The contact's score row, created if missing, locked until the transaction ends."""
    session.execute(
        insert_for(session, LeadScore)
        .values(
            contact_id=contact_id,
            score=0,
            fit=0,
            stage="subscriber",
            model_version="",
            qualifications=0,
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
    return session.execute(
        select(LeadScore)
        .where(LeadScore.contact_id == contact_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def record(
    session: Session,
    row: LeadScore,
    change: Change,
    model: ScoringModel,
    at: datetime,
    message_id: str | None,
    *,
    exact: bool = False,
) -> int:
    """Apply one change (never below the floor unless `exact`) and write its history row."""
    delta = change.delta if exact else bounded(row.score, change.delta, model.decay.floor)
    if delta == 0:
        return 0
    row.score += delta
    row.updated_at = datetime.now(UTC)
    session.add(
        ScoreChange(
            contact_id=row.contact_id,
            delta=delta,
            score_after=row.score,
            kind=change.kind,
            rule=change.rule,
            reason=change.reason[:1000],
            message_id=message_id,
            model_version=model.version,
            event_at=at,
        )
    )
    return delta


def transition(
    session: Session,
    row: LeadScore,
    to: str,
    reason: str,
    at: datetime,
    message_id: str | None = None,
    *,
    backward: bool = False,
) -> bool:
    """Move the stage forward (or back, when `backward`); customers stay customers."""
    current = row.stage
    if to == current or current == "customer":
        return False
    if to != "disqualified" and current != "disqualified" and not backward and RANK[to] < RANK[current]:
        return False
    row.stage = to
    session.add(
        StageChange(
            contact_id=row.contact_id,
            from_stage=current,
            to_stage=to,
            reason=reason[:1000],
            message_id=message_id,
            at=at,
        )
    )
    return True


def qualify_if_crossed(
    session: Session, row: LeadScore, model: ScoringModel, before: int, at: datetime, why: str
) -> list[SegmentCall]:
    """Crossing the MQL threshold makes a lead an MQL and emits `Lead Qualified` once:
    its messageId counts qualifications, so the event is stored at most once per crossing."""
    if not crossed_threshold(model, before, row.score) or row.stage not in ("subscriber", "lead"):
        return []
    row.qualifications += 1
    message_id = f"lead-qualified:{row.contact_id}:{row.qualifications}"
    reason = f"score {row.score} reached the MQL threshold {model.mql_threshold} ({why})"
    transition(session, row, "mql", reason, at, message_id)
    return [
        TrackCall(
            userId=row.contact_id,
            event=QUALIFIED,
            messageId=message_id,
            timestamp=at,
            properties={
                "score": row.score,
                "threshold": model.mql_threshold,
                "reason": why,
                "model_version": model.version,
            },
        )
    ]


def score_event(
    session: Session,
    model: ScoringModel,
    contact_id: str,
    name: str | None,
    properties: dict[str, Any],
    at: datetime,
    message_id: str | None,
) -> list[SegmentCall]:
    """Score one new event; returns internal events to store (a `Lead Qualified`)."""
    row = lock(session, contact_id)
    if not row.model_version:
        row.model_version = model.version

    def awarded(rule: Any) -> int:
        query = select(func.coalesce(func.sum(ScoreChange.delta), 0)).where(
            ScoreChange.contact_id == contact_id, ScoreChange.rule == rule.name
        )
        if rule.cap_period is not None:
            query = query.where(ScoreChange.event_at > at - rule.cap_period)
        return int(session.execute(query).scalar_one())

    changes = behaviour_changes(model, name, properties, awarded)
    if row.last_activity_at is None or at > row.last_activity_at:
        row.last_activity_at = at
    before = row.score
    gained = sum(record(session, row, c, model, at, message_id) for c in changes)
    if gained > 0 and row.stage == "subscriber":
        transition(session, row, "lead", f"first engagement: {name}", at, message_id)
    return qualify_if_crossed(session, row, model, before, at, f"{name}")


def score_fit(
    session: Session,
    model: ScoringModel,
    contact_id: str,
    traits: dict[str, Any],
    at: datetime,
    message_id: str | None,
) -> list[SegmentCall]:
    """Re-evaluate fit points after a profile change (industry, company size, ...)."""
    target = fit_total(model, traits)
    row = lock(session, contact_id)
    if not row.model_version:
        row.model_version = model.version
    if target == row.fit:
        return []
    before = row.score
    matched = ", ".join(r.name for r in model.fit if r.applies(traits)) or "no fit rule matches"
    change = Change(target - row.fit, "fit", "fit", f"profile fit now {target} ({matched})")
    record(session, row, change, model, at, message_id)
    row.fit = target
    return qualify_if_crossed(session, row, model, before, at, "profile fit")


def after_store(
    session: Session, stored: Sequence[tuple[SegmentCall, str]], model: ScoringModel | None = None
) -> list[SegmentCall]:
    """The ingest hook: score and move stages for freshly stored calls, in order.

    Cheap for everything else: one set lookup per call. Returns internal events that the
    caller stores through the same path (they are never scored themselves).
    """
    model = model or active_model()
    emitted: list[SegmentCall] = []
    for call, contact_id in stored:
        name = call.event_name
        if isinstance(call, IdentifyCall):
            if model.fit_traits & call.traits.keys():
                contact = session.get(Contact, contact_id)
                traits = contact.traits if contact is not None else call.traits
                emitted += score_fit(session, model, contact_id, traits, call.occurred_at, call.messageId)
        elif name in model.scored_events:
            emitted += score_event(
                session, model, contact_id, name, call.event_properties, call.occurred_at, call.messageId
            )
        if name in STAGE_EVENTS:
            row = lock(session, contact_id)
            transition(
                session,
                row,
                STAGE_EVENTS[name],
                f"event {name}",
                call.occurred_at,
                call.messageId,
                backward=name in BACKWARD_EVENTS,
            )
    return emitted


def current(session: Session, contact_id: str) -> LeadScore | None:
    return session.get(LeadScore, contact_id)


def history(session: Session, contact_id: str, limit: int = 200) -> list[ScoreChange]:
    query = select(ScoreChange).where(ScoreChange.contact_id == contact_id).order_by(ScoreChange.id.desc())
    return list(session.execute(query.limit(limit)).scalars())


def stage_history(session: Session, contact_id: str) -> list[StageChange]:
    query = select(StageChange).where(StageChange.contact_id == contact_id).order_by(StageChange.id)
    return list(session.execute(query).scalars())

"""Scoring work that runs over many contacts: decay of the inactive, rescore after a
rules change. Both are idempotent, so a retried or repeated run changes nothing twice.

Decay steps are dated at `last activity + k * after` (not at the scan time), the same
dates a rescore computes, so a contact's score does not depend on when the scan ran.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from orkiestra.models import Contact, Event, LeadScore
from orkiestra.persistence.scoring import lock, qualify_if_crossed, record, transition
from orkiestra.scoring import ScoringModel
from orkiestra.scoring.engine import Change, ScoredEvent, decays_due, replay
from orkiestra.segment import SegmentCall


def inactive_contacts(session: Session, model: ScoringModel, now: datetime, limit: int) -> list[str]:
    """Contacts with points whose last activity is at least one decay period old and who
    owe a decay step (never decayed, or last decayed before the period now due)."""
    cutoff = now - model.decay.after
    query = (
        select(LeadScore.contact_id)
        .where(LeadScore.score > model.decay.floor, LeadScore.last_activity_at <= cutoff)
        .where(or_(LeadScore.last_decay_at.is_(None), LeadScore.last_decay_at <= cutoff))
        .order_by(LeadScore.contact_id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def decay_contact(session: Session, model: ScoringModel, contact_id: str, now: datetime) -> int:
    """Apply every decay step the contact owes at `now`; returns the points removed."""
    row = lock(session, contact_id)
    steps = decays_due(model, row.last_activity_at, row.last_decay_at, now)
    if steps == 0 or row.last_activity_at is None:
        return 0
    done = 0
    if row.last_decay_at is not None and row.last_decay_at >= row.last_activity_at:
        done = int((row.last_decay_at - row.last_activity_at) / model.decay.after)
    removed = 0
    for k in range(done + 1, done + steps + 1):
        at = row.last_activity_at + k * model.decay.after
        reason = f"no activity for {(at - row.last_activity_at).days} days {model.decay.points:+d}"
        removed += record(session, row, Change(model.decay.points, "decay", "decay", reason), model, at, None)
        row.last_decay_at = at
    return removed


def stale_contacts(session: Session, model: ScoringModel, limit: int, after: str = "") -> list[str]:
    """Contacts scored under another model version (in id order, from `after`)."""
    query = (
        select(LeadScore.contact_id)
        .where(LeadScore.model_version != model.version, LeadScore.contact_id > after)
        .order_by(LeadScore.contact_id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def rescore_contact(
    session: Session, model: ScoringModel, contact_id: str, now: datetime
) -> list[SegmentCall]:
    """Recompute the score from the contact's events and traits under `model` and record
    the difference as one `rescore` change. Crossing the threshold qualifies as usual."""
    row = lock(session, contact_id)
    names = sorted(model.scored_events)
    rows = session.execute(
        select(Event.name, Event.properties, Event.timestamp).where(
            Event.contact_id == contact_id, Event.name.in_(names)
        )
    ).all()
    contact = session.get(Contact, contact_id)
    traits = (contact.traits or {}) if contact is not None else {}
    result = replay(model, [ScoredEvent(n, p or {}, t) for n, p, t in rows], traits, now)
    before = row.score
    if result.score != row.score:
        old = row.model_version or "none"
        reason = f"rescored under rules {model.version} (was {old}): {before} -> {result.score}"
        change = Change(result.score - before, "rescore", "rescore", reason)
        record(session, row, change, model, now, None, exact=True)
    row.fit = result.fit
    row.last_activity_at = result.last_activity
    row.last_decay_at = result.last_decay
    row.model_version = model.version
    if result.score > 0 and row.stage == "subscriber":
        transition(session, row, "lead", "rescore: engaged under the new rules", now)
    return qualify_if_crossed(session, row, model, before, now, "rescore")

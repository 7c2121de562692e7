"""Scoring work over the database, run by the `scoring-maintenance` scheduled workflow
(and the `orkiestra scoring rescore` command): rescore contacts scored under older rules,
then decay the inactive. One scheduled scan, not one timer per contact.

Each contact is handled in its own short transaction, so a long run never holds locks
for long and a retried activity starts over harmlessly (both jobs are idempotent).
"""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import scoring, scoring_jobs
from orkiestra.persistence.ingest import store_calls
from orkiestra.sales.contracts import ScoringJob, ScoringJobResult
from orkiestra.scoring import ScoringModel

log = get_logger(__name__)


def _heartbeat(detail: object) -> None:
    if activity.in_activity():
        activity.heartbeat(detail)


class ScoringActivities:
    def __init__(self, sessions: SessionFactory, model: ScoringModel, interesting: frozenset[str]) -> None:
        self.sessions = sessions
        self.model = model
        self.interesting = interesting

    def rescore_all(self, now: datetime, batch: int = 500) -> ScoringJobResult:
        result = ScoringJobResult()
        after = ""
        while True:
            with self.sessions() as session:
                ids = scoring_jobs.stale_contacts(session, self.model, batch, after)
            if not ids:
                break
            for contact_id in ids:
                with transaction(self.sessions) as session:
                    before = scoring.lock(session, contact_id).score
                    emitted = scoring_jobs.rescore_contact(session, self.model, contact_id, now)
                    result.points += scoring.lock(session, contact_id).score - before
                    if emitted:
                        store_calls(session, emitted, self.interesting)
                result.contacts += 1
                result.qualified += len(emitted)
            after = ids[-1]
            _heartbeat(after)
        log.info("scoring.rescored", version=self.model.version, **result.model_dump())
        return result

    def decay_all(self, now: datetime, batch: int = 500) -> ScoringJobResult:
        result = ScoringJobResult()
        while True:
            with self.sessions() as session:
                ids = scoring_jobs.inactive_contacts(session, self.model, now, batch)
            changed = 0
            for contact_id in ids:
                with transaction(self.sessions) as session:
                    removed = scoring_jobs.decay_contact(session, self.model, contact_id, now)
                result.points += removed
                result.contacts += 1 if removed else 0
                changed += 1 if removed else 0
            _heartbeat(result.contacts)
            # A batch in which nobody changed (all at the floor meanwhile) ends the scan.
            if len(ids) < batch or changed == 0:
                break
        log.info("scoring.decayed", contacts=result.contacts, points=result.points)
        return result

    @activity.defn(name="scoring_rescore")
    def rescore(self, job: ScoringJob) -> ScoringJobResult:
        return self.rescore_all(job.now, job.batch)

    @activity.defn(name="scoring_decay")
    def decay(self, job: ScoringJob) -> ScoringJobResult:
        return self.decay_all(job.now, job.batch)

"""Journey runs as the database knows them: who is in which journey, and how it ended."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from orkiestra.models import JourneyRun
from orkiestra.persistence.dialect import insert_for


def record_start(session: Session, workflow_id: str, run_id: str, journey: str, contact_id: str) -> None:
    """Record a run the dispatcher started; a signal to an already-recorded active run
    (possibly continued-as-new under a newer run id) adds nothing."""
    active = session.execute(
        select(JourneyRun.run_id).where(JourneyRun.workflow_id == workflow_id, JourneyRun.status == "active")
    ).first()
    if active is not None:
        return
    session.execute(
        insert_for(session, JourneyRun)
        .values(
            run_id=run_id,
            workflow_id=workflow_id,
            journey=journey,
            contact_id=contact_id,
            status="active",
            started_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["run_id"])
    )


def record_end(
    session: Session,
    run_id: str,
    workflow_id: str,
    journey: str,
    contact_id: str,
    status: str,
    detail: str | None,
) -> None:
    now = datetime.now(UTC)
    session.execute(
        insert_for(session, JourneyRun)
        .values(
            run_id=run_id,
            workflow_id=workflow_id,
            journey=journey,
            contact_id=contact_id,
            status=status,
            outcome=detail,
            started_at=now,
            ended_at=now,
        )
        .on_conflict_do_update(
            index_elements=["run_id"], set_={"status": status, "outcome": detail, "ended_at": now}
        )
    )


def active_runs(session: Session, contact_id: str, journeys: list[str] | None = None) -> list[JourneyRun]:
    """The contact's active runs, of the named journeys or of all when `journeys` is None."""
    query = select(JourneyRun).where(JourneyRun.contact_id == contact_id, JourneyRun.status == "active")
    if journeys is not None:
        query = query.where(JourneyRun.journey.in_(journeys))
    return list(session.execute(query).scalars())


def last_run(session: Session, workflow_id: str) -> JourneyRun | None:
    return (
        session.execute(
            select(JourneyRun)
            .where(JourneyRun.workflow_id == workflow_id)
            .order_by(JourneyRun.started_at.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def runs_for_contact(session: Session, contact_id: str) -> list[JourneyRun]:
    return list(
        session.execute(
            select(JourneyRun).where(JourneyRun.contact_id == contact_id).order_by(JourneyRun.started_at)
        ).scalars()
    )


def counts_by_journey(session: Session) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(JourneyRun.journey, JourneyRun.status, func.count()).group_by(
            JourneyRun.journey, JourneyRun.status
        )
    )
    for journey, status, n in rows:
        out.setdefault(journey, {})[status] = n
    return out


def mark_exited(session: Session, contact_id: str) -> None:
    session.execute(
        update(JourneyRun)
        .where(JourneyRun.contact_id == contact_id, JourneyRun.status == "active")
        .values(status="exited", ended_at=datetime.now(UTC))
    )

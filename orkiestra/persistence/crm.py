"""The built-in CRM's SQL: owners, leads, tasks and notes.

Tasks and notes are created by key (`INSERT ... ON CONFLICT DO NOTHING` on a unique
key), so the activity that creates them can be retried and replayed freely.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from orkiestra.models import CrmNote, CrmTask, Lead, Owner
from orkiestra.persistence.dialect import insert_for
from orkiestra.sales.assignment import Candidate, choose_owner


def owners(session: Session, active_only: bool = False) -> list[Owner]:
    query = select(Owner).order_by(Owner.id)
    if active_only:
        query = query.where(Owner.active.is_(True))
    return list(session.execute(query).scalars())


def owner(session: Session, owner_id: str | None) -> Owner | None:
    return session.get(Owner, owner_id) if owner_id else None


def save_owner(session: Session, owner_id: str, fields: dict[str, Any]) -> Owner:
    row = session.get(Owner, owner_id)
    if row is None:
        row = Owner(id=owner_id, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    session.flush()
    return row


def assign(
    session: Session, traits: dict[str, Any], exclude: Sequence[str], at: datetime
) -> tuple[Owner | None, str]:
    """Pick an owner (see `choose_owner`) and mark them as the last one assigned."""
    query = select(Owner).where(Owner.active.is_(True)).order_by(Owner.id).with_for_update()
    rows = list(session.execute(query).scalars())
    candidates = [Candidate(o.id, tuple(o.industries or ()), o.territory, o.last_assigned_at) for o in rows]
    chosen, rule = choose_owner(candidates, traits, exclude)
    if chosen is None:
        return None, rule
    row = next(o for o in rows if o.id == chosen.id)
    row.last_assigned_at = at
    return row, rule


def upsert_lead(session: Session, contact_id: str, **fields: Any) -> Lead:
    now = datetime.now(UTC)
    session.execute(
        insert_for(session, Lead)
        .values(contact_id=contact_id, details={}, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
    )
    lead = session.execute(
        select(Lead).where(Lead.contact_id == contact_id).execution_options(populate_existing=True)
    ).scalar_one()
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.updated_at = now
    return lead


def lead(session: Session, contact_id: str) -> Lead | None:
    return session.get(Lead, contact_id)


def lead_by_external_id(session: Session, external_id: str) -> Lead | None:
    return session.execute(select(Lead).where(Lead.external_id == external_id)).scalars().first()


def leads(session: Session, owner_id: str | None, status: str | None, limit: int) -> list[Lead]:
    query = select(Lead).order_by(Lead.updated_at.desc()).limit(limit)
    if owner_id:
        query = query.where(Lead.owner_id == owner_id)
    if status:
        query = query.where(Lead.status == status)
    return list(session.execute(query).scalars())


def create_task(session: Session, key: str, **fields: Any) -> CrmTask:
    """The task with this key, created now if it does not exist yet."""
    at = fields.pop("at")
    session.execute(
        insert_for(session, CrmTask)
        .values(key=key, status="open", created_at=at, updated_at=at, **fields)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.execute(select(CrmTask).where(CrmTask.key == key)).scalar_one()


def create_note(session: Session, key: str, **fields: Any) -> CrmNote:
    at = fields.pop("at")
    session.execute(
        insert_for(session, CrmNote)
        .values(key=key, created_at=at, **fields)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.execute(select(CrmNote).where(CrmNote.key == key)).scalar_one()


def set_external_id(session: Session, model: type, row_id: Any, external_id: str) -> None:
    key = model.contact_id if model is Lead else model.id  # type: ignore[attr-defined]
    session.execute(update(model).where(key == row_id).values(external_id=external_id))


def open_tasks(
    session: Session, contact_id: str, kinds: Sequence[str], owner_id: str | None
) -> list[CrmTask]:
    query = select(CrmTask).where(
        CrmTask.contact_id == contact_id, CrmTask.status == "open", CrmTask.kind.in_(list(kinds))
    )
    if owner_id:
        query = query.where(CrmTask.owner_id == owner_id)
    return list(session.execute(query.order_by(CrmTask.id)).scalars())


def tasks(
    session: Session, owner_id: str | None, status: str | None, contact_id: str | None, limit: int
) -> list[CrmTask]:
    query = select(CrmTask).order_by(CrmTask.id.desc()).limit(limit)
    if owner_id:
        query = query.where(CrmTask.owner_id == owner_id)
    if status:
        query = query.where(CrmTask.status == status)
    if contact_id:
        query = query.where(CrmTask.contact_id == contact_id)
    return list(session.execute(query).scalars())


def notes(session: Session, contact_id: str, limit: int = 200) -> list[CrmNote]:
    query = select(CrmNote).where(CrmNote.contact_id == contact_id).order_by(CrmNote.id)
    return list(session.execute(query.limit(limit)).scalars())

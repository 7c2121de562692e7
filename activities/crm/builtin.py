"""The built-in CRM: leads, tasks and notes as rows in our database.

Sales works them through the admin API (`/v1/leads`, `/v1/tasks`); completing a task
there is the "lead contacted" signal, as a CRM webhook would be.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from orkiestra.db import SessionFactory, transaction
from orkiestra.models import CrmNote, CrmTask, Event
from orkiestra.persistence import contacts, crm, scoring
from orkiestra.sales.contracts import CloseTasks, CrmRef, LeadPush, LeadRef, NoteRequest, TaskRequest

RECENT_EVENTS = 8


class BuiltinCrm:
    name = "builtin"

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    # ----- leads -----------------------------------------------------------------------
    def _push(self, push: LeadPush) -> LeadRef:
        with transaction(self.sessions) as session:
            contact = contacts.get_contact(session, push.contact_id)
            traits = (contact.traits or {}) if contact else {}
            score = scoring.current(session, push.contact_id)
            name = " ".join(p for p in (contact.first_name, contact.last_name) if p) if contact else ""
            explanation = "\n".join(
                f"{c.delta:+d} {c.reason}" for c in scoring.history(session, push.contact_id, 10)
            )
            recent = [
                f"{e.timestamp:%Y-%m-%d %H:%M} {e.name or e.type}"
                for e in session.execute(
                    select(Event)
                    .where(Event.contact_id == push.contact_id, Event.type == "track")
                    .order_by(Event.timestamp.desc())
                    .limit(RECENT_EVENTS)
                ).scalars()
            ]
            lead = crm.upsert_lead(
                session,
                push.contact_id,
                owner_id=push.owner_id,
                stage=push.stage,
                status=push.status,
                score=score.score if score else 0,
                email=contact.email if contact else None,
                name=name or push.contact_id,
                company=str(traits.get("company") or traits.get("company_name") or "") or None,
                details={"explanation": explanation, "recent_activity": recent},
            )
            return LeadRef(
                contact_id=push.contact_id,
                name=lead.name or push.contact_id,
                email=lead.email,
                score=lead.score,
                external_id=lead.external_id,
                explanation=explanation,
                recent_activity=recent,
            )

    async def push_lead(self, push: LeadPush) -> LeadRef:
        return await asyncio.to_thread(self._push, push)

    # ----- tasks and notes -------------------------------------------------------------
    def task_row(self, task: TaskRequest) -> CrmTask:
        with transaction(self.sessions) as session:
            return crm.create_task(
                session,
                task.key,
                contact_id=task.contact_id,
                owner_id=task.owner_id,
                kind=task.kind,
                title=task.title[:500],
                body=task.body,
                due_at=task.due_at,
                at=task.at,
            )

    def note_row(self, note: NoteRequest) -> CrmNote:
        with transaction(self.sessions) as session:
            return crm.create_note(
                session,
                note.key,
                contact_id=note.contact_id,
                owner_id=note.owner_id,
                body=note.body,
                at=note.at,
            )

    async def create_task(self, task: TaskRequest) -> CrmRef:
        row = await asyncio.to_thread(self.task_row, task)
        return CrmRef(id=row.id or 0, external_id=row.external_id)

    async def add_note(self, note: NoteRequest) -> CrmRef:
        row = await asyncio.to_thread(self.note_row, note)
        return CrmRef(id=row.id or 0, external_id=row.external_id)

    def open_rows(self, request: CloseTasks) -> list[CrmTask]:
        with self.sessions() as session:
            return crm.open_tasks(session, request.contact_id, request.kinds, request.owner_id)

    def close_rows(self, request: CloseTasks) -> list[CrmTask]:
        with transaction(self.sessions) as session:
            rows = crm.open_tasks(session, request.contact_id, request.kinds, request.owner_id)
            for row in rows:
                row.status = request.status
                row.updated_at = datetime.now(UTC)
            return rows

    async def close_tasks(self, request: CloseTasks) -> int:
        return len(await asyncio.to_thread(self.close_rows, request))

    def save_external_id(self, model: type, row_id: object, external_id: str) -> None:
        with transaction(self.sessions) as session:
            crm.set_external_id(session, model, row_id, external_id)

    def lead_external_id(self, contact_id: str) -> tuple[str | None, str | None]:
        with self.sessions() as session:
            lead = crm.lead(session, contact_id)
            owner = crm.owner(session, lead.owner_id) if lead else None
            return (lead.external_id if lead else None), (owner.hubspot_owner_id if owner else None)

    def hubspot_owner(self, owner_id: str | None) -> str | None:
        with self.sessions() as session:
            row = crm.owner(session, owner_id)
            return row.hubspot_owner_id if row else None

"""A contact's history in one list: events, journey starts and ends, messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from orkiestra.models import Event
from orkiestra.persistence import journeys, messages


def for_contact(session: Session, contact_id: str, limit: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    events = session.execute(
        select(Event).where(Event.contact_id == contact_id).order_by(Event.timestamp.desc()).limit(limit)
    ).scalars()
    for ev in events:
        title = ev.name or ev.type
        entries.append(
            {
                "at": ev.timestamp,
                "kind": f"event.{ev.type}",
                "title": title,
                "detail": {"message_id": ev.message_id, "properties": ev.properties},
            }
        )
    for run in journeys.runs_for_contact(session, contact_id):
        entries.append(
            {
                "at": run.started_at,
                "kind": "journey.started",
                "title": run.journey,
                "detail": {"workflow_id": run.workflow_id},
            }
        )
        if run.ended_at is not None:
            entries.append(
                {
                    "at": run.ended_at,
                    "kind": f"journey.{run.status}",
                    "title": run.journey,
                    "detail": {"workflow_id": run.workflow_id, "outcome": run.outcome},
                }
            )
    for msg in messages.for_contact(session, contact_id, limit):
        entries.append(
            {
                "at": msg.created_at,
                "kind": f"message.{msg.status}",
                "title": f"{msg.channel}:{msg.template}",
                "detail": {
                    "journey": msg.journey,
                    "reason": msg.reason,
                    "subject": msg.subject,
                    "retry_at": msg.retry_at,
                },
            }
        )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]

"""Side effects of the lead SLA journey: owner choice, CRM pushes, the SLA plan, owner
emails and the internal events that put each step on the contact's timeline.

CRM writes go through the `Crm` interface (builtin or HubSpot, per ORKIESTRA_CRM).
Internal events are stored through the ingest path (`store_calls`): the API's
dispatcher, which polls the outbox, routes those that journeys care about.
"""

from __future__ import annotations

import hashlib
from datetime import time
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from sqlmodel import Session
from temporalio import activity

from activities.crm import Crm
from orkiestra.contracts import ProfileRequest
from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import contacts, crm, scoring
from orkiestra.persistence.ingest import store_calls
from orkiestra.sales.business_hours import BusinessCalendar, add_business_hours
from orkiestra.sales.contracts import (
    Assignment,
    AssignOwner,
    CloseTasks,
    CrmRef,
    LeadEvent,
    LeadPush,
    LeadRef,
    NoteRequest,
    OwnerNotice,
    OwnerRef,
    SlaPlan,
    SlaPlanRequest,
    TaskRequest,
)
from orkiestra.segment import TrackCall
from orkiestra.settings import Settings

log = get_logger(__name__)


def _clock(text: str) -> time:
    hour, _, minute = text.partition(":")
    return time(int(hour), int(minute or 0))


def calendar_for(settings: Settings, timezone: str | None, country: str | None) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=timezone or "Europe/Warsaw",
        country=country,
        opens=_clock(settings.sla_day_start),
        closes=_clock(settings.sla_day_end),
    )


class SalesActivities:
    def __init__(
        self, sessions: SessionFactory, settings: Settings, crm_impl: Crm, interesting: frozenset[str]
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.crm = crm_impl
        self.interesting = interesting

    def _owner_ref(self, session: Session, owner_id: str | None) -> OwnerRef | None:
        row = crm.owner(session, owner_id)
        return OwnerRef.model_validate(row, from_attributes=True) if row else None

    @activity.defn(name="sales_assign_owner")
    def assign_owner(self, request: AssignOwner) -> Assignment:
        """Choose the lead's owner (industry rule, territory rule, else round-robin)."""
        with transaction(self.sessions) as session:
            contact = contacts.get_contact(session, request.contact_id)
            traits = (contact.traits or {}) if contact else {}
            owner, rule = crm.assign(session, traits, request.exclude, request.at)
            if owner is None:
                log.warning("sales.owner.none", contact_id=request.contact_id)
                return Assignment(rule=rule)
            manager = self._owner_ref(session, owner.manager_id)
            chosen = self._owner_ref(session, owner.id)
        log.info("sales.owner.assigned", contact_id=request.contact_id, owner=owner.id, rule=rule)
        return Assignment(owner=chosen, manager=manager, rule=rule)

    @activity.defn(name="sales_lead_stage")
    def lead_stage(self, request: ProfileRequest) -> str:
        """The contact's lifecycle stage (subscriber when never scored)."""
        with self.sessions() as session:
            row = scoring.current(session, request.contact_id)
        return row.stage if row else "subscriber"

    @activity.defn(name="sales_plan_sla")
    def plan_sla(self, request: SlaPlanRequest) -> SlaPlan:
        """Reminder and breach instants in the owner's business hours (holidays skipped)."""
        with self.sessions() as session:
            owner = crm.owner(session, request.owner_id)
        calendar = calendar_for(
            self.settings, owner.timezone if owner else None, owner.country if owner else "PL"
        )
        hours = self.settings.sla_business_hours
        # SLAs are kept in whole minutes: the clock counts from the minute it started.
        start = request.start.replace(second=0, microsecond=0)
        return SlaPlan(
            hours=hours,
            rounds=self.settings.sla_rounds,
            timezone=calendar.timezone,
            remind_at=add_business_hours(start, hours * self.settings.sla_reminder_share, calendar),
            breach_at=add_business_hours(start, hours, calendar),
        )

    @activity.defn(name="crm_push_lead")
    async def push_lead(self, push: LeadPush) -> LeadRef:
        return await self.crm.push_lead(push)

    @activity.defn(name="crm_create_task")
    async def create_task(self, task: TaskRequest) -> CrmRef:
        return await self.crm.create_task(task)

    @activity.defn(name="crm_add_note")
    async def add_note(self, note: NoteRequest) -> CrmRef:
        return await self.crm.add_note(note)

    @activity.defn(name="crm_close_tasks")
    async def close_tasks(self, request: CloseTasks) -> int:
        return await self.crm.close_tasks(request)

    @activity.defn(name="sales_emit_event")
    def emit_event(self, event: LeadEvent) -> bool:
        """Store an event about the lead (idempotent by messageId); True if new."""
        call = TrackCall(
            userId=event.contact_id,
            event=event.name,
            messageId=event.message_id,
            properties=event.properties,
            timestamp=event.at,
        )
        with transaction(self.sessions) as session:
            stored = store_calls(session, [call], self.interesting).stored
        log.info("sales.event.stored", contact_id=event.contact_id, event_name=event.name, new=bool(stored))
        return bool(stored)

    @activity.defn(name="sales_notify_owner")
    async def notify_owner(self, notice: OwnerNotice) -> str | None:
        """Email an owner or manager. The Message-ID comes from the key, so a retry is
        recognisable as the same mail."""
        with self.sessions() as session:
            owner = crm.owner(session, notice.owner_id)
        if owner is None or not owner.email:
            return None
        msg = EmailMessage()
        msg["From"] = self.settings.email_from
        msg["To"] = owner.email
        msg["Subject"] = notice.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{hashlib.sha256(notice.key.encode()).hexdigest()[:32]}@orkiestra>"
        msg.set_content(f"Hi {owner.name},\n\n{notice.body}\n\n-- orkiestra lead SLA")
        await aiosmtplib.send(
            msg,
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=30,
        )
        log.info("sales.owner.notified", owner=owner.id, subject=notice.subject)
        return str(msg["Message-ID"])

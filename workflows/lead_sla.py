"""Lead SLA (seed 001, DESIGN "Sales handoff"): a new MQL gets an owner, a CRM task
"contact within N business hours", a reminder at 75 % of the time, and at breach an
escalation to the owner's manager and a new owner. After K missed rounds the lead goes
back to nurturing. The clock counts the owner's business hours (time zone, weekends,
public holidays); it is planned by an activity, so its result is part of the history.

CRM webhooks (`POST /v1/webhooks/crm`) and the built-in CRM's task API turn "contacted",
"accepted", "disqualified" and "deal won" into events: `Lead Contacted` is the goal, the
others exit the run; either ends every wait at once, so no timer outlives the SLA.
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyStart
    from orkiestra.sales.contracts import (
        Assignment,
        AssignOwner,
        CloseTasks,
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
    from workflows.sdk import Journey, JourneyEnded, journey
    from workflows.sdk.core import ACTIVITY_RETRY

CRM_TIMEOUT = timedelta(minutes=3)
EXITS = ("Lead Accepted", "Lead Disqualified", "Deal Won")
WORKED = ("Lead Accepted", "Deal Won")


def _due(plan: SlaPlan) -> str:
    return f"{plan.breach_at:%Y-%m-%d %H:%M} UTC"


@journey(trigger="Lead Qualified", goal="Lead Contacted", exits=EXITS, reentry=True)
class LeadSla(Journey):
    """MQL → owner + CRM task; remind at 75 %, escalate and reassign at breach, K rounds."""

    async def run(self, start: JourneyStart) -> None:
        self.step("assign")
        assignment = await self._assign([])
        lead = await self._push(assignment.owner, "mql", "new")
        await self._note("handoff", assignment.owner, self._handoff_note(lead, assignment))
        owner = assignment.owner
        missed: list[str] = []
        round_no = 0
        try:
            while True:
                round_no += 1
                request = SlaPlanRequest(owner_id=owner.id if owner else None, start=workflow.now())
                plan = await self._act("sales_plan_sla", request, SlaPlan)
                if await self._round(round_no, owner, assignment.manager, lead, plan):
                    return
                missed.append(owner.id if owner else "")
                if round_no >= plan.rounds:
                    break
                assignment = await self._assign([m for m in missed if m])
                await self._reassign(round_no, owner, assignment, lead)
                owner = assignment.owner
            await self._return_to_nurture(lead, owner, len(missed))
        except JourneyEnded as ended:
            # Accepted or won: sales did the work. Disqualified or exited by support: dropped.
            worked = ended.detail in {f"exit event {name}" for name in WORKED}
            await self._close(owner, "done" if worked else "cancelled", ended.detail or ended.status)
            raise

    # ----- one SLA round ------------------------------------------------------------------
    async def _round(
        self, round_no: int, owner: OwnerRef | None, manager: OwnerRef | None, lead: LeadRef, plan: SlaPlan
    ) -> bool:
        """True when the lead was contacted within this round."""
        r = f"r{round_no}"
        who = owner.name if owner else "unassigned"
        title = f"Contact {lead.name} within {plan.hours:g} business hours"
        body = f"Lead score {lead.score}. Due {_due(plan)} ({plan.timezone}).\n{lead.explanation}"
        await self._task(f"{r}/task", owner, "sla", title, body, plan.breach_at)
        await self._notify(f"{r}/assigned", owner, f"New lead: {lead.name}", body)
        await self._event(
            f"{r}/assigned", "Lead Assigned", owner=who, round=round_no, due_at=plan.breach_at.isoformat()
        )
        self.step(f"round {round_no}: waiting for contact")
        if await self._sleep_until(plan.remind_at):
            return await self._met(owner, round_no)
        self.step(f"round {round_no}: reminded")
        text = f"Reminder: the SLA for {lead.name} ({plan.hours:g} business hours) ends {_due(plan)}."
        await self._task(
            f"{r}/reminder", owner, "reminder", f"SLA reminder: {lead.name}", text, plan.breach_at
        )
        await self._notify(f"{r}/reminder", owner, f"Reminder: contact {lead.name}", text)
        await self._event(f"{r}/reminder", "Lead SLA Reminder", owner=who, round=round_no)
        if await self._sleep_until(plan.breach_at):
            return await self._met(owner, round_no)
        self.step(f"round {round_no}: escalated")
        await self._close(owner, "missed", f"SLA breached in round {round_no}")
        text = (
            f"SLA breached: {who} did not contact {lead.name} within {plan.hours:g} business hours "
            f"(due {_due(plan)})."
        )
        target = manager or owner
        await self._task(
            f"{r}/escalation", target, "escalation", f"Escalation: {lead.name} not contacted", text, None
        )
        await self._note(f"{r}/escalation", target, text)
        await self._notify(f"{r}/escalation", manager, f"Escalation: {lead.name} not contacted in time", text)
        await self._event(
            f"{r}/breached",
            "Lead SLA Breached",
            owner=who,
            manager=manager.name if manager else None,
            round=round_no,
        )
        return False

    async def _met(self, owner: OwnerRef | None, round_no: int) -> bool:
        await self._close(owner, "done", f"contacted in round {round_no}")
        return True

    async def _reassign(self, round_no: int, old: OwnerRef | None, new: Assignment, lead: LeadRef) -> None:
        self.step(f"round {round_no}: reassigning")
        await self._push(new.owner, "mql", "open")
        before, after = (old.name if old else "nobody"), (new.owner.name if new.owner else "nobody")
        await self._note(
            f"r{round_no}/reassigned",
            new.owner,
            f"Reassigned from {before} to {after} after a missed SLA ({new.rule}).",
        )
        await self._event(f"r{round_no}/reassigned", "Lead Reassigned", previous_owner=before, owner=after)

    async def _return_to_nurture(self, lead: LeadRef, owner: OwnerRef | None, rounds: int) -> None:
        self.step("returned to nurture")
        await self._close(owner, "cancelled", "returned to nurture")
        await self._push(owner, "lead", "nurture")
        await self._note(
            "nurture", owner, f"Returned to nurturing after {rounds} missed SLA rounds; back to stage lead."
        )
        await self._event("nurture", "Lead Returned to Nurture", rounds=rounds, score=lead.score)

    # ----- helpers --------------------------------------------------------------------------
    async def _sleep_until(self, moment: datetime) -> bool:
        return await self.wait(max(moment - workflow.now(), timedelta(0)))

    def _key(self, step: str) -> str:
        info = workflow.info()
        return f"{info.workflow_id}/{info.first_execution_run_id}/{step}"

    async def _act(self, name: str, arg: Any, result_type: Any = None) -> Any:
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=CRM_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _crm(self, name: str, arg: Any, result_type: Any = None) -> Any:
        """A CRM call that must not end the SLA: a permanent CRM error is logged, the
        SLA clock goes on (the step is in our database either way)."""
        try:
            return await self._act(name, arg, result_type)
        except ActivityError as exc:
            workflow.logger.warning(
                "sales.crm.failed", extra={"activity": name, "error": str(exc.cause or exc)}
            )
            return None

    async def _assign(self, exclude: list[str]) -> Assignment:
        request = AssignOwner(contact_id=self.contact_id, exclude=exclude, at=workflow.now())
        return await self._act("sales_assign_owner", request, Assignment)

    async def _push(self, owner: OwnerRef | None, stage: str, status: str) -> LeadRef:
        push = LeadPush(
            contact_id=self.contact_id,
            owner_id=owner.id if owner else None,
            stage=stage,
            status=status,
            at=workflow.now(),
        )
        pushed = await self._crm("crm_push_lead", push, LeadRef)
        return pushed or LeadRef(contact_id=self.contact_id, name=self.contact_id)

    async def _task(
        self, step: str, owner: OwnerRef | None, kind: str, title: str, body: str, due: datetime | None
    ) -> None:
        task = TaskRequest(
            key=self._key(step), contact_id=self.contact_id, owner_id=owner.id if owner else None, kind=kind,
            title=title, body=body, due_at=due, at=workflow.now(),
        )  # fmt: skip
        await self._crm("crm_create_task", task)

    async def _note(self, step: str, owner: OwnerRef | None, body: str) -> None:
        note = NoteRequest(
            key=self._key(step),
            contact_id=self.contact_id,
            owner_id=owner.id if owner else None,
            body=body,
            at=workflow.now(),
        )
        await self._crm("crm_add_note", note)

    async def _close(self, owner: OwnerRef | None, status: str, why: str) -> None:
        request = CloseTasks(contact_id=self.contact_id, status=status, at=workflow.now())
        await self._crm("crm_close_tasks", request)
        workflow.logger.info("sales.tasks.closed", extra={"contact_id": self.contact_id, "why": why})

    async def _notify(self, step: str, owner: OwnerRef | None, subject: str, body: str) -> None:
        if owner is not None:
            await self._crm(
                "sales_notify_owner",
                OwnerNotice(key=self._key(step), owner_id=owner.id, subject=subject, body=body),
            )

    async def _event(self, step: str, name: str, **properties: Any) -> None:
        event = LeadEvent(
            message_id=self._key(step),
            contact_id=self.contact_id,
            name=name,
            properties=properties,
            at=workflow.now(),
        )
        await self._act("sales_emit_event", event)

    def _handoff_note(self, lead: LeadRef, assignment: Assignment) -> str:
        owner = (
            assignment.owner.name if assignment.owner else "nobody (configure owners: PUT /v1/owners/{id})"
        )
        recent = "\n".join(f"- {line}" for line in lead.recent_activity) or "- none recorded"
        return (
            f"Marketing-qualified lead, score {lead.score}. Owner: {owner} (rule: {assignment.rule}).\n"
            f"Why this score:\n{lead.explanation or '(no history)'}\nRecent activity:\n{recent}"
        )

"""HubSpot CRM v3 over httpx: contacts (upsert by email), tasks and notes on the contact.

Rate limits: HubSpot answers 429 with `Retry-After` (seconds); the client waits that long
and tries again, up to `max_wait` per pause, then hands the failure to Temporal's activity
retry rather than holding a worker slot for minutes. 5xx answers are retried the same
way. Other 4xx answers are configuration or data problems: they fail without retrying.

Every object is first recorded in the built-in tables under its idempotency key; HubSpot
is only called for rows that have no HubSpot id yet, so a retried activity does not create
a second task. (A crash between HubSpot's answer and saving its id can still duplicate
one task; HubSpot has no idempotency key on create.)
"""

from __future__ import annotations

import asyncio
import email.utils
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio.exceptions import ApplicationError

from activities.crm.builtin import BuiltinCrm
from orkiestra.logging import get_logger
from orkiestra.models import CrmNote, CrmTask, Lead
from orkiestra.sales.contracts import CloseTasks, CrmRef, LeadPush, LeadRef, NoteRequest, TaskRequest

log = get_logger(__name__)
TASK_TO_CONTACT = 204  # HUBSPOT_DEFINED association type ids
NOTE_TO_CONTACT = 202
LIFECYCLE = {
    "subscriber": "subscriber",
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
}
LIFECYCLE_ORDER = list(LIFECYCLE.values())
LEAD_STATUS = {
    "new": "NEW",
    "open": "OPEN",
    "contacted": "CONNECTED",
    "accepted": "IN_PROGRESS",
    "nurture": "BAD_TIMING",
    "disqualified": "UNQUALIFIED",
}
PERMANENT = frozenset({400, 404, 409, 422})


class HubSpotError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HubSpot answered {status}: {message}")
        self.status = status


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from `Retry-After` (a number or an HTTP date), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when else None


class HubSpotClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        http: httpx.AsyncClient | None = None,
        *,
        attempts: int = 5,
        max_wait: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = http or httpx.AsyncClient(timeout=20)
        self.attempts = attempts
        self.max_wait = max_wait

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        for attempt in range(1, self.attempts + 1):
            response = await self.http.request(method, self.base_url + path, json=body, headers=self.headers)
            if response.status_code == 429 or response.status_code >= 500:
                wait = retry_after(response)
                wait = min(2.0 ** (attempt - 1), self.max_wait) if wait is None else wait
                if attempt == self.attempts or wait > self.max_wait:
                    raise HubSpotError(response.status_code, f"still limited after {attempt} tries")
                log.warning("crm.hubspot.retrying", status=response.status_code, wait=wait, path=path)
                await asyncio.sleep(wait)
                continue
            if response.status_code >= 400:
                raise HubSpotError(response.status_code, response.text[:500])
            return response.json() if response.content else {}
        raise AssertionError("unreachable")

    async def upsert_contact(self, email_address: str, properties: dict[str, Any]) -> str:
        body = {"inputs": [{"idProperty": "email", "id": email_address, "properties": properties}]}
        answer = await self.request("POST", "/crm/v3/objects/contacts/batch/upsert", body)
        return str(answer["results"][0]["id"])

    async def get_contact(self, contact_id: str, properties: list[str]) -> dict[str, Any]:
        query = ",".join(properties)
        return await self.request("GET", f"/crm/v3/objects/contacts/{contact_id}?properties={query}")

    async def update_contact(self, contact_id: str, properties: dict[str, Any]) -> None:
        await self.request("PATCH", f"/crm/v3/objects/contacts/{contact_id}", {"properties": properties})

    async def _create(self, kind: str, properties: dict[str, Any], contact_id: str, type_id: int) -> str:
        association = {
            "to": {"id": contact_id},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
        }
        body = {"properties": properties, "associations": [association]}
        return str((await self.request("POST", f"/crm/v3/objects/{kind}", body))["id"])

    async def create_task(self, properties: dict[str, Any], contact_id: str) -> str:
        return await self._create("tasks", properties, contact_id, TASK_TO_CONTACT)

    async def create_note(self, properties: dict[str, Any], contact_id: str) -> str:
        return await self._create("notes", properties, contact_id, NOTE_TO_CONTACT)

    async def update_task(self, task_id: str, properties: dict[str, Any]) -> None:
        await self.request("PATCH", f"/crm/v3/objects/tasks/{task_id}", {"properties": properties})


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _activity_error(exc: HubSpotError) -> ApplicationError:
    return ApplicationError(str(exc), type="HubSpotError", non_retryable=exc.status in PERMANENT)


class HubSpotCrm:
    name = "hubspot"

    def __init__(self, local: BuiltinCrm, client: HubSpotClient) -> None:
        self.local = local
        self.client = client

    async def push_lead(self, push: LeadPush) -> LeadRef:
        ref = await self.local.push_lead(push)
        if not ref.email:
            raise ApplicationError(
                f"contact {push.contact_id!r} has no email; HubSpot contacts are matched by email",
                type="HubSpotError",
                non_retryable=True,
            )
        first, _, last = ref.name.partition(" ")
        props: dict[str, Any] = {"email": ref.email, "firstname": first, "lastname": last}
        owner = await asyncio.to_thread(self.local.hubspot_owner, push.owner_id)
        if owner:
            props["hubspot_owner_id"] = owner
        if push.status in LEAD_STATUS:
            props["hs_lead_status"] = LEAD_STATUS[push.status]
        stage = LIFECYCLE.get(push.stage)
        try:
            contact_id = await self.client.upsert_contact(ref.email, props)
            if stage:
                await self._set_lifecycle(contact_id, stage)
        except HubSpotError as exc:
            raise _activity_error(exc) from exc
        await asyncio.to_thread(self.local.save_external_id, Lead, push.contact_id, contact_id)
        log.info("crm.hubspot.lead.pushed", contact_id=push.contact_id, hubspot_id=contact_id, stage=stage)
        return ref.model_copy(update={"external_id": contact_id})

    async def _set_lifecycle(self, contact_id: str, stage: str) -> None:
        """HubSpot only moves a lifecycle stage forward; going back (MQL → lead when a lead
        returns to nurture) needs the stage cleared first."""
        current = (await self.client.get_contact(contact_id, ["lifecyclestage"]))["properties"]
        now = current.get("lifecyclestage") or ""
        if now == stage:
            return
        if now in LIFECYCLE_ORDER and LIFECYCLE_ORDER.index(now) > LIFECYCLE_ORDER.index(stage):
            await self.client.update_contact(contact_id, {"lifecyclestage": ""})
        await self.client.update_contact(contact_id, {"lifecyclestage": stage})

    async def _contact(self, contact_id: str) -> str:
        external, _ = await asyncio.to_thread(self.local.lead_external_id, contact_id)
        if external is None:
            raise ApplicationError(
                f"lead {contact_id!r} is not in HubSpot yet; push the lead before its tasks and notes",
                type="HubSpotError",
            )
        return external

    async def create_task(self, task: TaskRequest) -> CrmRef:
        row = await asyncio.to_thread(self.local.task_row, task)
        if row.external_id:
            return CrmRef(id=row.id or 0, external_id=row.external_id)
        props = {
            "hs_timestamp": _millis(task.due_at or task.at),
            "hs_task_subject": task.title,
            "hs_task_body": task.body,
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH" if task.kind != "sla" else "MEDIUM",
            "hs_task_type": "CALL" if task.kind == "sla" else "TODO",
        }
        return await self._create_owned(self.client.create_task, CrmTask, row.id, props, task)

    async def add_note(self, note: NoteRequest) -> CrmRef:
        row = await asyncio.to_thread(self.local.note_row, note)
        if row.external_id:
            return CrmRef(id=row.id or 0, external_id=row.external_id)
        props = {"hs_timestamp": _millis(note.at), "hs_note_body": note.body}
        return await self._create_owned(self.client.create_note, CrmNote, row.id, props, note)

    async def _create_owned(
        self, create: Any, model: Any, row_id: int | None, props: dict[str, Any], request: Any
    ) -> CrmRef:
        """Create a task or note in HubSpot, owned by the owner and associated with the
        contact, then keep HubSpot's id on our row so a retry never creates it again."""
        owner = await asyncio.to_thread(self.local.hubspot_owner, request.owner_id)
        if owner:
            props["hubspot_owner_id"] = owner
        try:
            external = await create(props, await self._contact(request.contact_id))
        except HubSpotError as exc:
            raise _activity_error(exc) from exc
        await asyncio.to_thread(self.local.save_external_id, model, row_id, external)
        return CrmRef(id=row_id or 0, external_id=external)

    async def close_tasks(self, request: CloseTasks) -> int:
        # HubSpot first: a retry after a failure here still finds the local rows open.
        rows = await asyncio.to_thread(self.local.open_rows, request)
        status = "COMPLETED" if request.status == "done" else "DEFERRED"
        try:
            for row in rows:
                if row.external_id:
                    await self.client.update_task(row.external_id, {"hs_task_status": status})
        except HubSpotError as exc:
            raise _activity_error(exc) from exc
        return len(await asyncio.to_thread(self.local.close_rows, request))

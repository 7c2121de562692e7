"""The CRM behind one interface, two implementations, chosen by ORKIESTRA_CRM.

`builtin` keeps owners, leads, tasks and notes in our database (the embedded default).
`hubspot` records the same rows locally, for idempotency and for `/v1/leads`, and pushes
each one to HubSpot's CRM v3 API, keeping HubSpot's ids next to ours.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from activities.crm.builtin import BuiltinCrm
from activities.crm.hubspot import HubSpotClient, HubSpotCrm
from orkiestra.db import SessionFactory
from orkiestra.sales.contracts import CloseTasks, CrmRef, LeadPush, LeadRef, NoteRequest, TaskRequest
from orkiestra.settings import Settings


class Crm(Protocol):
    name: str

    async def push_lead(self, push: LeadPush) -> LeadRef: ...

    async def create_task(self, task: TaskRequest) -> CrmRef: ...

    async def add_note(self, note: NoteRequest) -> CrmRef: ...

    async def close_tasks(self, request: CloseTasks) -> int: ...


def make_crm(settings: Settings, sessions: SessionFactory, http: httpx.AsyncClient | None = None) -> Crm:
    builtin = BuiltinCrm(sessions)
    if settings.crm == "builtin":
        return builtin
    if not settings.hubspot_token:
        raise ValueError("ORKIESTRA_CRM=hubspot needs ORKIESTRA_HUBSPOT_TOKEN (a private app token)")
    client = HubSpotClient(settings.hubspot_url, settings.hubspot_token, http)
    return HubSpotCrm(builtin, client)


__all__ = ["BuiltinCrm", "Crm", "HubSpotClient", "HubSpotCrm", "make_crm"]

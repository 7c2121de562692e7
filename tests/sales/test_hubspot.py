"""The HubSpot adapter against a loopback server speaking HubSpot's CRM v3 endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from activities.crm import BuiltinCrm, HubSpotClient, HubSpotCrm, make_crm
from activities.crm.hubspot import HubSpotError
from orkiestra.db import SessionFactory, transaction
from orkiestra.persistence import contacts, crm
from orkiestra.sales.contracts import CloseTasks, LeadPush, NoteRequest, TaskRequest
from orkiestra.settings import Settings
from tests.sales.hubspot_server import TOKEN, FakeHubSpot
from worker.sales_team import seed_sales_team

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def team(sessions: SessionFactory) -> SessionFactory:
    seed_sales_team(sessions)
    with transaction(sessions) as session:
        crm.save_owner(session, "adam", {"hubspot_owner_id": "77"})
        contacts.apply_traits(
            session, "ala", {"email": "ala@acme.example", "firstName": "Ala", "lastName": "Nowak"}, {}, AT
        )
    return sessions


@pytest.fixture
async def adapter(team: SessionFactory, hubspot: FakeHubSpot):
    async with httpx.AsyncClient(timeout=10) as http:
        yield HubSpotCrm(BuiltinCrm(team), HubSpotClient(hubspot.url, TOKEN, http))


async def test_lead_task_and_note_reach_hubspot_once(adapter: HubSpotCrm, hubspot: FakeHubSpot, team):
    lead = await adapter.push_lead(
        LeadPush(contact_id="ala", owner_id="adam", stage="mql", status="new", at=AT)
    )
    contact = hubspot.contact_by_email("ala@acme.example")
    assert contact is not None and lead.external_id == contact["id"]
    assert (
        contact["properties"].items()
        >= {
            "firstname": "Ala",
            "lastname": "Nowak",
            "lifecyclestage": "marketingqualifiedlead",
            "hs_lead_status": "NEW",
            "hubspot_owner_id": "77",
        }.items()
    )
    task = TaskRequest(
        key="run-1/r1/task", contact_id="ala", owner_id="adam", kind="sla",
        title="Contact Ala within 4 business hours", due_at=AT + timedelta(hours=4), at=AT,
    )  # fmt: skip
    first = await adapter.create_task(task)
    again = await adapter.create_task(task)  # a retried activity
    assert first.external_id == again.external_id
    [created] = hubspot.objects["tasks"].values()
    assert created["properties"]["hubspot_owner_id"] == "77"
    assert created["properties"]["hs_task_subject"] == "Contact Ala within 4 business hours"
    assert created["properties"]["hs_timestamp"] == str(int((AT + timedelta(hours=4)).timestamp() * 1000))
    assert created["associations"][0]["to"] == {"id": contact["id"]}
    await adapter.add_note(
        NoteRequest(key="run-1/note", contact_id="ala", owner_id="adam", body="score 60", at=AT)
    )
    [note] = hubspot.objects["notes"].values()
    assert note["properties"]["hs_note_body"] == "score 60"
    assert await adapter.close_tasks(CloseTasks(contact_id="ala", status="done", at=AT)) == 1
    assert created["properties"]["hs_task_status"] == "COMPLETED"
    with team() as session:
        assert crm.lead(session, "ala").external_id == contact["id"]
        assert crm.tasks(session, None, None, "ala", 10)[0].status == "done"


async def test_returning_to_nurture_clears_the_lifecycle_stage_first(
    adapter: HubSpotCrm, hubspot: FakeHubSpot
):
    await adapter.push_lead(LeadPush(contact_id="ala", owner_id="adam", stage="mql", status="new", at=AT))
    await adapter.push_lead(
        LeadPush(contact_id="ala", owner_id="adam", stage="lead", status="nurture", at=AT)
    )
    contact = hubspot.contact_by_email("ala@acme.example")
    assert contact["properties"]["lifecyclestage"] == "lead"
    assert contact["properties"]["hs_lead_status"] == "BAD_TIMING"


async def test_429_with_retry_after_is_honoured(hubspot: FakeHubSpot):
    hubspot.limit_next(2, retry_after="1")
    async with httpx.AsyncClient(timeout=10) as http:
        client = HubSpotClient(hubspot.url, TOKEN, http)
        contact_id = await client.upsert_contact("rate@acme.example", {"firstname": "Rate"})
    assert hubspot.contacts[contact_id]["properties"]["firstname"] == "Rate"
    statuses = [r.status for r in hubspot.requests]
    assert statuses == [429, 429, 200]
    gaps = [b.at - a.at for a, b in zip(hubspot.requests, hubspot.requests[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps


async def test_a_retry_after_longer_than_the_client_waits_goes_back_to_temporal(hubspot: FakeHubSpot):
    hubspot.limit_next(1, retry_after="120")
    async with httpx.AsyncClient(timeout=10) as http:
        client = HubSpotClient(hubspot.url, TOKEN, http, max_wait=30)
        with pytest.raises(HubSpotError, match="429"):
            await client.upsert_contact("slow@acme.example", {})
    assert [r.status for r in hubspot.requests] == [429]


async def test_bad_token_and_bad_data(team: SessionFactory, hubspot: FakeHubSpot):
    async with httpx.AsyncClient(timeout=10) as http:
        wrong = HubSpotCrm(BuiltinCrm(team), HubSpotClient(hubspot.url, "wrong", http))
        with pytest.raises(ApplicationError) as failed:
            await wrong.push_lead(LeadPush(contact_id="ala", stage="mql", at=AT))
        assert not failed.value.non_retryable  # 401: fix the token, the activity goes on
        right = HubSpotCrm(BuiltinCrm(team), HubSpotClient(hubspot.url, TOKEN, http))
        with pytest.raises(ApplicationError, match="push the lead before"):
            await right.add_note(NoteRequest(key="n", contact_id="ala", body="x", at=AT))


def test_make_crm_chooses_by_setting(team: SessionFactory, hubspot: FakeHubSpot):
    assert make_crm(Settings(env="test"), team).name == "builtin"
    chosen = make_crm(Settings(env="test", crm="hubspot", hubspot_url=hubspot.url, hubspot_token=TOKEN), team)
    assert chosen.name == "hubspot"
    with pytest.raises(ValueError, match="HUBSPOT_TOKEN"):
        make_crm(Settings(env="test", crm="hubspot"), team)

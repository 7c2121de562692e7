"""Issue 5's "done when", end to end in virtual time: a lead who requests a demo becomes an
MQL, appears in the CRM (built-in or HubSpot) with an owner and a task, and when nobody
acts is escalated to the manager after exactly the configured business hours, each step
visible in the CRM and in the contact's timeline; a CRM "contacted" then ends the SLA."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from api.dispatcher import Dispatcher, interesting_events
from orkiestra.db import transaction
from orkiestra.persistence import crm, scoring, timeline
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import IdentifyCall, SegmentCall, TrackCall
from tests.sales.hubspot_server import TOKEN, FakeHubSpot
from tests.sales.sla_support import at_local, plain_tuesday, tasks, travel_to, wait_for_task
from worker.sales_team import seed_sales_team
from worker.testkit import JourneyTestKit
from workflows.catalog import journey_specs

SPECS = journey_specs()


def ingest(kit: JourneyTestKit, *calls: SegmentCall) -> None:
    with transaction(kit.sessions) as session:
        store_calls(session, list(calls), interesting_events(SPECS))


async def dispatch(kit: JourneyTestKit) -> None:
    await Dispatcher(kit.settings, kit.sessions, kit.client, SPECS).drain_once()


@pytest.fixture
async def hubspot_kit(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, hubspot: FakeHubSpot
) -> AsyncIterator[JourneyTestKit]:
    async with JourneyTestKit.start(
        env=time_skipping_env, home=tmp_path, crm="hubspot", hubspot_url=hubspot.url, hubspot_token=TOKEN
    ) as kit:
        seed_sales_team(kit.sessions)
        with transaction(kit.sessions) as session:
            for owner_id, hubspot_id in (("adam", "11"), ("ewa", "12"), ("maria", "10")):
                crm.save_owner(session, owner_id, {"hubspot_owner_id": hubspot_id})
        yield kit


async def hand_off(kit: JourneyTestKit) -> tuple[str, str]:
    """Demo request at 10:00 on a plain Tuesday; nobody acts until the 14:00 breach."""
    tuesday = await plain_tuesday(kit)
    await travel_to(kit, at_local(tuesday, 10))
    cid = f"lead-{uuid.uuid4().hex[:6]}"
    traits = {"email": f"{cid}@acme.example", "firstName": "Ala", "industry": "SaaS", "company_size": 200}
    ingest(kit, IdentifyCall(userId=cid, traits=traits))
    ingest(kit, TrackCall(userId=cid, event="Demo Requested", messageId=f"demo-{cid}"))
    with kit.sessions() as session:
        row = scoring.current(session, cid)
        assert (row.score, row.stage) == (60, "mql")
    await dispatch(kit)  # Lead Qualified → lead-sla starts
    [task] = await wait_for_task(kit, cid, "sla")
    assert (task.owner_id, task.due_at) == ("adam", at_local(tuesday, 14))  # industry rule: SaaS → Adam
    await travel_to(kit, at_local(tuesday, 14) + timedelta(seconds=1))
    [escalation] = await wait_for_task(kit, cid, "escalation")
    assert escalation.owner_id == "maria"
    assert abs((escalation.created_at - at_local(tuesday, 14)).total_seconds()) < 1
    await wait_for_task(kit, cid, "sla", count=2)  # reassigned to Ewa
    with kit.sessions() as session:
        titles = [
            e["title"]
            for e in reversed(timeline.for_contact(session, cid, 100))
            if e["kind"] == "event.track"
        ]
    assert titles[:2] == ["Demo Requested", "Lead Qualified"]
    assert {"Lead Assigned", "Lead SLA Reminder", "Lead SLA Breached", "Lead Reassigned"} <= set(titles)
    # Sales finally calls: the CRM reports it, the dispatcher signals the run, the SLA ends.
    ingest(kit, TrackCall(userId=cid, event="Lead Contacted", messageId=f"crm:{cid}"))
    await dispatch(kit)
    assert (await kit.result(f"lead-sla/{cid}")).status == "converted"
    assert [t.status for t in tasks(kit, cid, "sla")] == ["missed", "done"]
    return cid, f"{cid}@acme.example"


async def test_handoff_in_the_builtin_crm(sales_kit: JourneyTestKit):
    cid, _ = await hand_off(sales_kit)
    with sales_kit.sessions() as session:
        lead = crm.lead(session, cid)
        assert (lead.owner_id, lead.stage, lead.status, lead.score) == ("ewa", "mql", "open", 60)
        assert "Demo Requested: demo-request +40" in lead.details["explanation"]


async def test_handoff_in_hubspot(hubspot_kit: JourneyTestKit, hubspot: FakeHubSpot):
    _, email = await hand_off(hubspot_kit)
    contact = hubspot.contact_by_email(email)
    assert contact["properties"]["lifecyclestage"] == "marketingqualifiedlead"
    assert contact["properties"]["hubspot_owner_id"] == "12"  # Ewa after the reassignment
    by_owner = sorted(
        (t["properties"]["hubspot_owner_id"], t["properties"]["hs_task_subject"])
        for t in hubspot.objects["tasks"].values()
    )
    assert ("10", "Escalation: Ala not contacted") in by_owner
    assert ("11", "Contact Ala within 4 business hours") in by_owner
    statuses = {
        t["properties"]["hs_task_subject"]: t["properties"]["hs_task_status"]
        for t in hubspot.objects["tasks"].values()
        if t["properties"]["hubspot_owner_id"] == "12"
    }
    assert statuses["Contact Ala within 4 business hours"] == "COMPLETED"
    notes = [n["properties"]["hs_note_body"] for n in hubspot.objects["notes"].values()]
    assert any(n.startswith("Marketing-qualified lead, score 60") for n in notes)
    assert any("SLA breached: Adam Nowak did not contact Ala" in n for n in notes)

"""The lead SLA journey in virtual time: met, reminded, escalated and reassigned, returned
to nurture, and a clock that skips a weekend and a public holiday."""

from __future__ import annotations

from datetime import timedelta

from orkiestra.persistence import scoring, timeline
from tests.sales.sla_support import (
    at_local,
    friday_before_holiday_monday,
    notes,
    plain_tuesday,
    qualify,
    tasks,
    travel_to,
    wait_for_task,
)
from tests.support import async_wait_until
from worker.testkit import JourneyTestKit
from workflows.lead_sla import LeadSla

SECOND = timedelta(seconds=1)


async def start(kit: JourneyTestKit, contact: str):
    qualify(kit, contact)
    return await kit.enrol(LeadSla, contact, "Lead Qualified", score=60)


async def test_contacted_in_time_closes_the_task_and_sends_no_reminder(sales_kit: JourneyTestKit):
    kit = sales_kit
    tuesday = await plain_tuesday(kit)
    await travel_to(kit, at_local(tuesday, 10))
    cid = kit.seed_contact(email="ala@acme.example", firstName="Ala")
    run = await start(kit, cid)
    [task] = await wait_for_task(kit, cid, "sla")
    assert task.owner_id == "adam"
    assert task.title == "Contact Ala within 4 business hours"
    assert task.due_at == at_local(tuesday, 14)
    await kit.skip(hours=1)
    await kit.send_event(run, cid, "Lead Contacted")
    assert (await run.result()).status == "converted"
    assert [t.status for t in tasks(kit, cid)] == ["done"]
    assert "score 60" in notes(kit, cid)[0].body
    assert [m["Subject"] for m in kit.mail.to("adam@sales.example")] == ["New lead: Ala"]


async def test_reminder_at_75_percent_then_contact(sales_kit: JourneyTestKit):
    kit = sales_kit
    tuesday = await plain_tuesday(kit)
    await travel_to(kit, at_local(tuesday, 10))
    cid = kit.seed_contact(email="bo@acme.example", firstName="Bo")
    run = await start(kit, cid)
    await wait_for_task(kit, cid, "sla")
    await travel_to(kit, at_local(tuesday, 12, 59))
    assert tasks(kit, cid, "reminder") == []
    await travel_to(kit, at_local(tuesday, 13) + SECOND)
    [reminder] = await wait_for_task(kit, cid, "reminder")
    assert abs(reminder.created_at - at_local(tuesday, 13)) < SECOND  # 3 of 4 business hours
    assert reminder.owner_id == "adam"
    await async_wait_until(lambda: len(kit.mail.to("adam@sales.example")) == 2, what="reminder email")
    await kit.send_event(run, cid, "Lead Contacted")
    assert (await run.result()).status == "converted"
    assert tasks(kit, cid, "escalation") == []


async def test_breach_escalates_to_the_manager_and_reassigns(sales_kit: JourneyTestKit):
    kit = sales_kit
    tuesday = await plain_tuesday(kit)
    await travel_to(kit, at_local(tuesday, 10))
    cid = kit.seed_contact(email="cy@acme.example", firstName="Cy")
    run = await start(kit, cid)
    await wait_for_task(kit, cid, "sla")
    await travel_to(kit, at_local(tuesday, 13, 59))
    assert tasks(kit, cid, "escalation") == []
    await travel_to(kit, at_local(tuesday, 14) + SECOND)
    [escalation] = await wait_for_task(kit, cid, "escalation")
    assert escalation.owner_id == "maria"
    assert abs(escalation.created_at - at_local(tuesday, 14)) < SECOND
    assert "Adam Nowak did not contact Cy within 4 business hours" in escalation.body
    first, second = await wait_for_task(kit, cid, "sla", count=2)
    assert (first.owner_id, first.status) == ("adam", "missed")
    # Ewa's clock: 14:00-17:00 Tuesday, then 09:00-10:00 Wednesday.
    assert (second.owner_id, second.status, second.due_at) == (
        "ewa",
        "open",
        at_local(tuesday + timedelta(days=1), 10),
    )
    assert any("Reassigned from Adam Nowak to Ewa Kowalska" in n.body for n in notes(kit, cid))
    assert [m["Subject"] for m in kit.mail.to("maria@sales.example")] == [
        "Escalation: Cy not contacted in time"
    ]
    await kit.send_event(run, cid, "Lead Accepted")
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("exited", "exit event Lead Accepted")
    assert [t.status for t in tasks(kit, cid, "sla")] == ["missed", "done"]


async def test_after_two_missed_rounds_the_lead_returns_to_nurture(sales_kit: JourneyTestKit):
    kit = sales_kit
    tuesday = await plain_tuesday(kit)
    await travel_to(kit, at_local(tuesday, 10))
    cid = kit.seed_contact(email="di@acme.example", firstName="Di")
    run = await start(kit, cid)
    assert (await kit.result(run.id)).status == "completed"
    assert [(t.owner_id, t.status) for t in tasks(kit, cid, "sla")] == [
        ("adam", "missed"),
        ("ewa", "missed"),
    ]
    assert [t.owner_id for t in tasks(kit, cid, "escalation")] == ["maria", "maria"]
    assert "Returned to nurturing after 2 missed SLA rounds" in notes(kit, cid)[-1].body
    with kit.sessions() as session:
        assert scoring.current(session, cid).stage == "lead"
        stages = [(s.from_stage, s.to_stage) for s in scoring.stage_history(session, cid)]
        assert stages[-1] == ("mql", "lead")
        titles = [
            e["title"]
            for e in reversed(timeline.for_contact(session, cid, 100))
            if e["kind"] == "event.track"
        ]
    assert titles[-6:] == [
        "Lead SLA Breached",
        "Lead Reassigned",
        "Lead Assigned",
        "Lead SLA Reminder",
        "Lead SLA Breached",
        "Lead Returned to Nurture",
    ]


async def test_the_clock_skips_the_weekend_and_a_public_holiday(sales_kit: JourneyTestKit):
    """Friday 16:00 in Warsaw before a Monday holiday (Easter Monday, say): one hour
    counts on Friday, Saturday to Monday count nothing, three hours on Tuesday."""
    kit = sales_kit
    friday = await friday_before_holiday_monday(kit)
    tuesday = friday + timedelta(days=4)
    await travel_to(kit, at_local(friday, 16))
    cid = kit.seed_contact(email="ed@acme.example", firstName="Ed")
    await start(kit, cid)
    [task] = await wait_for_task(kit, cid, "sla")
    assert task.due_at == at_local(tuesday, 12)
    await travel_to(kit, at_local(tuesday, 11, 59))
    [reminder] = tasks(kit, cid, "reminder")
    assert abs(reminder.created_at - at_local(tuesday, 11)) < SECOND
    assert tasks(kit, cid, "escalation") == []
    await travel_to(kit, at_local(tuesday, 12) + SECOND)
    [escalation] = await wait_for_task(kit, cid, "escalation")
    assert abs(escalation.created_at - at_local(tuesday, 12)) < SECOND

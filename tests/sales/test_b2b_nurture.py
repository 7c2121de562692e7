"""The B2B nurture journey: content by industry and persona from the library, another
channel when an email goes unopened, and an end when the lead becomes an MQL."""

from __future__ import annotations

from orkiestra.db import transaction
from orkiestra.persistence import scoring
from tests.support import async_wait_until
from worker.testkit import JourneyTestKit
from workflows.b2b_nurture import B2bNurture, persona_of


def test_persona_from_the_profile():
    assert persona_of({"persona": "Technical"}) == "technical"
    assert persona_of({"job_title": "CEO & co-founder"}) == "executive"
    assert persona_of({"title": "Senior Backend Engineer"}) == "technical"
    assert persona_of({"role": "Marketing specialist"}) == "practitioner"
    assert persona_of({}) == "practitioner"


async def test_sequence_by_industry_and_persona_with_a_nudge_when_unopened(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ceo@saas.example", firstName="Iga", industry="SaaS", job_title="CEO")
    run = await kit.enrol(B2bNurture, cid, "Ebook Downloaded")
    await async_wait_until(lambda: kit.sent_templates(cid) == ["b2b_automation_intro"], what="first email")
    await kit.send_event(run, cid, "Email Opened", template="b2b_automation_intro")
    assert (await run.result()).status == "completed"
    assert kit.sent_templates(cid) == ["b2b_automation_intro", "b2b_case_study_saas", "b2b_business_case"]
    attempts = [(m.channel, m.template) for m in kit.messages(cid)]
    nudges = [a for a in attempts if a[1] == "b2b_nudge"]
    # Opened the first email: no nudge; the next two went unopened: SMS, then webhook.
    assert nudges == [("sms", "b2b_nudge"), ("webhook", "b2b_nudge")] * 2
    assert attempts.index(("sms", "b2b_nudge")) > attempts.index(("email", "b2b_case_study_saas"))


async def test_generic_content_for_an_unknown_industry(kit: JourneyTestKit):
    cid = kit.seed_contact(email="dev@shop.example", firstName="Jan", job_title="Developer")
    run = await kit.enrol(B2bNurture, cid, "Ebook Downloaded")
    await run.result()
    assert kit.sent_templates(cid) == ["b2b_automation_intro", "b2b_case_study", "b2b_integration_guide"]


async def test_becoming_an_mql_ends_the_nurture(kit: JourneyTestKit):
    cid = kit.seed_contact(email="hot@saas.example", firstName="Ola")
    run = await kit.enrol(B2bNurture, cid, "Ebook Downloaded")
    await async_wait_until(lambda: kit.sent_templates(cid), what="first email")
    await kit.skip(days=1)
    await kit.send_event(run, cid, "Lead Qualified", score=60)
    outcome = await run.result()
    assert (outcome.status, outcome.detail) == ("converted", None)
    assert kit.sent_templates(cid) == ["b2b_automation_intro"]


async def test_leads_already_with_sales_are_not_nurtured(kit: JourneyTestKit):
    cid = kit.seed_contact(email="sql@saas.example", firstName="Pia")
    with transaction(kit.sessions) as session:
        row = scoring.lock(session, cid)
        scoring.transition(session, row, "sql", "test", row.updated_at)
    run = await kit.enrol(B2bNurture, cid, "Ebook Downloaded")
    assert (await run.result()).status == "completed"
    assert kit.messages(cid) == []

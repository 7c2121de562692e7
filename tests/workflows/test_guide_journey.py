"""The tests of docs/journeys.md, verbatim: the guide's journey works as the guide says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.guide_journey import TrialConversion
from worker.testkit import JourneyTestKit, at_step

TEMPLATES = Path(__file__).parent / "guide_templates"


@pytest.fixture
async def kit(time_skipping_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[JourneyTestKit]:
    """The guide registers the journey in the catalog; here it is added to the kit instead."""
    async with JourneyTestKit.start(
        env=time_skipping_env, home=tmp_path, journeys=(TrialConversion,), templates_dir=TEMPLATES
    ) as journey_kit:
        yield journey_kit


async def test_active_trial_user_gets_tips_then_the_reminder(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ala@example.com", firstName="Ala", projects=2)
    run = await kit.enrol(TrialConversion, cid)  # as the dispatcher would
    outcome = await run.result()  # ten virtual days, ~1 second
    assert outcome.status == "completed"
    assert kit.sent_templates(cid) == ["trial_tips", "trial_ending"]
    assert "Hi Ala" in kit.mail.to("ala@example.com")[0].get_body(("plain",)).get_content()


async def test_trial_user_without_a_project_gets_setup_help(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ola@example.com")
    run = await kit.enrol(TrialConversion, cid)
    await run.result()
    assert kit.sent_templates(cid) == ["trial_setup_help", "trial_ending"]


async def test_subscribing_ends_the_journey_as_converted(kit: JourneyTestKit):
    cid = kit.seed_contact(email="ela@example.com")
    run = await kit.enrol(TrialConversion, cid)
    await at_step(run, "wait-first-check")  # the run is asleep in its first wait
    await kit.skip(days=4)  # past day 3: the first email went out
    await kit.send_event(run, cid, "Subscription Started", plan="pro")
    assert (await run.result()).status == "converted"
    assert kit.sent_templates(cid) == ["trial_setup_help"]

"""Entry rules through the real dispatcher and admin API, on the time-skipping server:
re-entry, keyed entry, manual enrolment and support signals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from api.dispatcher import Dispatcher
from api.main import create_app
from orkiestra.contracts import JourneyState
from orkiestra.db import transaction
from orkiestra.persistence import journeys
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from tests.workflows.sample_journeys import SAMPLES, KeyedJourney, PauseJourney
from worker.testkit import JourneyTestKit, at_step
from workflows.catalog import journey_specs
from workflows.welcome_series import WelcomeSeries

ADMIN = {"Authorization": "Bearer dev-admin-key"}


@asynccontextmanager
async def api(kit: JourneyTestKit) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(kit.settings.model_copy(update={"dispatcher_enabled": False}), client=kit.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def _dispatcher(kit: JourneyTestKit, *specs) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(kit.settings, kit.sessions, kit.client, specs or journey_specs())


def _track(kit: JourneyTestKit, contact: str, event: str, **props: object) -> None:
    with transaction(kit.sessions) as session:
        interesting = frozenset().union(*(s.interesting_events for s in journey_specs()))
        store_calls(
            session,
            [TrackCall(userId=contact, event=event, properties=props)],
            interesting | {"Test Pause", "Order Placed"},
        )


def _runs(kit: JourneyTestKit, contact: str) -> list[tuple[str, str]]:
    with kit.sessions() as session:
        return [(r.workflow_id, r.status) for r in journeys.runs_for_contact(session, contact)]


async def test_welcome_series_is_entered_once_ever(kit: JourneyTestKit):
    cid = kit.seed_contact(email="once@example.com")
    dispatcher = _dispatcher(kit)
    _track(kit, cid, "Signed Up")
    await dispatcher.drain_once()
    await kit.result(f"welcome-series/{cid}")
    _track(kit, cid, "Signed Up")
    await dispatcher.drain_once()
    assert _runs(kit, cid) == [(f"welcome-series/{cid}", "completed")]
    assert len(kit.mail.to("once@example.com")) == 3


async def test_keyed_entry_runs_once_per_contact_and_key(time_skipping_env, tmp_path):  # type: ignore[no-untyped-def]
    async with JourneyTestKit.start(env=time_skipping_env, home=tmp_path, journeys=SAMPLES) as kit:
        dispatcher = _dispatcher(kit, KeyedJourney.spec)
        for order in ("o1", "o2", "o1"):
            _track(kit, "buyer", "Order Placed", order_id=order)
        await dispatcher.drain_once()
        assert sorted(w for w, _ in _runs(kit, "buyer")) == ["test-keyed/buyer/o1", "test-keyed/buyer/o2"]


async def test_manual_enrolment_through_the_api(kit: JourneyTestKit):
    cid = kit.seed_contact(email="manual@example.com")
    async with api(kit) as client:
        response = await client.post(
            "/v1/journeys/welcome-series/enrolments", json={"contact_id": cid}, headers=ADMIN
        )
        assert response.status_code == 202
        missing = await client.post("/v1/journeys/nope/enrolments", json={"contact_id": cid}, headers=ADMIN)
        assert missing.status_code == 404 and "welcome-series" in missing.json()["message"]
    await _dispatcher(kit).drain_once()
    await kit.result(f"welcome-series/{cid}")
    assert kit.sent_templates(cid) == ["welcome", "tips", "first_order_incentive"]


async def test_support_can_pause_resume_and_signal_through_the_api(time_skipping_env, tmp_path):  # type: ignore[no-untyped-def]
    async with JourneyTestKit.start(env=time_skipping_env, home=tmp_path, journeys=SAMPLES) as kit:
        cid = kit.seed_contact(email="support@example.com")
        specs = (*journey_specs(), PauseJourney.spec)
        _track(kit, cid, "Test Pause")
        await Dispatcher(kit.settings, kit.sessions, kit.client, specs).drain_once()
        run = kit.client.get_workflow_handle(f"test-pause/{cid}")
        async with api(kit) as client:
            url = f"/v1/contacts/{cid}/signals"
            assert (await client.post(url, json={"action": "pause"}, headers=ADMIN)).status_code == 200
            await kit.skip(timedelta(days=2))
            assert (await run.query("state", result_type=JourneyState)).paused
            bad = await client.post(url, json={"action": "custom"}, headers=ADMIN)
            assert bad.status_code == 400 and "name" in bad.json()["message"]
            nobody = await client.post("/v1/contacts/ghost/signals", json={"action": "exit"}, headers=ADMIN)
            assert nobody.status_code == 404
            assert (await client.post(url, json={"action": "resume"}, headers=ADMIN)).status_code == 200
        await kit.result(run.id)
        assert kit.sent_templates(cid) == ["welcome"]


@pytest.mark.parametrize("action", ["exit"])
async def test_exit_through_the_api_ends_the_run(kit: JourneyTestKit, action: str):
    cid = kit.seed_contact(email="exit@example.com")
    _track(kit, cid, "Signed Up")
    await _dispatcher(kit).drain_once()
    async with api(kit) as client:
        response = await client.post(
            f"/v1/contacts/{cid}/journeys/welcome-series/signals",
            json={"action": action, "reason": "asked by phone"},
            headers=ADMIN,
        )
        assert response.json() == {"signalled": [f"welcome-series/{cid}"]}
    outcome = await kit.result(f"welcome-series/{cid}")
    assert outcome.status == "exited"
    assert _runs(kit, cid) == [(f"welcome-series/{cid}", "exited")]
    assert WelcomeSeries.spec.name == "welcome-series"


async def test_contact_view_and_timeline_show_where_the_journey_is_now(kit: JourneyTestKit):
    cid = kit.seed_contact(email="where@example.com")
    _track(kit, cid, "Signed Up")
    await _dispatcher(kit).drain_once()
    await at_step(kit.client.get_workflow_handle(f"welcome-series/{cid}"), "wait-tips")
    async with api(kit) as client:
        contact = (await client.get(f"/v1/contacts/{cid}", headers=ADMIN)).json()
        [run] = contact["journeys"]
        assert run["status"] == "active"
        assert run["state"]["step"] == "wait-tips"
        assert run["state"]["waiting_until"] is not None
        timeline = (await client.get(f"/v1/contacts/{cid}/timeline", headers=ADMIN)).json()
        assert timeline[0]["kind"] == "journey.now"
        assert timeline[0]["detail"]["step"] == "wait-tips"

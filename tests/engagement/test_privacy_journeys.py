"""Erasure ends the contact's journeys: the dispatcher starts a real welcome series on
the time-skipping server, `DELETE /v1/contacts/{id}` signals `exit` to the run, waits
for it to close, and nothing more is sent; no table holds her address afterwards."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlmodel import SQLModel
from temporalio.client import WorkflowExecutionStatus

from api.dispatcher import Dispatcher
from api.main import create_app
from orkiestra.contracts import JourneyOutcome
from orkiestra.db import transaction
from orkiestra.persistence import journeys
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from tests.support import async_wait_until
from worker.testkit import JourneyTestKit
from workflows.catalog import journey_specs

ADMIN = {"Authorization": "Bearer dev-admin-key"}


async def test_erase_exits_the_running_journey_and_scrubs_everything(kit: JourneyTestKit):
    cid = kit.seed_contact(email="erase.me@example.com", firstName="Zofia")
    specs = journey_specs()
    with transaction(kit.sessions) as session:
        interesting = frozenset().union(*(s.interesting_events for s in specs))
        store_calls(session, [TrackCall(userId=cid, event="Signed Up")], interesting)
    await Dispatcher(kit.settings, kit.sessions, kit.client, specs).drain_once()
    workflow_id = f"welcome-series/{cid}"
    await async_wait_until(lambda: kit.mail.to("erase.me@example.com"), what="the welcome email")
    with kit.sessions() as session:
        assert [r.workflow_id for r in journeys.active_runs(session, cid)] == [workflow_id]

    app = create_app(kit.settings.model_copy(update={"dispatcher_enabled": False}), client=kit.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
            response = await api.delete(f"/v1/contacts/{cid}", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["journeys_exited"] == 1
    assert response.json()["journeys_not_signalled"] == []

    handle = kit.client.get_workflow_handle(workflow_id, result_type=JourneyOutcome)
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    outcome = await handle.result()
    assert (outcome.status, outcome.detail) == ("exited", "contact erased (GDPR)")
    assert len(kit.mail.to("erase.me@example.com")) == 1  # the welcome only
    with kit.sessions() as session:
        for name, table in SQLModel.metadata.tables.items():
            text = json.dumps([dict(r._mapping) for r in session.execute(select(table))], default=str)
            for value in (cid, "erase.me@example.com", "Zofia"):
                assert value not in text, f"{value!r} is still in {name}"
        runs = journeys.runs_for_contact(session, cid)
        assert runs == []

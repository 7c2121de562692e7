"""The outbox dispatcher against a real Temporal dev server, a real worker and SMTP sink.

Events are stored through the real ingest path (`store_calls`), routed by the real
`Dispatcher`, run by the real welcome-series workflow, and the emails land in a real
SMTP server. Nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.dispatcher import Dispatcher
from orkiestra.contracts import JourneyOutcome
from orkiestra.db import transaction
from orkiestra.devstack import free_port
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from tests.dispatch.conftest import INTERESTING, SPECS, WELCOME, Stack, poll, running_worker
from tests.support import async_wait_until
from worker.temporal import bundled_binary, connect, ensure_search_attributes


def welcome_id(cid: str) -> str:
    return f"welcome-series/{cid}"


@asynccontextmanager
async def dispatching(dispatcher: Dispatcher) -> AsyncIterator[asyncio.Task[None]]:
    """`Dispatcher.run(stop)` as a background task for the block, stopped cleanly after."""
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def test_signed_up_starts_one_welcome_series_and_sends_the_welcome_email(stack: Stack):
    cid, email = stack.new_contact()
    result = stack.track(cid, "Signed Up", plan="free")
    assert (result.stored, result.routed) == (1, 1)
    assert len(stack.outbox()) == 1

    assert await stack.dispatcher().drain_once() == 1

    assert stack.outbox() == []
    description = await stack.client.get_workflow_handle(welcome_id(cid)).describe()
    assert description.workflow_type == WELCOME.name
    assert description.task_queue == stack.settings.task_queue
    await async_wait_until(lambda: stack.subjects(email) == ["Welcome, Ala!"], what="the welcome email")
    assert (await stack.client.get_workflow_handle(welcome_id(cid)).describe()).status == (
        WorkflowExecutionStatus.RUNNING
    )
    runs = stack.runs(cid)
    assert [(r.workflow_id, r.journey, r.status) for r in runs] == [(welcome_id(cid), WELCOME.name, "active")]
    assert runs[0].run_id == description.run_id
    assert await stack.signals(welcome_id(cid)) == 1


async def test_second_sign_up_is_signalled_to_the_running_run_and_repeats_are_stored_once(stack: Stack):
    cid, email = stack.new_contact()
    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    # Two sign-ups in one batch (routed in order), then one more in a later batch.
    assert stack.track(cid, "Signed Up", message_id=first).routed == 1
    assert stack.track(cid, "Signed Up", message_id=second).routed == 1
    dispatcher = stack.dispatcher()
    assert await dispatcher.drain_once() == 2
    run_id = (await stack.client.get_workflow_handle(welcome_id(cid)).describe()).run_id
    assert stack.track(cid, "Signed Up", message_id=third).routed == 1
    assert await dispatcher.drain_once() == 1

    # The same messageId again is a duplicate: stored once, no outbox row.
    again = stack.track(cid, "Signed Up", message_id=first)
    assert (again.stored, again.duplicates, again.routed) == (0, 1, 0)
    assert len(stack.events(first)) == 1
    assert stack.outbox() == []
    assert await dispatcher.drain_once() == 0

    # One run: the later sign-ups were signals to it (three signals in its history).
    assert (await stack.client.get_workflow_handle(welcome_id(cid)).describe()).run_id == run_id
    assert await stack.signals(welcome_id(cid)) == 3
    assert [(r.run_id, r.status) for r in stack.runs(cid)] == [(run_id, "active")]
    await async_wait_until(lambda: stack.subjects(email), what="the welcome email")
    listed = await poll(
        lambda: stack.listed(f"WorkflowId = '{welcome_id(cid)}'"), what="the run in visibility"
    )
    assert [w.run_id for w in listed] == [run_id]
    assert stack.subjects(email) == ["Welcome, Ala!"]


async def test_order_completed_is_signalled_to_the_running_run_and_converts_it(stack: Stack):
    cid, email = stack.new_contact()
    stack.track(cid, "Signed Up")
    dispatcher = stack.dispatcher()
    assert await dispatcher.drain_once() == 1
    await async_wait_until(lambda: stack.subjects(email), what="the welcome email")

    assert stack.track(cid, "Order Completed", total=120).routed == 1
    assert await dispatcher.drain_once() == 1
    assert stack.outbox() == []

    handle = stack.client.get_workflow_handle(welcome_id(cid), result_type=JourneyOutcome)
    outcome = await asyncio.wait_for(handle.result(), timeout=30)
    assert outcome.status == "converted"
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    await async_wait_until(
        lambda: [r.status for r in stack.runs(cid)] == ["converted"], what="journey_runs to say converted"
    )
    assert stack.subjects(email) == ["Welcome, Ala!"]


async def test_event_no_journey_cares_about_costs_no_outbox_row_and_no_workflow(stack: Stack):
    cid, _ = stack.new_contact()
    result = stack.track(cid, "Product Viewed", sku="A-1")
    assert (result.stored, result.routed) == (1, 0)
    assert stack.outbox() == []
    assert await stack.dispatcher().drain_once() == 0

    with pytest.raises(RPCError) as missing:
        await stack.client.get_workflow_handle(welcome_id(cid)).describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND
    assert [w async for w in stack.client.list_workflows(f"ContactId = '{cid}'")] == []
    assert stack.runs(cid) == []


async def test_notify_hands_fresh_events_over_without_waiting_for_the_poll(stack: Stack):
    # The poll interval is a minute; every delivery below must come from `notify()`.
    dispatcher = stack.dispatcher(dispatcher_poll_seconds=60.0)
    async with dispatching(dispatcher) as task:
        for _ in range(3):
            cid, email = stack.new_contact()
            assert stack.track(cid, "Signed Up").routed == 1
            await asyncio.to_thread(dispatcher.notify)  # ingest calls it from a worker thread
            await async_wait_until(
                lambda email=email: stack.outbox() == [] and stack.subjects(email) == ["Welcome, Ala!"],
                timeout=10,
                what="delivery after notify() (poll interval is 60 s)",
            )
            assert [r.status for r in stack.runs(cid)] == ["active"]
            assert not task.done()


async def test_notify_while_a_batch_is_being_routed_is_not_lost(stack: Stack):
    """An event committed (and notified) while the dispatcher is busy with a batch must
    be picked up right after that batch, not after the next poll."""
    dispatcher = stack.dispatcher(dispatcher_poll_seconds=60.0)
    ala, ala_email = stack.new_contact("Ala")
    ola, ola_email = stack.new_contact("Ola")
    stack.track(ala, "Signed Up")
    async with dispatching(dispatcher):
        # Hold SQLite's write lock with Ola's uncommitted event: the dispatcher sees only
        # Ala's row and waits for the lock to claim it, i.e. it is inside a batch.
        with transaction(stack.sessions) as session:
            store_calls(session, [TrackCall(userId=ola, event="Signed Up")], INTERESTING)
            await async_wait_until(lambda: dispatcher._loop is not None, what="the dispatcher to start")
        await asyncio.to_thread(dispatcher.notify)  # committed, then notified, as ingest does
        await async_wait_until(
            lambda: (
                stack.subjects(ala_email) == ["Welcome, Ala!"]
                and stack.subjects(ola_email) == ["Welcome, Ola!"]
            ),
            timeout=10,
            what="both events delivered (poll interval is 60 s)",
        )
        assert stack.outbox() == []


async def test_rows_wait_in_the_outbox_while_temporal_is_down_and_are_delivered_when_it_returns(
    stack: Stack,
):
    port = free_port()
    settings = stack.settings.model_copy(update={"temporal_address": f"127.0.0.1:{port}"})
    lazy = await connect(settings, lazy=True)  # nothing listens on the port yet
    dispatcher = Dispatcher(settings, stack.sessions, lazy, SPECS)

    ala, _ = stack.new_contact("Ala")
    ola, ola_email = stack.new_contact("Ola")
    stack.track(ala, "Signed Up")
    stack.track(ala, "Order Completed", total=50)
    stack.track(ola, "Signed Up")
    stack.track(ola, "Signed Up")

    before = datetime.now(UTC)
    assert await dispatcher.drain_once() == 4
    rows = stack.outbox()
    assert len(rows) == 4, "nothing may leave the outbox while Temporal is down"
    assert all(r.attempts == 1 and r.lease_owner is None for r in rows)
    # The row that failed says why; rows queued behind it for the same contact wait too.
    assert all("connect" in (r.last_error or "") for r in rows)
    # Backed off: the rows are not due again at once, so Temporal is not hammered.
    assert all(r.available_at >= before + timedelta(seconds=1) for r in rows)

    env = await WorkflowEnvironment.start_local(
        port=port,
        dev_server_existing_path=bundled_binary("temporal"),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--ui-disable-news-fetch", "--headless"],
    )
    try:
        await ensure_search_attributes(env.client, env.client.namespace)
        async with running_worker(env.client, settings, stack.sessions):
            # The running dispatcher retries once the back-off is over, on the same client.
            async with dispatching(dispatcher):
                await async_wait_until(lambda: stack.outbox() == [], timeout=60, what="the outbox to drain")
            await async_wait_until(
                lambda: stack.subjects(ola_email) == ["Welcome, Ola!"],
                what="the welcome email after Temporal came back",
            )
            # Each contact's events kept their order: Ala's run started, then her order
            # converted it; Ola's second sign-up was a signal to her one run.
            ala_run = env.client.get_workflow_handle(welcome_id(ala), result_type=JourneyOutcome)
            assert (await asyncio.wait_for(ala_run.result(), timeout=30)).status == "converted"
            await async_wait_until(lambda: [r.status for r in stack.runs(ala)] == ["converted"])
            assert await stack.signals(welcome_id(ola), env.client) == 2
            assert [r.status for r in stack.runs(ola)] == ["active"]
    finally:
        await env.shutdown()


async def test_several_dispatchers_deliver_each_event_exactly_once(
    db_stack: Stack, dev_server_env: WorkflowEnvironment
):
    stack = db_stack
    contacts = [stack.new_contact() for _ in range(40)]
    for cid, _ in contacts:
        assert stack.track(cid, "Signed Up").routed == 1
    assert len(stack.outbox()) == 40

    address = dev_server_env.client.service_client.config.target_host
    settings = stack.settings.model_copy(update={"temporal_address": address})
    clients: list[Client] = [await connect(settings) for _ in range(3)]
    # Small batches so the three really compete for the same rows.
    dispatchers = [stack.dispatcher(c, dispatcher_batch_size=5) for c in clients]
    assert len({d.owner for d in dispatchers}) == 3
    async with dispatching(dispatchers[0]), dispatching(dispatchers[1]), dispatching(dispatchers[2]):
        await async_wait_until(lambda: stack.outbox() == [], timeout=90, what="the outbox to drain")
        await async_wait_until(
            lambda: all(stack.subjects(email) for _, email in contacts),
            timeout=90,
            what="a welcome email for every contact",
        )

    for cid, email in contacts:
        assert stack.subjects(email) == ["Welcome, Ala!"], cid
        assert [r.status for r in stack.runs(cid)] == ["active"], cid
        # One signal-with-start reached each run: no row was routed twice.
        assert await stack.signals(welcome_id(cid)) == 1, cid

"""Where a contact's active journeys are right now, asked of Temporal (the `state` query).

Best effort by design: the contact view must answer even when Temporal is slow or down,
so each query has a short timeout and a failure just leaves the state out.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from orkiestra.contracts import JourneyState
from orkiestra.logging import get_logger

QUERY_TIMEOUT_SECONDS = 2.0
log = get_logger(__name__)


async def _one(client: Client, workflow_id: str) -> JourneyState | None:
    try:
        handle = client.get_workflow_handle(workflow_id)
        return await asyncio.wait_for(
            handle.query("state", result_type=JourneyState), timeout=QUERY_TIMEOUT_SECONDS
        )
    except Exception as exc:  # Temporal down, run just ended, old run without the query
        log.info("journey.state.unavailable", workflow_id=workflow_id, error=type(exc).__name__)
        return None


async def live_states(client: Client | None, workflow_ids: list[str]) -> dict[str, JourneyState]:
    if client is None or not workflow_ids:
        return {}
    states = await asyncio.gather(*(_one(client, wid) for wid in workflow_ids))
    return {wid: s for wid, s in zip(workflow_ids, states, strict=True) if s is not None}

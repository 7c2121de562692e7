"""Starting and signalling journeys: the one place that calls Temporal for them.

Used by the outbox dispatcher, the admin API and tests alike, so every run is started the
same way: signal-with-start on the journey's workflow id, with the contact and journey
as search attributes.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from orkiestra.contracts import ControlSignal, EventPayload, JourneyOutcome, JourneyStart
from worker.temporal import CONTACT_ID, JOURNEY_NAME
from workflows.sdk import JourneySpec


async def start_journey(
    client: Client,
    spec: JourneySpec,
    event: EventPayload,
    task_queue: str,
    key: str | None = None,
) -> WorkflowHandle:
    """Start the journey for the event's contact, or signal the run that is already active."""
    return await client.start_workflow(
        spec.name,
        JourneyStart(journey=spec.name, contact_id=event.contact_id, event=event, key=key),
        id=spec.workflow_id(event.contact_id, key),
        task_queue=task_queue,
        result_type=JourneyOutcome,
        start_signal="event",
        start_signal_args=[event],
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(CONTACT_ID, event.contact_id), SearchAttributePair(JOURNEY_NAME, spec.name)]
        ),
    )


async def signal_event(client: Client, workflow_id: str, event: EventPayload) -> None:
    await client.get_workflow_handle(workflow_id).signal("event", event)


async def signal_control(client: Client, workflow_id: str, control: ControlSignal) -> None:
    await client.get_workflow_handle(workflow_id).signal("control", control)

"""Turning what contacts and providers tell us into events, in the same transaction as
the state change they cause (a subscription, a suppression, a delivery status).

They go through `store_calls`, the path every ingested event takes, so journeys,
scoring and the timeline see an open, a click or a bounce like any other event; the
dispatcher is woken when one of them is routed to a journey.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from api.state import AppState
from orkiestra.db import transaction
from orkiestra.models import Message
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall

CHANNEL_LABEL = {"email": "Email", "sms": "SMS", "push": "Push"}


def message_event(message: Message, event: str, message_key: str, **properties: Any) -> TrackCall:
    """An event about one of our messages; `message_key` makes a repeat a no-op."""
    return TrackCall(
        userId=message.contact_id,
        event=event,
        messageId=message_key,
        properties={
            "message_id": message.id,
            "channel": message.channel,
            "template": message.template,
            "journey": message.journey,
            **properties,
        },
        context={"library": {"name": "orkiestra-feedback"}},
    )


async def apply(state: AppState, work: Callable[[Session], list[TrackCall]]) -> int:
    """Run `work` and store the events it returns in one transaction; returns how many
    events were new (a repeated webhook or pixel hit stores nothing)."""

    def run() -> tuple[int, int]:
        with transaction(state.sessions) as session:
            calls = work(session)
            if not calls:
                return 0, 0
            result = store_calls(session, calls, state.interesting)
            return result.stored, result.routed

    stored, routed = await run_in_threadpool(run)
    if routed and state.dispatcher is not None:
        state.dispatcher.notify()
    return stored

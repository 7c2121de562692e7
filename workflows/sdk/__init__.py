"""The journey SDK: write a journey as a Python class, test it in virtual time.

See docs/journeys.md for the guide.
"""

from workflows.sdk.actions import Journey
from workflows.sdk.core import JourneyEnded
from workflows.sdk.decorator import journey
from workflows.sdk.spec import (
    JourneySpec,
    Trigger,
    date_reached,
    inactive_since,
    journey_workflow_id,
    segment_entered,
    segment_exited,
)

__all__ = [
    "Journey",
    "JourneyEnded",
    "JourneySpec",
    "Trigger",
    "date_reached",
    "inactive_since",
    "journey",
    "journey_workflow_id",
    "segment_entered",
    "segment_exited",
]

"""The journey SDK: write a journey as a Python class, test it in virtual time."""

from workflows.sdk.base import Journey, JourneyEnded, journey
from workflows.sdk.spec import JourneySpec, Trigger, journey_workflow_id

__all__ = ["Journey", "JourneyEnded", "JourneySpec", "Trigger", "journey", "journey_workflow_id"]

"""The one list of shipped journeys, read by the worker (to run them) and the API (to
route events to them)."""

from workflows.sdk import Journey, JourneySpec
from workflows.welcome_series import WelcomeSeries

JOURNEYS: tuple[type[Journey], ...] = (WelcomeSeries,)


def journey_specs() -> tuple[JourneySpec, ...]:
    return tuple(j.spec for j in JOURNEYS)

"""`@journey(...)`: turn a `Journey` subclass into a Temporal workflow with a spec."""

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import JourneyOutcome, JourneyStart
    from workflows.sdk.actions import Journey
    from workflows.sdk.spec import JourneySpec, Trigger


def journey(
    *,
    trigger: str | Trigger | list[str | Trigger],
    goal: str | None = None,
    exits: list[str] | tuple[str, ...] = (),
    listens: list[str] | tuple[str, ...] = (),
    reentry: timedelta | bool = False,
    holdout: float = 0.0,
    name: str | None = None,
) -> Callable[[type[Journey]], type[Journey]]:
    """Declare a journey: its triggers, goal, exit events and the events it waits for.

    `reentry`: False = once per contact (and key) ever; True = again after the last run
    ended; a timedelta = only after that cool-down. At most one run per contact (and key)
    is ever active. `holdout`: the share of contacts (0 to 1) kept out of every send but
    followed for conversion, to measure the journey's lift.
    """
    triggers = trigger if isinstance(trigger, list) else [trigger]
    if not 0 <= holdout < 1:
        raise ValueError("holdout is a share of contacts: 0 <= holdout < 1")

    def wrap(cls: type[Journey]) -> type[Journey]:
        body = cls.__dict__.get("run")
        if body is None or not asyncio.iscoroutinefunction(body):
            raise TypeError(f"{cls.__name__} must define `async def run(self, start)`")
        spec = JourneySpec(
            name=name or _kebab(cls.__name__),
            triggers=tuple(t if isinstance(t, Trigger) else Trigger(event=t) for t in triggers),
            goal=goal,
            exits=tuple(exits),
            listens=tuple(listens),
            reentry=reentry,
            holdout=holdout,
            description=(cls.__doc__ or "").strip().split("\n")[0],
        )

        async def run(self, start: JourneyStart) -> JourneyOutcome:  # type: ignore[no-untyped-def]
            return await self._execute(body, start)

        # Temporal requires @workflow.run to be defined on the class itself.
        run.__module__ = cls.__module__
        run.__qualname__ = f"{cls.__name__}.run"
        run.__doc__ = body.__doc__
        cls.run = workflow.run(run)  # type: ignore[attr-defined]
        cls.spec = spec
        return workflow.defn(name=spec.name)(cls)

    return wrap


def _kebab(name: str) -> str:
    return "".join(("-" + c.lower()) if c.isupper() and i else c.lower() for i, c in enumerate(name))

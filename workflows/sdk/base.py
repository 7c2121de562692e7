"""The `Journey` base class and the `@journey` decorator.

A journey is a Temporal workflow whose `run` reads like the seed's description of it.
The base class owns everything the author should not have to think about: de-duplicating
events by `messageId`, goals that end the journey during any wait, support signals
(pause, resume, exit), idempotency keys for sends, and recording how the run ended.

Signal handlers only record state; all decisions happen in `run`, so a bad signal can
never fail the workflow.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import (
        ControlSignal,
        EventPayload,
        JourneyEnd,
        JourneyOutcome,
        JourneyStart,
        JourneyState,
        Profile,
        ProfileRequest,
        SendRequest,
        SendResult,
    )
    from workflows.sdk.spec import JourneySpec, Trigger

SEND_TIMEOUT = timedelta(minutes=2)
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


class JourneyEnded(Exception):
    """Raised inside `run` to end the journey now; the base class records the outcome."""

    def __init__(self, status: str, detail: str | None = None) -> None:
        super().__init__(detail or status)
        self.status = status
        self.detail = detail


class Journey:
    """Base class of every journey. Subclass it and decorate with `@journey(...)`."""

    spec: ClassVar[JourneySpec]

    @workflow.init
    def __init__(self, start: JourneyStart) -> None:
        self.start = start
        self._inbox: list[EventPayload] = []
        self._seen: set[str] = set()
        self._goal_event: EventPayload | None = None
        self._exit_reason: str | None = None
        self._paused = False
        self._custom: list[ControlSignal] = []
        self._step = "started"
        self._waiting_for: str | None = None
        self._waiting_until = None
        self._sends = 0
        if start.event is not None:
            self._seen.add(start.event.message_id)

    # ----- signals and queries: record only -------------------------------------------
    @workflow.signal(name="event")
    def _on_event(self, event: EventPayload) -> None:
        if event.message_id in self._seen:
            return
        self._seen.add(event.message_id)
        self._inbox.append(event)
        if self.spec.goal and event.name == self.spec.goal and self._goal_event is None:
            self._goal_event = event
        if event.name in self.spec.exits and self._exit_reason is None:
            self._exit_reason = f"exit event {event.name}"

    @workflow.signal(name="control")
    def _on_control(self, signal: ControlSignal) -> None:
        if signal.action == "pause":
            self._paused = True
        elif signal.action == "resume":
            self._paused = False
        elif signal.action == "exit":
            self._exit_reason = signal.reason or "exited by support"
        else:
            self._custom.append(signal)

    @workflow.query(name="state")
    def _state(self) -> JourneyState:
        return JourneyState(
            journey=self.spec.name,
            contact_id=self.start.contact_id,
            step=self._step,
            paused=self._paused,
            waiting_for=self._waiting_for,
            waiting_until=self._waiting_until,
            sends=self._sends,
            goal_reached=self._goal_event is not None,
        )

    # ----- the authoring API ---------------------------------------------------------
    @property
    def contact_id(self) -> str:
        return self.start.contact_id

    @property
    def converted(self) -> bool:
        return self._goal_event is not None

    def step(self, name: str) -> None:
        """Name the current step; shown by the state query and the contact's timeline."""
        self._step = name

    async def wait(
        self,
        duration: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> bool:
        """Sleep durably. Returns True when the goal arrived (now or earlier): stop then."""
        delay = duration or timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        await self._wait_until(lambda: False, delay, waiting_for=None)
        await self._checkpoint()
        return self.converted

    async def wait_for(self, event: str, timeout: timedelta) -> EventPayload | None:
        """Wait for `event` from this contact; the event, or None on time-out or goal."""
        if event not in self.spec.interesting_events:
            raise ValueError(
                f"journey {self.spec.name!r} waits for {event!r} but does not list it; "
                f"add it to @journey(listens=[...]) so the dispatcher routes it here"
            )
        mark = len(self._inbox)

        def arrived() -> EventPayload | None:
            return next((e for e in self._inbox[mark:] if e.name == event), None)

        await self._wait_until(lambda: arrived() is not None, timeout, waiting_for=event)
        await self._checkpoint()
        return arrived()

    async def profile(self) -> Profile:
        """The contact's current profile, read through an activity (never stale)."""
        return await workflow.execute_activity(
            "load_profile",
            ProfileRequest(contact_id=self.contact_id),
            result_type=Profile,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def send(self, channel: str, template: str, context: dict[str, Any] | None = None) -> SendResult:
        """Send through the one messaging path (policy, template, idempotent provider call).

        The idempotency key is this run's first execution id plus a step counter, so an
        activity retry or a replay can never produce a second message.
        """
        await self._checkpoint()
        self._sends += 1
        info = workflow.info()
        ctx = {"journey": self.spec.name}
        if self.start.event is not None:
            ctx["event"] = self.start.event.properties
        ctx.update(context or {})
        request = SendRequest(
            idempotency_key=f"{info.workflow_id}/{info.first_execution_run_id}/{self._sends}",
            contact_id=self.contact_id,
            channel=channel,
            template=template,
            journey=self.spec.name,
            workflow_id=info.workflow_id,
            context=ctx,
        )
        result = await workflow.execute_local_activity(
            "send_message",
            request,
            result_type=SendResult,
            start_to_close_timeout=SEND_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        workflow.logger.info(
            "journey.message.%s",
            result.status,
            extra={"contact_id": self.contact_id, "journey": self.spec.name, "template": template},
        )
        return result

    # ----- internals -------------------------------------------------------------------
    async def _wait_until(
        self, condition: Callable[[], bool], timeout: timedelta, waiting_for: str | None
    ) -> None:
        self._waiting_for = waiting_for
        self._waiting_until = workflow.now() + timeout
        try:
            await workflow.wait_condition(
                lambda: condition() or self.converted or self._exit_reason is not None,
                timeout=timeout,
            )
        except TimeoutError:
            pass
        finally:
            self._waiting_for = None
            self._waiting_until = None

    async def _checkpoint(self) -> None:
        """Stop here while paused; end the run on an exit request or a reached goal."""
        if self._paused:
            self._waiting_for = "resume"
            await workflow.wait_condition(lambda: not self._paused or self._exit_reason is not None)
            self._waiting_for = None
        if self._exit_reason is not None:
            raise JourneyEnded("exited", self._exit_reason)
        if self.converted:
            raise JourneyEnded("converted", self.spec.goal)

    async def _execute(
        self, body: Callable[[Any, JourneyStart], Awaitable[None]], start: JourneyStart
    ) -> JourneyOutcome:
        try:
            await body(self, start)
            outcome = JourneyOutcome(status="converted" if self.converted else "completed")
        except JourneyEnded as ended:
            outcome = JourneyOutcome(status=ended.status, detail=ended.detail)  # type: ignore[arg-type]
        self._step = outcome.status
        info = workflow.info()
        await workflow.execute_activity(
            "record_journey_end",
            JourneyEnd(
                workflow_id=info.workflow_id,
                run_id=info.run_id,
                journey=self.spec.name,
                contact_id=self.contact_id,
                status=outcome.status,
                detail=outcome.detail,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        return outcome


def journey(
    *,
    trigger: str | Trigger | list[str | Trigger],
    goal: str | None = None,
    exits: list[str] | tuple[str, ...] = (),
    listens: list[str] | tuple[str, ...] = (),
    reentry: timedelta | bool = False,
    name: str | None = None,
) -> Callable[[type[Journey]], type[Journey]]:
    """Turn a `Journey` subclass with `async def run(self, start)` into a Temporal workflow.

    `reentry`: False = once per contact ever, True = every trigger after the last run
    ended, a timedelta = only after that cool-down. At most one run per contact (and key)
    is ever active.
    """
    triggers = trigger if isinstance(trigger, list) else [trigger]

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
            description=(cls.__doc__ or "").strip().split("\n")[0],
        )

        async def run(self, start: JourneyStart) -> JourneyOutcome:  # type: ignore[no-untyped-def]
            return await self._execute(body, start)

        run.__module__ = cls.__module__
        run.__qualname__ = f"{cls.__name__}.run"
        run.__doc__ = body.__doc__
        cls.run = workflow.run(run)  # type: ignore[attr-defined]
        cls.spec = spec
        cls._journey_body = body  # type: ignore[attr-defined]
        return workflow.defn(name=spec.name)(cls)

    return wrap


def _kebab(name: str) -> str:
    out = [("-" + c.lower()) if c.isupper() and i else c.lower() for i, c in enumerate(name)]
    return "".join(out)

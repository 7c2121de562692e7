"""The heart of every journey: state, signals, waits, goals and how a run ends.

Signal handlers only record state; all decisions happen in `run`, so a bad signal can
never fail the workflow. Events are de-duplicated by `messageId`, because Temporal only
de-duplicates retries of one start call, not two deliveries of the same event.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import (
        ControlSignal,
        EventPayload,
        JourneyEnd,
        JourneyOutcome,
        JourneyStart,
        JourneyState,
    )
    from workflows.sdk.spec import JourneySpec

ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SEEN_CARRIED = 2000  # message ids carried over continue-as-new for de-duplication


class JourneyEnded(Exception):
    """Raised inside `run` to end the journey now; the base class records the outcome."""

    def __init__(self, status: str, detail: str | None = None) -> None:
        super().__init__(detail or status)
        self.status = status
        self.detail = detail


class JourneyCore:
    spec: ClassVar[JourneySpec]

    @workflow.init
    def __init__(self, start: JourneyStart) -> None:
        self.start = start
        self._inbox: list[EventPayload] = []
        self._seen: set[str] = set(start.seen_message_ids)
        self._seen_order: list[str] = list(start.seen_message_ids)
        self._goal_event: EventPayload | None = None
        self._exit_reason: str | None = None
        self._paused = start.paused
        self._signals: list[ControlSignal] = []
        self._consumed: set[int] = set()
        self._step = "started"
        self._waiting_for: str | None = None
        self._waiting_until = None
        self._sends = start.sends
        self._variants: dict[str, str] = {}
        self.holdout = self.spec.in_holdout(start.contact_id)
        if start.event is not None:
            self._remember(start.event.message_id)

    def _remember(self, message_id: str) -> None:
        self._seen.add(message_id)
        self._seen_order.append(message_id)

    # ----- signals and queries: record only -------------------------------------------
    @workflow.signal(name="event")
    def _on_event(self, event: EventPayload) -> None:
        if event.message_id in self._seen:
            return
        self._remember(event.message_id)
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
            self._signals.append(signal)

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
            holdout=self.holdout,
            variants=dict(self._variants),
        )

    # ----- flow -------------------------------------------------------------------------
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
        if delay > timedelta(0):
            await self._wait_until(lambda: False, delay, waiting_for=None)
        await self._checkpoint(end_on_goal=False)
        return self.converted

    async def wait_for(self, event: str, timeout: timedelta) -> EventPayload | None:
        """Wait for `event` from this contact; the event, or None on time-out or goal."""
        if event not in self.spec.interesting_events:
            raise ApplicationError(
                f"journey {self.spec.name!r} waits for {event!r} but does not list it; "
                f"add it to @journey(listens=[...]) so the dispatcher routes it here",
                type="JourneyDefinitionError",
                non_retryable=True,
            )
        mark = len(self._inbox)

        def arrived() -> EventPayload | None:
            return next((e for e in self._inbox[mark:] if e.name == event), None)

        await self._wait_until(lambda: arrived() is not None, timeout, waiting_for=event)
        await self._checkpoint(end_on_goal=False)
        return arrived()

    async def wait_for_signal(self, name: str, timeout: timedelta) -> dict[str, Any] | None:
        """Wait for a custom support signal `name` (sent through the admin API) and consume
        it; one that arrived earlier and was not consumed yet counts."""

        def pending() -> int | None:
            return next(
                (i for i, s in enumerate(self._signals) if s.name == name and i not in self._consumed), None
            )

        await self._wait_until(lambda: pending() is not None, timeout, waiting_for=f"signal:{name}")
        await self._checkpoint(end_on_goal=False)
        index = pending()
        if index is None:
            return None
        self._consumed.add(index)
        return self._signals[index].payload

    def events(self, name: str | None = None) -> list[EventPayload]:
        """Events this run received so far (after its trigger), optionally of one name."""
        return [e for e in self._inbox if name is None or e.name == name]

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

    async def _checkpoint(self, end_on_goal: bool = True) -> None:
        """Stop here while paused; end the run on an exit request (or a reached goal)."""
        if self._paused:
            self._waiting_for = "resume"
            await workflow.wait_condition(lambda: not self._paused or self._exit_reason is not None)
            self._waiting_for = None
        if self._exit_reason is not None:
            raise JourneyEnded("exited", self._exit_reason)
        if end_on_goal and self.converted:
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
                run_id=info.first_execution_run_id,
                journey=self.spec.name,
                contact_id=self.contact_id,
                status=outcome.status,
                detail=outcome.detail,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        return outcome

"""Once a day, turn dates and inactivity into events (see activities/scans.py).

Started by the Temporal Schedule `orkiestra-daily-scan` that the worker keeps in place.
The day scanned is the schedule's *planned* time, not the moment the run happened to
start, so a run that was late (worker down, catch-up after an outage) still scans the day
it was meant for; the events' deterministic ids make any repeat harmless.
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import ScanRequest, ScanResult

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@workflow.defn(name="daily-scan")
class DailyScan:
    @workflow.run
    async def run(self, request: ScanRequest | None = None) -> ScanResult:
        day = request.day if request is not None else self._planned_time()
        return await workflow.execute_activity(
            "scan_day",
            ScanRequest(day=day),
            result_type=ScanResult,
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5)
            ),
        )

    @staticmethod
    def _planned_time() -> datetime:
        planned = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        return planned or workflow.now()

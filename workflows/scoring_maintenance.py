"""Once a day: rescore contacts scored under older rules, then decay the inactive.

Started by the Temporal Schedule `orkiestra-scoring` that the worker keeps in place
(worker/scoring_schedule.py). One run scans the database in batches, instead of one timer
per contact. The time used is the schedule's planned time, so a late or caught-up run
decays exactly as much as an on-time one would have; both jobs are idempotent.
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from orkiestra.sales.contracts import ScoringJob, ScoringJobResult

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5))


@workflow.defn(name="scoring-maintenance")
class ScoringMaintenance:
    @workflow.run
    async def run(self, job: ScoringJob | None = None) -> ScoringJobResult:
        now = job.now if job is not None else self._planned_time()
        request = ScoringJob(now=now, batch=job.batch if job is not None else 500)
        options = {
            "start_to_close_timeout": timedelta(hours=1),
            "heartbeat_timeout": timedelta(minutes=2),
            "retry_policy": RETRY,
        }
        rescored = await workflow.execute_activity(
            "scoring_rescore", request, result_type=ScoringJobResult, **options
        )
        decayed = await workflow.execute_activity(
            "scoring_decay", request, result_type=ScoringJobResult, **options
        )
        return ScoringJobResult(
            contacts=rescored.contacts + decayed.contacts,
            points=rescored.points + decayed.points,
            qualified=rescored.qualified,
        )

    @staticmethod
    def _planned_time() -> datetime:
        planned = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        return planned or workflow.now()

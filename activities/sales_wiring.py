"""The sales activities with their dependencies, for the one registry (worker/registry.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from activities.crm import make_crm
from activities.sales import SalesActivities
from activities.scoring import ScoringActivities
from orkiestra.db import SessionFactory
from orkiestra.scoring import load_model
from orkiestra.settings import Settings
from workflows.sdk import JourneySpec


def sales_activities(settings: Settings, sessions: SessionFactory, specs: Sequence[JourneySpec]) -> list[Any]:
    # The same set the API's ingest uses: internal events journeys care about get an outbox row.
    interesting = frozenset().union(*(s.interesting_events for s in specs))
    sales = SalesActivities(sessions, settings, make_crm(settings, sessions), interesting)
    scoring = ScoringActivities(sessions, load_model(settings.scoring_model), interesting)
    return [
        sales.assign_owner,
        sales.lead_stage,
        sales.plan_sla,
        sales.push_lead,
        sales.create_task,
        sales.add_note,
        sales.close_tasks,
        sales.emit_event,
        sales.notify_owner,
        scoring.rescore,
        scoring.decay,
    ]

"""`GET /v1/journeys`: every shipped journey with its trigger, goal and live counts."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminDep, SessionDep
from api.schemas import JourneyPublic
from orkiestra.persistence import journeys
from workflows.catalog import journey_specs

router = APIRouter(prefix="/v1/journeys", tags=["journeys"], dependencies=[AdminDep])


@router.get("", response_model=list[JourneyPublic])
def list_journeys(session: SessionDep) -> list[JourneyPublic]:
    counts = journeys.counts_by_journey(session)
    out = []
    for spec in journey_specs():
        c = counts.get(spec.name, {})
        out.append(
            JourneyPublic(
                name=spec.name,
                description=spec.description,
                triggers=[
                    {"event": t.event, "where": dict(t.where), "key": t.key, "description": t.describe()}
                    for t in spec.triggers
                ],
                goal=spec.goal,
                exits=list(spec.exits),
                reentry="always"
                if spec.reentry is True
                else "never"
                if spec.reentry is False
                else f"after {spec.reentry}",
                counts={s: c.get(s, 0) for s in ("active", "completed", "converted", "exited")},
            )
        )
    return out

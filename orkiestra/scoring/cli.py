"""`orkiestra scoring ...`: show the rules in force and rescore after a rules change.

The rescore runs straight against the database (no Temporal needed); the daily
`scoring-maintenance` schedule does the same on its own, so this is for "now".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

scoring_app = typer.Typer(
    help="Lead scoring rules as code: show them, rescore contacts.", no_args_is_help=True
)


@scoring_app.command("rules")
def show_rules() -> None:
    """Print the scoring model in force (ORKIESTRA_SCORING_MODEL) and its version."""
    from orkiestra.cli import _settings
    from orkiestra.scoring import load_model

    settings = _settings()
    model = load_model(settings.scoring_model)
    typer.echo(f"model {settings.scoring_model} version {model.version}, MQL at {model.mql_threshold}")
    for rule in model.behaviour:
        cap = (
            f" (cap {rule.cap}" + (f"/{rule.cap_period.days}d)" if rule.cap_period else ")")
            if rule.cap
            else ""
        )
        typer.echo(f"  behaviour {rule.name}: {rule.event} {rule.points:+d}{cap}")
    for fit in model.fit:
        typer.echo(f"  fit       {fit.name}: {fit.points:+d}")
    typer.echo(f"  decay     {model.decay.points:+d} after {model.decay.after.days} days without activity")


@scoring_app.command("rescore")
def rescore(
    batch: Annotated[int, typer.Option(help="contacts read per query")] = 500,
    decay: Annotated[bool, typer.Option(help="also apply due inactivity decay")] = True,
) -> None:
    """Rescore every contact scored under older rules (safe to repeat)."""
    from activities.scoring import ScoringActivities
    from orkiestra.cli import _settings
    from orkiestra.db import make_engine, make_session_factory, migrate
    from orkiestra.scoring import load_model
    from workflows.catalog import journey_specs

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    if settings.auto_migrate:
        migrate(engine)
    interesting = frozenset().union(*(s.interesting_events for s in journey_specs()))
    jobs = ScoringActivities(make_session_factory(engine), load_model(settings.scoring_model), interesting)
    now = datetime.now(UTC)
    done = jobs.rescore_all(now, batch)
    typer.echo(
        f"rescored {done.contacts} contacts ({done.points:+d} points, {done.qualified} newly qualified)"
    )
    if decay:
        decayed = jobs.decay_all(now, batch)
        typer.echo(f"decayed {decayed.contacts} inactive contacts ({decayed.points:+d} points)")

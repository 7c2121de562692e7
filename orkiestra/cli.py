"""The `orkiestra` command: dev stack, API, worker, migrations."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from orkiestra.logging import configure_logging, get_logger
from orkiestra.scoring.cli import scoring_app
from orkiestra.settings import InsecureDefaultsError, Settings

app = typer.Typer(
    help="orkiestra: marketing automation where every journey is Python code.",
    no_args_is_help=True,
    add_completion=False,
)
log = get_logger("orkiestra.cli")


def _settings() -> Settings:
    try:
        settings = Settings()
    except InsecureDefaultsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:
        typer.echo(f"error: invalid ORKIESTRA_* setting: {exc}", err=True)
        raise typer.Exit(2) from exc
    configure_logging(settings.resolved_log_format, settings.log_level)
    return settings


@app.command()
def dev(
    api_port: Annotated[int, typer.Option(help="port of the API")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="port of the embedded Temporal server")] = 7233,
    ui_port: Annotated[int, typer.Option(help="port of the Temporal UI")] = 8233,
    smtp_port: Annotated[int, typer.Option(help="port of the built-in mail catcher")] = 1025,
    home: Annotated[Path, typer.Option(help="folder for the database, Temporal state and mail")] = Path(
        ".orkiestra"
    ),
) -> None:
    """Run everything on embedded defaults: Temporal dev server, SQLite, worker, API."""
    from orkiestra.devstack import DevOptions, PortTaken, run_dev

    configure_logging("console")
    try:
        code = run_dev(
            DevOptions(
                home=home,
                api_port=api_port,
                temporal_port=temporal_port,
                ui_port=ui_port,
                smtp_port=smtp_port,
            )
        )
    except PortTaken as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(code)


@app.command()
def api(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes (each also dispatches the outbox)")] = 1,
) -> None:
    """Run the API (ingest, admin, outbox dispatcher) against the configured services."""
    import uvicorn

    from api.main import create_app

    settings = _settings()
    if workers > 1:
        # Each process builds its app from the same ORKIESTRA_* environment.
        uvicorn.run(
            "api.main:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
        )
        return
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@app.command()
def worker() -> None:
    """Run a Temporal worker for every journey and activity."""
    from worker.main import run_worker

    settings = _settings()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop)

    asyncio.run(main())


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest version (safe to run repeatedly)."""
    from orkiestra.db import make_engine
    from orkiestra.db import migrate as run_migrations

    settings = _settings()
    run_migrations(make_engine(settings.resolved_database_url))


app.add_typer(scoring_app, name="scoring")


@app.command()
def journeys(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List every shipped journey: triggers, goal and live counts from the database."""
    import json

    from orkiestra import journey_table
    from orkiestra.db import make_engine, make_session_factory
    from orkiestra.db import migrate as run_migrations
    from orkiestra.persistence.journeys import counts_by_journey
    from workflows.catalog import journey_specs

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    if settings.auto_migrate:
        run_migrations(engine)
    with make_session_factory(engine)() as session:
        table = journey_table.rows(journey_specs(), counts_by_journey(session))
    engine.dispose()
    typer.echo(json.dumps(table, indent=1) if as_json else journey_table.render(table))


histories = typer.Typer(help="Recorded journey histories that CI replays against the code.")
app.add_typer(histories, name="histories")


@histories.command("record")
def record_histories(
    out: Annotated[Path | None, typer.Option(help="folder to write to (default tests/histories)")] = None,
    journey: Annotated[
        list[str] | None, typer.Option(help="only this journey (repeatable); default: every one")
    ] = None,
) -> None:
    """Run shipped journeys in virtual time and save their histories for replay tests.

    Existing files are never overwritten: a recording whose shape is new is saved next to
    them (`name.scenario.v2.json`), so runs started before a change keep being replayed.
    """
    from worker.histories import DEFAULT_DIR, record
    from workflows.catalog import JOURNEYS

    configure_logging("console")
    chosen = [j for j in JOURNEYS if not journey or j.spec.name in journey]
    unknown = set(journey or ()) - {j.spec.name for j in JOURNEYS}
    if unknown:
        typer.echo(f"error: no journey named {', '.join(sorted(unknown))}", err=True)
        raise typer.Exit(2)
    written = asyncio.run(record(out or DEFAULT_DIR, chosen))
    for path in written:
        typer.echo(f"recorded {path}")
    if not written:
        typer.echo("no new histories: every recording matches one already kept")


@histories.command("check")
def check_histories(
    folder: Annotated[Path | None, typer.Option(help="folder to read (default tests/histories)")] = None,
) -> None:
    """Replay every recorded history against the current code; exit 1 on a non-determinism."""
    from worker.histories import DEFAULT_DIR, recorded, replay

    configure_logging("console")
    failed = 0
    for path in recorded(folder or DEFAULT_DIR):
        try:
            asyncio.run(replay(path))
            typer.echo(f"ok      {path.name}")
        except Exception as exc:
            failed += 1
            typer.echo(f"BROKEN  {path.name}: {exc}", err=True)
    raise typer.Exit(1 if failed else 0)


if __name__ == "__main__":
    app()

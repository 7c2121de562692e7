"""The FastAPI application and its lifespan (database, Temporal client, dispatcher)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client

from api import errors
from api.dispatcher import Dispatcher, interesting_events
from api.routes import (
    consents,
    contacts,
    crm_webhooks,
    devmail,
    health,
    inbox,
    ingest,
    journey_control,
    journeys,
    preferences,
    privacy,
    sales,
    tracking,
    webhooks,
)
from api.state import AppState
from orkiestra import __version__
from orkiestra.db import make_engine, make_session_factory, migrate
from orkiestra.logging import configure_logging, get_logger
from orkiestra.settings import Settings, get_settings
from worker.temporal import connect
from workflows.catalog import journey_specs

log = get_logger(__name__)


def app_from_environment() -> FastAPI:
    """Factory for `orkiestra api --workers N`: every process reads the same environment."""
    settings = get_settings()
    configure_logging(settings.resolved_log_format, settings.log_level)
    return create_app(settings)


def create_app(settings: Settings | None = None, client: Client | None = None) -> FastAPI:
    """Build the app. Tests pass their own settings and, optionally, a Temporal client."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.resolved_database_url)
        if settings.auto_migrate:
            await asyncio.to_thread(migrate, engine)
        temporal = client
        if temporal is None and settings.temporal_address:
            temporal = await connect(settings, lazy=True)
        specs = journey_specs()
        sessions = make_session_factory(engine)
        dispatcher = (
            Dispatcher(settings, sessions, temporal, specs)
            if temporal is not None and settings.dispatcher_enabled
            else None
        )
        app.state.orkiestra = AppState(
            settings, engine, sessions, temporal, dispatcher, interesting_events(specs)
        )
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop)) if dispatcher else None
        log.info(
            "api.started",
            database=engine.dialect.name,
            temporal=settings.temporal_address,
            dispatcher=dispatcher is not None,
        )
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            engine.dispose()
            log.info("api.stopped")

    app = FastAPI(
        title="orkiestra",
        version=__version__,
        lifespan=lifespan,
        description="Marketing automation where every journey is Python code on Temporal.",
    )
    errors.install(app)
    for module in (health, ingest, contacts, journeys, journey_control, devmail):
        app.include_router(module.router)
    # Issue 4 (engagement): preference center, tracking, provider feedback, GDPR, inbox.
    for module in (consents, preferences, tracking, webhooks, privacy, inbox):
        app.include_router(module.router)
    # Issue 5 (sales hand-off): owners, leads, tasks, CRM webhooks.
    for module in (sales, crm_webhooks):
        app.include_router(module.router)
    return app

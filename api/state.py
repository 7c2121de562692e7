"""What the app holds for its lifetime: settings, database, Temporal client, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from temporalio.client import Client

from api.dispatcher import Dispatcher
from orkiestra.db import SessionFactory
from orkiestra.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    client: Client | None
    dispatcher: Dispatcher | None
    interesting: frozenset[str]

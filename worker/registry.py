"""The one registry of workflows and activities, shared by the worker and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from activities.clock import ClockActivities
from activities.contacts import ContactActivities
from activities.email import SmtpEmailProvider
from activities.messaging import MessagingActivities
from activities.templates import TemplateRenderer
from orkiestra.db import SessionFactory
from orkiestra.settings import Settings
from workflows.catalog import JOURNEYS


@dataclass
class Dependencies:
    settings: Settings
    sessions: SessionFactory


def workflows() -> list[type]:
    return list(JOURNEYS)


def activities(deps: Dependencies) -> list[Any]:
    contacts = ContactActivities(deps.sessions)
    messaging = MessagingActivities(
        deps.sessions,
        deps.settings,
        TemplateRenderer(deps.settings.templates_dir),
        SmtpEmailProvider(deps.settings),
    )
    clock = ClockActivities(deps.sessions)
    return [
        contacts.load_profile,
        contacts.record_journey_end,
        clock.next_local_time,
        messaging.send_message,
    ]

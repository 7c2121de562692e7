"""The one registry of workflows and activities, shared by the worker and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from activities.channels import build_providers
from activities.clock import ClockActivities
from activities.contacts import ContactActivities
from activities.content import ContentActivities
from activities.messaging import MessagingActivities
from activities.purchases import PurchaseActivities
from activities.sales_wiring import sales_activities
from activities.scans import ScanActivities
from activities.templates import TemplateRenderer
from orkiestra.db import SessionFactory
from orkiestra.settings import Settings
from workflows.catalog import JOURNEYS, journey_specs
from workflows.daily_scan import DailyScan
from workflows.scoring_maintenance import ScoringMaintenance


@dataclass
class Dependencies:
    settings: Settings
    sessions: SessionFactory


def workflows() -> list[type]:
    return [*JOURNEYS, DailyScan, ScoringMaintenance]


def activities(deps: Dependencies) -> list[Any]:
    contacts = ContactActivities(deps.sessions)
    messaging = MessagingActivities(
        deps.sessions,
        deps.settings,
        TemplateRenderer(deps.settings.templates_dir),
        build_providers(deps.settings, deps.sessions),
    )
    content = ContentActivities(deps.settings.templates_dir)
    clock = ClockActivities(deps.sessions)
    purchases = PurchaseActivities(deps.sessions)
    scans = ScanActivities(deps.sessions, journey_specs())
    return [
        contacts.load_profile,
        contacts.record_journey_end,
        clock.next_local_time,
        messaging.send_message,
        content.select_content,
        purchases.past_categories,
        purchases.order_interval,
        scans.scan_day,
        *sales_activities(deps.settings, deps.sessions, journey_specs()),
    ]

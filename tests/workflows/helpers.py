"""Small helpers for the journey tests: list a contact's messages; `at_step` from the kit."""

from __future__ import annotations

from worker.testkit import JourneyTestKit, at_step

__all__ = ["at_step", "attempted", "sent"]


def attempted(kit: JourneyTestKit, contact_id: str) -> list[tuple[str, str]]:
    """(channel, template) of every send the contact's journeys tried, oldest first."""
    return [(m.channel, m.template) for m in kit.messages(contact_id)]


def sent(kit: JourneyTestKit, contact_id: str) -> list[tuple[str, str]]:
    return [(m.channel, m.template) for m in kit.messages(contact_id) if m.status == "sent"]

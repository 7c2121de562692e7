"""Fresh contact data for journey branches, and the journey-run bookkeeping."""

from __future__ import annotations

from temporalio import activity

from orkiestra.contracts import JourneyEnd, Profile, ProfileRequest
from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import contacts, journeys

log = get_logger(__name__)


class ContactActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    @activity.defn(name="load_profile")
    def load_profile(self, request: ProfileRequest) -> Profile:
        with self.sessions() as session:
            contact = contacts.get_contact(session, request.contact_id)
            if contact is None:
                return Profile(contact_id=request.contact_id, exists=False)
            return Profile(
                contact_id=contact.id,
                email=contact.email,
                phone=contact.phone,
                timezone=contact.timezone,
                first_name=contact.first_name,
                last_name=contact.last_name,
                traits=contact.traits or {},
            )

    @activity.defn(name="record_journey_end")
    def record_journey_end(self, end: JourneyEnd) -> None:
        with transaction(self.sessions) as session:
            journeys.record_end(
                session,
                end.run_id,
                end.workflow_id,
                end.journey,
                end.contact_id,
                end.status,
                end.detail,
            )
        log.info("journey.ended", journey=end.journey, contact_id=end.contact_id, status=end.status)

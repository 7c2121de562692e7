"""SQLModel tables. Importing this package registers every table on `SQLModel.metadata`."""

from orkiestra.models.contacts import Contact, ContactAlias
from orkiestra.models.events import Event, OutboxEntry
from orkiestra.models.journeys import JourneyRun
from orkiestra.models.messages import Message

__all__ = ["Contact", "ContactAlias", "Event", "JourneyRun", "Message", "OutboxEntry"]

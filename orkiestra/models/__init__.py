"""SQLModel tables. Importing this package registers every table on `SQLModel.metadata`."""

from orkiestra.models.contacts import Contact, ContactAlias
from orkiestra.models.crm import CrmNote, CrmTask, Lead, Owner
from orkiestra.models.engagement import Erasure, SubscriptionChange, SuppressedAddress
from orkiestra.models.events import Event, OutboxEntry
from orkiestra.models.journeys import JourneyRun
from orkiestra.models.messages import Message
from orkiestra.models.messaging import ConsentRecord, InboxMessage, SendLock, SendSlot
from orkiestra.models.scoring import LeadScore, ScoreChange, StageChange

__all__ = [
    "ConsentRecord",
    "Contact",
    "ContactAlias",
    "CrmNote",
    "CrmTask",
    "Erasure",
    "Event",
    "InboxMessage",
    "JourneyRun",
    "Lead",
    "LeadScore",
    "Message",
    "OutboxEntry",
    "Owner",
    "ScoreChange",
    "SendLock",
    "SendSlot",
    "StageChange",
    "SubscriptionChange",
    "SuppressedAddress",
]

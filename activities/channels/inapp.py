"""In-app messages: stored in `inbox_messages`, which the contact's app reads through the
inbox API. Idempotent by the send's key (a unique column), so a retry stores nothing new."""

from __future__ import annotations

import asyncio

from activities.channels.base import Outgoing, Recipient
from orkiestra.db import SessionFactory, transaction
from orkiestra.persistence import inbox


class InAppProvider:
    channel = "inapp"
    name = "inbox"
    idempotent = True

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def address(self, recipient: Recipient) -> str | None:
        return recipient.contact_id

    def _store(self, message: Outgoing) -> int:
        with transaction(self.sessions) as session:
            row = inbox.add(
                session,
                message.contact_id,
                message.content.title or "",
                message.content.body or "",
                message.idempotency_key,
                message_id=message.message_id,
                data={"journey": message.journey, "template": message.content.name},
            )
            assert row.id is not None
            return row.id

    async def send(self, message: Outgoing) -> str:
        return f"inbox-{await asyncio.to_thread(self._store, message)}"

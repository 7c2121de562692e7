"""Email over an HTTP API in Postmark's shape (`POST /email`).

    POST {EMAIL_API_URL}/email
    X-Postmark-Server-Token: {EMAIL_API_KEY}
    Idempotency-Key: {send key}
    {"From", "To", "Subject", "HtmlBody", "TextBody", "MessageStream",
     "Headers": [{"Name", "Value"}], "Metadata": {...}}
    → 200 {"MessageID": "...", "ErrorCode": 0, "Message": "OK"}
    → 422 {"ErrorCode": 300, "Message": "Invalid 'To' address"}

Postmark itself does not de-duplicate by header; a provider or relay that honours
`Idempotency-Key` makes a retried send safe, and the messaging path relies on that.
"""

from __future__ import annotations

from typing import Any

from activities.channels.base import Outgoing, Recipient
from activities.channels.email_smtp import message_id_for, unsubscribe_headers
from activities.channels.http import HttpClient
from orkiestra.settings import Settings


def _postmark_error(body: Any) -> str | None:
    return f"{body.get('Message')} (ErrorCode {body.get('ErrorCode')})" if body.get("Message") else None


class HttpEmailProvider:
    channel = "email"
    name = "postmark"
    idempotent = True

    def __init__(self, settings: Settings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    def address(self, recipient: Recipient) -> str | None:
        return recipient.email or None

    async def send(self, message: Outgoing) -> str:
        content = message.content
        headers = {"Message-ID": message_id_for(message.idempotency_key)}
        headers.update(unsubscribe_headers(self.settings, message))
        body = {
            "From": self.settings.email_from,
            "To": message.to,
            "Subject": content.subject,
            "HtmlBody": content.html,
            "TextBody": content.text,
            "MessageStream": self.settings.email_message_stream,
            "Headers": [{"Name": k, "Value": v} for k, v in headers.items()],
            "Metadata": {"message_id": str(message.message_id), "contact_id": message.contact_id},
        }
        response = await self.http.post(
            "postmark",
            f"{self.settings.email_api_url.rstrip('/')}/email",
            json=body,
            headers={
                "X-Postmark-Server-Token": self.settings.email_api_key or "",
                "Accept": "application/json",
                "Idempotency-Key": message.idempotency_key,
            },
            explain=_postmark_error,
        )
        return str(response.json().get("MessageID", ""))

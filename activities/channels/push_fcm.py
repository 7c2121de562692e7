"""Push over Firebase Cloud Messaging's HTTP v1 API.

    POST {FCM_URL}/v1/projects/{project}/messages:send
    Authorization: Bearer {FCM_TOKEN}
    {"message": {"token": <device>, "notification": {"title", "body"}, "data": {...}}}
    → 200 {"name": "projects/{project}/messages/{id}"}
    → 404 {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}

The device token is the contact's `push_token` trait (set by the app through identify).
FCM_TOKEN is an OAuth access token; refreshing it from a service account is left to the
deployment. The idempotency key goes in `Idempotency-Key` and in the message's data.
"""

from __future__ import annotations

from typing import Any

from activities.channels.base import Outgoing, Recipient
from activities.channels.http import HttpClient
from orkiestra.settings import Settings


def _fcm_error(body: Any) -> str | None:
    error = body.get("error") or {}
    return f"{error.get('message')} ({error.get('status')})" if error.get("message") else None


class FcmPushProvider:
    channel = "push"
    name = "fcm"
    idempotent = True

    def __init__(self, settings: Settings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    def address(self, recipient: Recipient) -> str | None:
        token = recipient.traits.get("push_token")
        return token if isinstance(token, str) and token else None

    async def send(self, message: Outgoing) -> str:
        project = self.settings.fcm_project or ""
        body = {
            "message": {
                "token": message.to,
                "notification": {"title": message.content.title, "body": message.content.body},
                "data": {"message_id": str(message.message_id), "idempotency_key": message.idempotency_key},
            }
        }
        response = await self.http.post(
            "fcm",
            f"{self.settings.fcm_url.rstrip('/')}/v1/projects/{project}/messages:send",
            json=body,
            headers={
                "Authorization": f"Bearer {self.settings.fcm_token or ''}",
                "Idempotency-Key": message.idempotency_key,
            },
            explain=_fcm_error,
        )
        return str(response.json().get("name", ""))

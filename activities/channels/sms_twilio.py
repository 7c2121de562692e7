"""SMS over Twilio's REST API.

POST {TWILIO_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json
Basic auth AccountSid:AuthToken, form-encoded To, From, Body
I-Twilio-Idempotency-Token: {send key}
→ 201 {"sid": "SM...", "status": "queued"}
→ 400 {"code": 21211, "message": "The 'To' number ... is not valid", "status": 400}
"""

from __future__ import annotations

from typing import Any

from activities.channels.base import Outgoing, Recipient
from activities.channels.http import HttpClient
from orkiestra.settings import Settings


def _twilio_error(body: Any) -> str | None:
    return f"{body.get('message')} (code {body.get('code')})" if body.get("message") else None


class TwilioSmsProvider:
    channel = "sms"
    name = "twilio"
    idempotent = True

    def __init__(self, settings: Settings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    def address(self, recipient: Recipient) -> str | None:
        return recipient.phone or None

    async def send(self, message: Outgoing) -> str:
        sid = self.settings.twilio_account_sid or ""
        response = await self.http.post(
            "twilio",
            f"{self.settings.twilio_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            data={
                "To": message.to,
                "From": self.settings.twilio_from or "",
                "Body": message.content.text or "",
            },
            auth=(sid, self.settings.twilio_auth_token or ""),
            headers={"I-Twilio-Idempotency-Token": message.idempotency_key},
            explain=_twilio_error,
        )
        return str(response.json().get("sid", ""))

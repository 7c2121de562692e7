"""Fake Postmark, Twilio, FCM and a webhook receiver, each speaking its real API's shape
(paths, auth, fields, error bodies, idempotency). See fake_http.py for the server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Any

from tests.messaging.fake_http import FakeProvider, Reply, Request

TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
FCM_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class FakePostmark(FakeProvider):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def handle(self, request: Request) -> Reply:
        if request.path != "/email":
            return Reply(404, {"ErrorCode": 404, "Message": "Not found"})
        if request.headers.get("x-postmark-server-token") != self.token:
            return Reply(401, {"ErrorCode": 10, "Message": "The Server Token you provided was invalid."})
        body = request.json()
        for name in ("From", "To", "Subject"):
            if not body.get(name):
                return Reply(422, {"ErrorCode": 300, "Message": f"Invalid email request: missing {name}"})
        if "@" not in body["To"]:
            return Reply(422, {"ErrorCode": 300, "Message": f"Invalid 'To' address: '{body['To']}'."})
        message_id = f"pm-{len(self.messages) + 1}"
        self.messages.append({**body, "MessageID": message_id})
        return Reply(200, {"To": body["To"], "MessageID": message_id, "ErrorCode": 0, "Message": "OK"})


class FakeTwilio(FakeProvider):
    idempotency_header = "I-Twilio-Idempotency-Token"

    def __init__(self, sid: str, token: str) -> None:
        super().__init__()
        self.sid, self.token = sid, token

    def handle(self, request: Request) -> Reply:
        match = TWILIO_PATH.match(request.path)
        if not match or match["sid"] != self.sid:
            return Reply(
                404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
            )
        expected = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return Reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
        form = request.form()
        if not form.get("Body"):
            return Reply(400, {"code": 21602, "message": "Message body is required.", "status": 400})
        if not E164.match(form.get("To", "")):
            message = f"The 'To' number {form.get('To')} is not a valid phone number."
            return Reply(400, {"code": 21211, "message": message, "status": 400})
        sid = f"SM{len(self.messages) + 1:032d}"
        self.messages.append({**form, "sid": sid})
        return Reply(201, {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]})


class FakeFcm(FakeProvider):
    def __init__(self, project: str, token: str) -> None:
        super().__init__()
        self.project, self.token = project, token

    def _error(self, code: int, message: str, status: str) -> Reply:
        return Reply(code, {"error": {"code": code, "message": message, "status": status}})

    def handle(self, request: Request) -> Reply:
        match = FCM_PATH.match(request.path)
        if not match or match["project"] != self.project:
            return self._error(404, "Requested entity was not found.", "NOT_FOUND")
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        message = request.json().get("message") or {}
        device = message.get("token")
        notification = message.get("notification") or {}
        if not device or not notification.get("title") or not notification.get("body"):
            return self._error(
                400, "Invalid message: token and notification are required", "INVALID_ARGUMENT"
            )
        if device.startswith("stale-"):
            return self._error(404, "Requested entity was not found.", "NOT_FOUND")
        name = f"projects/{self.project}/messages/{len(self.messages) + 1}"
        self.messages.append({**message, "name": name})
        return Reply(200, {"name": name})


class FakeWebhookReceiver(FakeProvider):
    """A customer's endpoint that checks the signature as our docs tell it to."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.reject_with: tuple[int, dict[str, Any]] | None = None

    def handle(self, request: Request) -> Reply:
        timestamp = request.headers.get("x-orkiestra-timestamp", "")
        given = request.headers.get("x-orkiestra-signature", "")
        mac = hmac.new(self.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
        if not hmac.compare_digest(f"sha256={mac.hexdigest()}", given):
            return Reply(401, {"message": "bad signature"})
        if abs(time.time() - float(timestamp)) > 300:
            return Reply(401, {"message": "stale timestamp"})
        if self.reject_with is not None:
            return Reply(*self.reject_with)
        self.messages.append(request.json())
        return Reply(200, {"ok": True}, {"X-Request-Id": f"wh-{len(self.messages)}"})

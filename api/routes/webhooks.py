"""Provider feedback in: delivery, bounce and complaint (shape and signature in
orkiestra/feedback.py).

Each report moves the message's status on, suppresses the address on a hard bounce or
a complaint, and becomes an event (`Email Delivered`, `Email Bounced`,
`Email Marked as Spam`, and the same for SMS and push) through the ingest path, all in
one transaction. Providers retry until they get a 2xx, so a repeat is answered 200 and
changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import StateDep
from api.engagement import CHANNEL_LABEL, apply, message_event
from api.errors import ApiError, describe_validation, validation_response
from orkiestra import feedback
from orkiestra.feedback import FeedbackBatch, FeedbackEvent
from orkiestra.logging import get_logger
from orkiestra.persistence import contacts, suppressions
from orkiestra.persistence import feedback as store
from orkiestra.segment import TrackCall
from orkiestra.settings import Settings

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
log = get_logger(__name__)
MAX_BODY = 1024 * 1024


def _handle(session: Session, channel: str, ev: FeedbackEvent) -> list[TrackCall]:
    message = store.find_message(
        session, message_id=ev.orkiestra_message_id, provider_message_id=ev.message_id
    )
    if message is not None and message.channel != channel:
        message = None
    status = {"delivered": "delivered", "complained": "complained"}.get(ev.type)
    if ev.type == "bounced" and ev.bounce_type == "hard":
        status = "bounced"
    if message is not None and status:
        store.mark(session, message, status, error=ev.reason if ev.type != "delivered" else None)
    if message is not None and contacts.get_contact(session, message.contact_id) is None:
        return []  # the contact was erased: keep the status, store nothing personal again
    address = ev.recipient or (message.to_address if message else None)
    contact_id = message.contact_id if message else None
    if contact_id is None and address:
        contact_id = store.contact_for_address(session, channel, address)
    if ev.suppresses and address:
        reason = "complaint" if ev.type == "complained" else "bounce"
        suppressions.suppress(
            session,
            address,
            channel,
            reason,
            source=f"webhook:{channel}",
            contact_id=contact_id,
            detail=ev.reason,
        )
    name = feedback.EVENT_NAMES[ev.type].format(label=CHANNEL_LABEL[channel])
    extra = {"reason": ev.reason} if ev.reason else {}
    if ev.type == "bounced":
        extra["bounce_type"] = ev.bounce_type
    subject = str(message.id) if message else hashlib.sha256((address or "").encode()).hexdigest()[:24]
    key = f"webhook-{channel}-" + (ev.id or f"{ev.type}-{subject}")
    if message is not None:
        return [message_event(message, name, key, **extra)]
    if contact_id is None:
        return []
    return [
        TrackCall(
            userId=contact_id,
            event=name,
            messageId=key,
            properties={"channel": channel, **extra},
            context={"library": {"name": "orkiestra-feedback"}},
        )
    ]


async def _process(state: StateDep, channel: str, events: list[FeedbackEvent]) -> dict[str, int]:
    def work(session: Session) -> list[TrackCall]:
        return [call for ev in events for call in _handle(session, channel, ev)]

    recorded = await apply(state, work)
    log.info("webhook.received", channel=channel, received=len(events), recorded=recorded)
    return {"received": len(events), "recorded": recorded}


def _parse(raw: bytes) -> list[FeedbackEvent]:
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"body is not valid JSON: {exc}") from exc
    if isinstance(body, dict) and "events" in body:
        return FeedbackBatch.model_validate(body).events
    if isinstance(body, list):
        return FeedbackBatch.model_validate({"events": body}).events
    return [FeedbackEvent.model_validate(body)]


def _twilio_ok(settings: Settings, request: Request, params: dict[str, str]) -> bool:
    url = f"{settings.public_url.rstrip('/')}{request.url.path}"
    if request.url.query:
        url += f"?{request.url.query}"
    token = settings.twilio_auth_token or settings.resolved_webhook_secret
    expected = feedback.twilio_signature(token, url, params)
    return hmac.compare_digest(expected, request.headers.get("x-twilio-signature", ""))


async def _receive(channel: str, request: Request, state: StateDep) -> dict[str, int]:
    settings = state.settings
    if channel == "sms" and "x-twilio-signature" in request.headers:
        form = await request.form()
        params = {k: str(v) for k, v in form.items()}
        if not _twilio_ok(settings, request, params):
            raise ApiError(401, "X-Twilio-Signature does not match; check ORKIESTRA_TWILIO_AUTH_TOKEN")
        event = feedback.from_twilio(params)
        return await _process(state, channel, [event] if event else [])
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "webhook body exceeds 1 MB; send fewer events per request")
    header = request.headers.get(feedback.SIGNATURE_HEADER)
    problem = feedback.verify(settings.resolved_webhook_secret, header, raw)
    if problem:
        raise ApiError(401, problem)
    try:
        events = _parse(raw)
    except ValidationError as exc:
        return validation_response(describe_validation(list(exc.errors())))  # type: ignore[return-value]
    return await _process(state, channel, events)


# One route per channel (not `/{channel}`), so other `/v1/webhooks/...` routes stay reachable.
@router.post("/email", summary="Email delivery, bounce and complaint reports")
async def email(request: Request, state: StateDep) -> dict[str, int]:
    return await _receive("email", request, state)


@router.post("/sms", summary="SMS delivery reports (our JSON shape or Twilio's status callback)")
async def sms(request: Request, state: StateDep) -> dict[str, int]:
    return await _receive("sms", request, state)


@router.post("/push", summary="Push delivery reports (bounced = the device token is gone)")
async def push(request: Request, state: StateDep) -> dict[str, int]:
    return await _receive("push", request, state)

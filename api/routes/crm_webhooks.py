"""`POST /v1/webhooks/crm`: signed CRM notifications become lead events.

Authentication is the signature, not the admin key (CRMs cannot send our bearer token):
see orkiestra/sales/webhooks.py for both accepted shapes. Repeats are harmless: each
CRM event id becomes the stored event's messageId.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.deps import StateDep
from api.errors import ApiError
from api.lead_events import store_lead_events
from orkiestra.logging import get_logger
from orkiestra.sales.webhooks import (
    WebhookProblem,
    crm_secret,
    parse_hubspot,
    parse_ours,
    verify_hubspot,
    verify_ours,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
log = get_logger(__name__)
MAX_BODY = 512 * 1024


class WebhookResult(BaseModel):
    accepted: int
    duplicates: int
    ignored: int
    unknown_contacts: list[str]


@router.post("/crm", response_model=WebhookResult, summary="CRM lead events (ours or HubSpot's)")
async def crm_webhook(request: Request, state: StateDep) -> WebhookResult:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, f"webhook body over {MAX_BODY} bytes")
    settings = state.settings
    headers = request.headers
    if "x-hubspot-signature-v3" in headers:
        if not settings.hubspot_client_secret:
            raise ApiError(
                401, "HubSpot webhooks need ORKIESTRA_HUBSPOT_CLIENT_SECRET (the app's client secret)"
            )
        uris = {str(request.url), settings.public_url.rstrip("/") + request.url.path}
        ok = verify_hubspot(
            settings.hubspot_client_secret,
            request.method,
            sorted(uris),
            body,
            headers["x-hubspot-signature-v3"],
            headers.get("x-hubspot-request-timestamp", ""),
        )
        hubspot = True
    elif "x-orkiestra-signature" in headers:
        secret = crm_secret(settings.crm_webhook_secret, settings.secret_key)
        ok = verify_ours(secret, body, headers["x-orkiestra-signature"], headers.get("x-orkiestra-timestamp"))
        hubspot = False
    else:
        raise ApiError(
            401, "unsigned webhook: send X-Orkiestra-Signature: sha256=<hex HMAC-SHA256 of the body>"
        )
    if not ok:
        log.warning("crm.webhook.bad_signature", hubspot=hubspot)
        raise ApiError(401, "webhook signature does not match (or its timestamp is over five minutes old)")
    try:
        payload = json.loads(body)
        events, ignored = parse_hubspot(payload) if hubspot else (parse_ours(payload), 0)
    except (ValueError, WebhookProblem) as exc:
        raise ApiError(400, f"webhook body: {exc}") from exc
    stored, unknown = await store_lead_events(state, events)
    log.info("crm.webhook.received", events=len(events), stored=stored, ignored=ignored, unknown=len(unknown))
    return WebhookResult(
        accepted=stored,
        duplicates=len(events) - stored - len(unknown),
        ignored=ignored,
        unknown_contacts=unknown,
    )

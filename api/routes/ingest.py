"""Segment-compatible HTTP tracking API: /v1/identify, /v1/track, /v1/page, /v1/batch.

The call is validated, then stored with its outbox row in one transaction, then
acknowledged; the dispatcher is woken so the event reaches Temporal at once.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter, ValidationError

from api.deps import StateDep, check_write_key, write_key_from
from api.errors import ApiError, describe_validation, validation_response
from orkiestra.db import transaction
from orkiestra.logging import get_logger
from orkiestra.persistence.ingest import IngestResult, store_calls
from orkiestra.segment import (
    MAX_BATCH_BYTES,
    MAX_CALL_BYTES,
    BatchRequest,
    IdentifyCall,
    PageCall,
    SegmentCall,
    TrackCall,
)

router = APIRouter(prefix="/v1", tags=["ingest"])
log = get_logger(__name__)
OK = {"success": True}


async def _read_json(request: Request, limit: int) -> Any:
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "").lower().strip()
    if encoding == "gzip":
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise ApiError(400, f"body is not valid gzip: {exc}") from exc
    elif encoding not in ("", "identity"):
        raise ApiError(415, f"unsupported Content-Encoding {encoding!r}; send gzip or plain JSON")
    if len(raw) > limit:
        raise ApiError(413, f"request body exceeds {limit // 1024} KB, Segment's limit for this call")
    if not raw:
        raise ApiError(400, "empty body: send a JSON object")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object")
    return body


def _authorize(request: Request, body: dict[str, Any], state: StateDep) -> None:
    key = write_key_from(request) or (body.get("writeKey") if isinstance(body.get("writeKey"), str) else None)
    check_write_key(key, state.settings)


async def _store(state: StateDep, calls: list[SegmentCall]) -> IngestResult:
    def work() -> IngestResult:
        with transaction(state.sessions) as session:
            return store_calls(session, calls, state.interesting)

    result = await run_in_threadpool(work)
    if result.routed and state.dispatcher is not None:
        state.dispatcher.notify()
    log.debug("ingest.stored", received=result.received, stored=result.stored, routed=result.routed)
    return result


async def _single(request: Request, state: StateDep, model: type[SegmentCall]) -> dict[str, bool]:
    body = await _read_json(request, MAX_CALL_BYTES)
    _authorize(request, body, state)
    body.setdefault("type", model.model_fields["type"].default)
    try:
        call = model.model_validate(body)
    except ValidationError as exc:
        return validation_response(describe_validation(list(exc.errors())))  # type: ignore[return-value]
    await _store(state, [call])
    return OK


def _body_doc(model: type) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": TypeAdapter(model).json_schema()}},
        }
    }


@router.post("/identify", openapi_extra=_body_doc(IdentifyCall), summary="Segment identify")
async def identify(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, IdentifyCall)


@router.post("/track", openapi_extra=_body_doc(TrackCall), summary="Segment track")
async def track(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, TrackCall)


@router.post("/page", openapi_extra=_body_doc(PageCall), summary="Segment page")
async def page(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, PageCall)


@router.post("/batch", openapi_extra=_body_doc(BatchRequest), summary="Segment batch")
async def batch(request: Request, state: StateDep) -> dict[str, bool]:
    body = await _read_json(request, MAX_BATCH_BYTES)
    _authorize(request, body, state)
    items = body.get("batch")
    if isinstance(items, list):
        shared_context = body.get("context") if isinstance(body.get("context"), dict) else {}
        for item in items:
            if isinstance(item, dict) and shared_context:
                item["context"] = {**shared_context, **(item.get("context") or {})}
    try:
        parsed = BatchRequest.model_validate(body)
    except ValidationError as exc:
        return validation_response(describe_validation(list(exc.errors())))  # type: ignore[return-value]
    too_big = [i for i, item in enumerate(items or []) if len(json.dumps(item)) > MAX_CALL_BYTES]
    if too_big:
        raise ApiError(413, f"batch[{too_big[0]}] exceeds 32 KB, Segment's limit for one call")
    await _store(state, list(parsed.batch))
    return OK

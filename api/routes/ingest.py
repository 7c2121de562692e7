"""Segment-compatible HTTP tracking API: /v1/identify, /v1/track, /v1/page, /v1/batch
(and /v1/screen, /v1/group, /v1/alias, which Segment's SDKs also send).

The call is validated, then stored with its outbox row in one transaction, then
acknowledged; the dispatcher is woken so the event reaches Temporal at once.
"""

from __future__ import annotations

import json
import re
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
    AliasCall,
    BatchRequest,
    GroupCall,
    IdentifyCall,
    PageCall,
    ScreenCall,
    SegmentCall,
    TrackCall,
)

router = APIRouter(prefix="/v1", tags=["ingest"])
log = get_logger(__name__)
OK = {"success": True}
# Escapes that json.loads accepts but no database column can hold: NUL and UTF-16 halves.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON; send numbers, strings or null")


def _bad_text(value: Any) -> bool:
    """True if a string anywhere in `value` holds NUL or a lone UTF-16 surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    return False


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
        body = json.loads(raw, parse_constant=_no_constants)
        # Cheap gate: only bodies with such an escape get the full walk.
        bad_text = _SUSPECT_ESCAPE.search(raw) is not None and _bad_text(body)
    except ValueError as exc:  # also JSONDecodeError, UnicodeDecodeError, over-long integers
        raise ApiError(400, f"body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ApiError(400, "body is nested too deeply") from exc
    if bad_text:
        raise ApiError(400, "body contains a NUL character or an unpaired UTF-16 surrogate escape")
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


def _inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Pydantic points at shared models with `#/$defs/...`; inside the OpenAPI document
    that resolves against the document root, where there is no `$defs`. The ingest models
    are small and not recursive, so inline them (and drop the discriminator's ref map)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return walk(defs[ref.removeprefix("#/$defs/")])
        out = {k: walk(v) for k, v in node.items()}
        if isinstance(out.get("discriminator"), dict):
            out["discriminator"] = {k: v for k, v in out["discriminator"].items() if k != "mapping"}
        return out

    return walk(schema)


def _body_doc(model: type) -> dict[str, Any]:
    schema = _inline_defs(TypeAdapter(model).json_schema())
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.post("/identify", openapi_extra=_body_doc(IdentifyCall), summary="Segment identify")
async def identify(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, IdentifyCall)


@router.post("/track", openapi_extra=_body_doc(TrackCall), summary="Segment track")
async def track(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, TrackCall)


@router.post("/page", openapi_extra=_body_doc(PageCall), summary="Segment page")
async def page(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, PageCall)


@router.post("/screen", openapi_extra=_body_doc(ScreenCall), summary="Segment screen")
async def screen(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, ScreenCall)


@router.post("/group", openapi_extra=_body_doc(GroupCall), summary="Segment group")
async def group(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, GroupCall)


@router.post("/alias", openapi_extra=_body_doc(AliasCall), summary="Segment alias")
async def alias(request: Request, state: StateDep) -> dict[str, bool]:
    return await _single(request, state, AliasCall)


@router.post("/batch", openapi_extra=_body_doc(BatchRequest), summary="Segment batch")
async def batch(request: Request, state: StateDep) -> dict[str, bool]:
    body = await _read_json(request, MAX_BATCH_BYTES)
    _authorize(request, body, state)
    items = body.get("batch")
    if isinstance(items, list):
        shared_context = body.get("context") if isinstance(body.get("context"), dict) else {}
        for item in items:
            # An item whose own context is not an object is left for validation to name.
            if isinstance(item, dict) and shared_context and isinstance(item.get("context") or {}, dict):
                item["context"] = {**shared_context, **(item.get("context") or {})}
    try:
        parsed = BatchRequest.model_validate(body)
    except ValidationError as exc:
        return validation_response(describe_validation(list(exc.errors())))  # type: ignore[return-value]
    # No item can exceed the per-call limit when the whole (uncompressed) body does not.
    compressed = request.headers.get("content-encoding", "").lower().strip() == "gzip"
    small = not compressed and len(await request.body()) <= MAX_CALL_BYTES
    too_big = [] if small else [i for i, it in enumerate(items or []) if len(json.dumps(it)) > MAX_CALL_BYTES]
    if too_big:
        raise ApiError(413, f"batch[{too_big[0]}] exceeds 32 KB, Segment's limit for one call")
    await _store(state, list(parsed.batch))
    return OK

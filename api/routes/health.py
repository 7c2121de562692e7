"""`GET /health`: 200 only when the API, the database and Temporal all answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StateDep
from orkiestra.db import ping

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(state: StateDep) -> JSONResponse:
    checks: dict[str, str] = {"api": "ok"}
    try:
        await asyncio.to_thread(ping, state.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if state.client is None:
        checks["temporal"] = "not configured (set ORKIESTRA_TEMPORAL_ADDRESS)"
    else:
        try:
            await asyncio.wait_for(state.client.service_client.check_health(), timeout=3)
            checks["temporal"] = "ok"
        except Exception as exc:
            checks["temporal"] = f"unreachable: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        status_code=200 if healthy else 503,
        content={"status": "ok" if healthy else "degraded", "checks": checks},
    )

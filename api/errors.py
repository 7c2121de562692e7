"""JSON errors a person can act on; bad input is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from orkiestra.segment import CALL_TYPES


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def _loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if item in ("body",):
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "body"


def describe_validation(errors: list[Any], prefix: str = "") -> list[dict[str, str]]:
    out = []
    for err in errors:
        # Discriminated unions add the variant name ('track') to the path; drop it.
        loc = tuple(p for p in err["loc"] if p not in CALL_TYPES)
        field = _loc(loc)
        out.append({"field": f"{prefix}{field}" if prefix else field, "message": err["msg"]})
    return out


def validation_response(errors: list[dict[str, str]]) -> JSONResponse:
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return JSONResponse(
        status_code=400, content={"error": "invalid_request", "message": summary, "errors": errors}
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status,
            content={"error": exc.message, "message": exc.message, **exc.extra},
        )

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(describe_validation(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _pydantic_validation(_: Request, exc: ValidationError) -> JSONResponse:
        return validation_response(describe_validation(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": str(exc.detail), "message": str(exc.detail)},
            headers=getattr(exc, "headers", None),
        )

"""Every error leaves the API as {"error": {"id", "message", "details"}} with a fitting status."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from grievance.errors import DomainError
from common.privacy import mask_text

log = logging.getLogger("helpline.api")

_HTTP_IDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid_input",
             429: "too_many_requests", 503: "unavailable"}


def error_body(error_id: str, message: str, details: object = None) -> dict[str, object]:
    return {"error": {"id": error_id, "message": message, "details": details if details is not None else {}}}


class ApiError(HTTPException):
    """An HTTP-level refusal (authentication, authorisation) with an error id."""

    def __init__(self, status: int, error_id: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.error_id = error_id


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        log.info("refused %s %s: %s (%s)", request.method, mask_text(request.url.path), exc.error_id,
                 mask_text(exc.message))
        return JSONResponse(error_body(exc.error_id, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
        log.info("invalid %s %s: %s", request.method, mask_text(request.url.path), mask_text(message))
        return JSONResponse(error_body("invalid_input", message, {"fields": problems}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error_id = getattr(exc, "error_id", None) or _HTTP_IDS.get(exc.status_code, "error")
        if exc.status_code >= 400:
            log.info("%s %s -> %s %s", request.method, mask_text(request.url.path), exc.status_code,
                     mask_text(str(exc.detail)))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return JSONResponse(error_body(error_id, str(exc.detail)), status_code=exc.status_code,
                            headers=headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts for this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "__none__"}
    for route in _flat_routes(request.app.router.routes):
        match, _ = route.matches(scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _flat_routes(routes: list[Any]) -> list[Any]:
    """Routes of included routers too (FastAPI ≥ 0.13x keeps them per router)."""
    out: list[Any] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        out.extend(contexts() if callable(contexts) else [route])
    return out

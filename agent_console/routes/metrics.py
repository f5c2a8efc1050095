"""GET /metrics (outside /api/v1): Prometheus text for this process (helpline.metrics).

Not public: with HELPLINE_METRICS_TOKEN set, only `Authorization: Bearer <token>` is answered;
without it, only a client on this host that did not come through a proxy (no X-Forwarded-For).
nginx must not pass /metrics from outside either (deploy/nginx/helpline.conf).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.schemas import errors
from grievance.errors import Forbidden
from helpline.metrics import CONTENT_TYPE_LATEST, render
from storage.queries import outbox

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


def _allowed(request: Request, token: str) -> bool:
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "x-forwarded-for" in request.headers or request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


@router.get("/metrics", response_class=Response, responses={
    200: {"content": {"text/plain": {}}, "description": "Prometheus text format (version 0.0.4)"},
    **errors(403)})
async def metrics(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    if not _allowed(request, ctx.settings.metrics_token):
        raise Forbidden("metrics are for the monitoring system: send HELPLINE_METRICS_TOKEN as a bearer "
                        "token, or scrape from this host without a proxy")
    backlog = None
    try:
        async with ctx.db.sessions() as session:
            backlog = await outbox.backlog(session, datetime.now(timezone.utc))
    except Exception as exc:  # noqa: BLE001 - the other figures still matter when the database is down
        log.warning("metrics: outbox backlog not read (%s)", type(exc).__name__)
    return Response(render(ctx.services, backlog), media_type=CONTENT_TYPE_LATEST)

"""`GET`/`POST /webhooks/whatsapp`: the WhatsApp Business Cloud API webhook (DESIGN §9).

GET answers Meta's subscription handshake (`hub.mode=subscribe`, `hub.verify_token` equal to
HELPLINE_WHATSAPP_VERIFY_TOKEN → the `hub.challenge` as plain text; anything else 403).
POST reads the raw body (at most 1 MB), checks `X-Hub-Signature-256` against
HELPLINE_WHATSAPP_APP_SECRET before parsing anything, then takes each message once (by its
WhatsApp id: Meta retries) and records delivery statuses. Refusals are logged with the reason
and the caller's address, never the header, the body or a secret.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.errors import error_body
from agent_console.schemas import ErrorBody, errors
from grievance.service import utcnow
from messaging.chat.intake import ChatIntake
from messaging.chat.publish import announce
from messaging.whatsapp import signature, webhook
from storage.queries import outbox as outbox_q

log = logging.getLogger("helpline.webhooks")
router = APIRouter(tags=["webhooks"])


def _refuse(request: Request, status: int, error_id: str, message: str) -> JSONResponse:
    client = request.client.host if request.client else "?"
    log.warning("whatsapp webhook refused from %s: %s", client, message)
    return JSONResponse(error_body(error_id, message), status_code=status)


@router.get("/webhooks/whatsapp", responses={
    200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "the hub.challenge, echoed"},
    **errors(403, 422)})
async def verify(request: Request, mode: str | None = Query(default=None, alias="hub.mode"),
                 token: str | None = Query(default=None, alias="hub.verify_token"),
                 challenge: str | None = Query(default=None, alias="hub.challenge"),
                 ctx: AppContext = Depends(get_ctx)) -> Response:
    """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
    answer = signature.verify_handshake(ctx.settings.whatsapp_verify_token, mode, token, challenge)
    if answer is None:
        return _refuse(request, 403, "forbidden", "webhook verification refused (wrong mode or verify token)")
    return PlainTextResponse(answer)


WEBHOOK_BODY = {"requestBody": {"required": True, "description": "A Cloud API webhook update, signed with "
                                 "X-Hub-Signature-256 (HMAC-SHA256 of these exact bytes with the app secret)",
                                 "content": {"application/json": {"schema": {
                                     "type": "object", "required": ["object", "entry"],
                                     "properties": {"object": {"const": "whatsapp_business_account"},
                                                    "entry": {"type": "array", "items": {"type": "object"}}}}}}},
                "parameters": [{"name": "X-Hub-Signature-256", "in": "header", "required": True,
                                "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"}}]}


@router.post("/webhooks/whatsapp", openapi_extra=WEBHOOK_BODY, responses={
    **errors(400, 413, 422), 403: {"model": ErrorBody, "description": "missing or wrong X-Hub-Signature-256"},
    503: {"model": ErrorBody, "description": "WhatsApp is not configured (no app secret)"}})
async def receive(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    """Cloud API updates: messages (answered by the bot or queued for an agent) and statuses."""
    secret = ctx.settings.whatsapp_app_secret
    if not secret:
        return _refuse(request, 503, "unavailable", "WhatsApp is not configured (HELPLINE_WHATSAPP_APP_SECRET)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > webhook.MAX_BODY:
        return _refuse(request, 413, "too_large", f"body over {webhook.MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > webhook.MAX_BODY:
            return _refuse(request, 413, "too_large", f"body over {webhook.MAX_BODY} bytes")
    problem = signature.check(secret, body, request.headers.get(signature.HEADER))
    if problem is not None:
        return _refuse(request, 403, "bad_signature", f"X-Hub-Signature-256 refused: {problem}")
    try:
        update = webhook.parse(body)
    except webhook.BadPayload as exc:
        return _refuse(request, 400, "bad_request", f"not a WhatsApp Cloud API update: {exc}")
    return JSONResponse(await _take(ctx, update))


async def _take(ctx: AppContext, update: webhook.Update) -> dict[str, Any]:
    intake: ChatIntake | None = ctx.services.get("chat")
    if intake is None:  # messaging is not running here: one intake for the process all the same (batches)
        intake = ctx.services["chat"] = ChatIntake(ctx.db, ctx.policy, ctx.tz, utcnow)
    taken = duplicates = replies = 0
    for inbound in update.messages:
        result = await intake.receive(inbound)
        if not result.new:
            duplicates += 1
            continue
        taken += 1
        replies += result.replies
        announce(ctx, result)
    statuses = 0
    if update.statuses:
        async with ctx.db.session_scope() as session:
            for status in update.statuses:
                statuses += await outbox_q.record_status(session, status.id, status.status, utcnow(), status.error)
    delivery = ctx.services.get("delivery")
    if replies and delivery is not None:
        delivery.wake()
    return {"messages": taken, "duplicates": duplicates, "statuses": statuses}

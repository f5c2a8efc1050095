"""The public sign-language video page `/video` (no login), the ticket its script asks for
before it calls (rate-limited per address; refused while the video queue is full) and the
number of citizens waiting, which the page shows while its call waits for an interpreter."""
from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from agent_console import i18n, video
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.errors import ApiError
from agent_console.pages import render
from agent_console.schemas import errors
from agent_console.sessions import client_ip
from agent_console.throttle import throttle

router = APIRouter()
log = logging.getLogger("helpline.video")


class VideoTicket(BaseModel):
    ticket: str
    ws_url: str
    uri: str
    authorization_user: str
    password: str
    target: str
    expires_s: int


class VideoQueue(BaseModel):
    waiting: int


@router.get("/video", include_in_schema=False)
async def video_page(request: Request, lang: str | None = None, ctx: AppContext = Depends(get_ctx)) -> Response:
    chosen = i18n.pick_language(lang, request.cookies.get(i18n.LANG_COOKIE))
    texts = i18n.js_table(chosen, ("video.",))
    response = render(request, "video.html", chosen, lang_path="/video", texts=texts,
                      available=bool(ctx.settings.softphone_ws_url.strip()))
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/api/v1/video/ticket", response_model=VideoTicket, tags=["video"], responses=errors(413, 429, 503))
async def ticket(request: Request, ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    """Public (the /video page): a ticket for one sign-language video call, valid 120 s, with the
    guest endpoint's credentials and the address to call. 429 after 5 tickets from one address in
    10 minutes; 503 `queue_full` while the video queue has HELPLINE_VIDEO_QUEUE_MAX callers waiting,
    503 `video_unavailable` without a softphone WebSocket configured."""
    if not ctx.settings.softphone_ws_url.strip():
        raise ApiError(503, "video_unavailable", "video calls are not set up on this helpline")
    ip = client_ip(request)
    if await throttle(ctx).counters.hit(f"video:{ip}", video.WINDOW_S, time.time()) > video.TICKETS_PER_WINDOW:
        raise ApiError(429, "rate_limited", "too many video calls from your address; try again in 10 minutes",
                       {"Retry-After": str(video.WINDOW_S)})
    waiting = video.waiting(ctx.services.get("cti"))
    if waiting >= ctx.settings.video_queue_max:
        raise ApiError(503, "queue_full", "every sign-language interpreter is busy and the queue is full; "
                                          "please try again in a few minutes", {"Retry-After": "120"})
    log.info("video ticket issued (%d video callers waiting)", waiting)
    return video.call_config(ctx.settings, video.issue(ctx.settings.secret_key))


@router.get("/api/v1/video/queue", response_model=VideoQueue, tags=["video"])
async def queue(ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    """Public (the /video page, while its call waits): how many citizens wait for a sign-language
    interpreter now, the asking one included (0 without a connected PBX). Only this count: no
    caller, no wait times."""
    return {"waiting": video.waiting(ctx.services.get("cti"))}

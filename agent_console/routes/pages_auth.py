"""Pages shared by every role: `/`, login, logout, the language switch, static files."""
from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, Response

from agent_console import i18n
from agent_console.auth import ROLES, issue_token
from common.context import AppContext
from agent_console.deps import SESSION_COOKIE, get_ctx, load_user
from agent_console.errors import ApiError
from agent_console.pages import HOME, PageUser, form_user, redirect, render
from agent_console.sessions import (
    PRELOGIN_COOKIE,
    BadCredentials,
    LoginThrottled,
    announce_signed_out,
    authenticate,
    clear_session_cookie,
    client_ip,
    new_prelogin_token,
    set_session_cookie,
    sign_out_everywhere,
)
from agent_console.throttle import LoginBusy
from storage.queries import admin as admin_q

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"
_STATIC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/")
async def root(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    try:
        user = await load_user(ctx, request.cookies.get(SESSION_COOKIE))
    except ApiError:
        return redirect("/login")
    return redirect(HOME[user.role])


def _login_page(request: Request, lang: str, *, status: int = 200, error: str | None = None,
                notice: str | None = None, username: str = "", next_path: str | None = None) -> Response:
    token = request.cookies.get(PRELOGIN_COOKIE) or new_prelogin_token()
    response = render(request, "login.html", lang, status=status, error=error, notice=notice,
                      username=username, next_path=next_path or "", prelogin=token)
    response.set_cookie(PRELOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=request.url.scheme == "https")
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None, reason: str | None = None,
                     lang: str | None = None, done: str | None = None) -> Response:
    chosen = i18n.pick_language(lang, request.cookies.get(i18n.LANG_COOKIE))
    t = i18n.translator(chosen)
    notice = t("login.expired") if reason == "expired" else t("logout.done") if done == "logout" else None
    response = _login_page(request, chosen, notice=notice, next_path=_safe_next(next))
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/login")
async def login(request: Request, ctx: AppContext = Depends(get_ctx), username: str = Form(default=""),
                password: str = Form(default=""), csrf_token: str = Form(default=""),
                next: str = Form(default="")) -> Response:
    lang = i18n.pick_language(request.cookies.get(i18n.LANG_COOKIE))
    t = i18n.translator(lang)
    username = username.strip()
    prelogin = request.cookies.get(PRELOGIN_COOKIE)
    if not prelogin or csrf_token != prelogin:
        return _login_page(request, lang, status=403, error=t("error.csrf"), username=username[:64], next_path=next)
    try:
        async with ctx.db.session_scope() as session:
            user = await authenticate(ctx, session, username, password, client_ip(request))
    except LoginThrottled as exc:
        minutes = max(1, (exc.retry_after_s + 59) // 60)
        message = t("login.busy") if isinstance(exc, LoginBusy) else t("login.throttled", minutes=minutes)
        response = _login_page(request, lang, status=429, error=message, username=username[:64], next_path=next)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    except BadCredentials:
        return _login_page(request, lang, status=401, error=t("login.failed"), username=username[:64],
                           next_path=next)
    ttl = ctx.settings.session_hours * 3600
    token = issue_token(ctx.settings.secret_key, user.id, user.username, user.role, ttl, user.token_version)
    target = _safe_next(next) or HOME[user.role]
    response = redirect(target)
    set_session_cookie(response, request, token, ttl)
    response.delete_cookie(PRELOGIN_COOKIE, path="/login")
    response.set_cookie(i18n.LANG_COOKIE, i18n.pick_language(user.ui_language), max_age=365 * 86400,
                        samesite="lax", path="/")
    return response


@router.post("/logout")
async def logout(ctx: AppContext = Depends(get_ctx),
                 pu: PageUser = Depends(form_user(*ROLES))) -> Response:
    async with ctx.db.session_scope() as session:
        await sign_out_everywhere(session, pu.user.id)
    announce_signed_out(ctx, pu.user.id)
    response = redirect("/login?done=logout")
    clear_session_cookie(response)
    return response


@router.post("/lang")
async def switch_language(ctx: AppContext = Depends(get_ctx), lang: str = Form(), back: str = Form(default="/"),
                          pu: PageUser = Depends(form_user(*ROLES))) -> Response:
    if lang not in i18n.LANGUAGES:
        raise HTTPException(422, f"language must be one of {', '.join(i18n.LANGUAGES)}")
    async with ctx.db.session_scope() as session:
        await admin_q.set_ui_language(session, pu.user.id, lang)
    response = redirect(_safe_next(back) or HOME[pu.role])
    response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if not _STATIC_NAME.fullmatch(name):
        raise HTTPException(404, "no such static file")
    path = (STATIC / name).resolve()
    if path.parent != STATIC or path.suffix not in _STATIC_TYPES or not path.is_file():
        raise HTTPException(404, "no such static file")
    return FileResponse(path, media_type=_STATIC_TYPES[path.suffix], headers={"Cache-Control": "max-age=300"})

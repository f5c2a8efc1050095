"""What every server-rendered page shares: the page user, role checks, CSRF on forms, rendering.

A page request without a valid session goes to /login (303); a user of the wrong role gets a 403
page saying which role the page is for. Page routes stay thin: validate, call a service, render.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from agent_console import i18n, sessions
from common.context import AppContext
from agent_console.deps import SESSION_COOKIE, CurrentUser, get_ctx, load_user
from agent_console.errors import ApiError
from agent_console.sessions import CSRF_FIELD, csrf_for, csrf_valid

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
HOME = {"agent": "/agent", "officer": "/officer", "supervisor": "/supervisor", "admin": "/admin",
        "collector": "/collector", "state_nodal": "/collector"}
NAV = {
    "agent": [("/agent", "nav.agent"), ("/agent/whatsapp", "nav.whatsapp"), ("/recordings", "nav.recordings"),
              ("/entry", "nav.entry")],
    "officer": [("/officer", "nav.officer")],
    "collector": [("/collector", "nav.collector"), ("/collector/complaints", "nav.district_complaints"),
                  ("/entry", "nav.entry")],
    "state_nodal": [("/collector", "nav.collector"), ("/collector/complaints", "nav.district_complaints"),
                    ("/entry", "nav.entry")],
    "supervisor": [("/supervisor", "nav.supervisor"), ("/supervisor/reports", "nav.reports"),
                   ("/supervisor/calls", "nav.calls"), ("/supervisor/complaints", "nav.complaints"),
                   ("/supervisor/campaigns", "nav.campaigns"), ("/supervisor/messages", "nav.messages"),
                   ("/recordings", "nav.recordings")],
    "admin": [("/admin", "nav.admin"), ("/privacy", "nav.privacy"), ("/supervisor", "nav.supervisor"), ("/supervisor/reports", "nav.reports"),
              ("/supervisor/calls", "nav.calls"), ("/supervisor/complaints", "nav.complaints"),
              ("/supervisor/campaigns", "nav.campaigns"), ("/supervisor/messages", "nav.messages"),
              ("/recordings", "nav.recordings")],
}


@dataclass(frozen=True)
class PageUser:
    user: CurrentUser
    lang: str
    csrf: str
    token: str

    @property
    def role(self) -> str:
        return self.user.role


class LoginRequired(Exception):
    def __init__(self, next_path: str, reason: str | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.reason = reason


class PageForbidden(Exception):
    def __init__(self, page_user: PageUser, roles: tuple[str, ...]) -> None:
        super().__init__(roles)
        self.page_user = page_user
        self.roles = roles


class CsrfFailed(Exception):
    def __init__(self, page_user: PageUser | None) -> None:
        super().__init__("csrf")
        self.page_user = page_user


async def page_user(request: Request, ctx: AppContext = Depends(get_ctx)) -> PageUser:
    token = request.cookies.get(SESSION_COOKIE)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise LoginRequired(path)
    try:
        user = await load_user(ctx, token)
    except ApiError as exc:
        raise LoginRequired(path, "login.expired") from exc
    lang = i18n.pick_language(user.ui_language)  # load_user read the row: no second query
    return PageUser(user, lang, csrf_for(ctx.settings.secret_key, token), token)


def page_role(*roles: str) -> Any:
    """A page dependency admitting only `roles` (others get the 403 page)."""

    async def _check(pu: PageUser = Depends(page_user)) -> PageUser:
        if pu.role not in roles:
            raise PageForbidden(pu, roles)
        return pu

    return _check


def form_user(*roles: str) -> Any:
    """For page form posts: the role check plus the form's CSRF token."""

    async def _check(request: Request, ctx: AppContext = Depends(get_ctx),
                     pu: PageUser = Depends(page_role(*roles))) -> PageUser:
        form = await request.form()
        given = form.get(CSRF_FIELD)
        if not csrf_valid(ctx.settings.secret_key, pu.token, given if isinstance(given, str) else None):
            raise CsrfFailed(pu)
        return pu

    return _check


def fmt_dt(value: str | datetime | None, with_time: bool = True) -> str:
    """ISO text or datetime → '2026-11-22 14:05' (already in the helpline's time zone)."""
    if not value:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def render(request: Request, template: str, lang: str, *, pu: PageUser | None = None, status: int = 200,
           **values: Any) -> HTMLResponse:
    t = i18n.translator(lang)

    def name(obj: Any) -> str:
        if obj is None:
            return ""
        if isinstance(obj, dict):
            return obj.get(f"name_{lang}") or obj.get("name_en") or obj.get("name") or obj.get("code", "")
        return getattr(obj, f"name_{lang}", None) or getattr(obj, "name_en", "")

    def as_json(value: Any) -> Markup:
        # Safe inside <script type="application/json">: no "</" can close the element.
        return Markup(json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
                      .replace("&", "\\u0026"))

    context = {
        "t": t, "lang": lang, "pu": pu, "user": pu.user if pu else None, "csrf": pu.csrf if pu else "",
        "nav": NAV.get(pu.role, []) if pu else [], "name": name, "fmt_dt": fmt_dt, "as_json": as_json,
        "path": request.url.path, "csrf_field": CSRF_FIELD,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""), **values,
    }
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def install(app: FastAPI) -> None:
    """Turn page refusals into pages (login redirect, 403 page, CSRF page); CSRF guard for the API."""
    sessions.install(app)
    # Compile every template now, so the first visitor of a page does not pay for it.
    for template in sorted((HERE / "templates").glob("*.html")):
        TEMPLATES.get_template(template.name)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = "/login?next=" + quote(exc.next_path, safe="")
        if exc.reason:
            target += "&reason=expired"
        return redirect(target)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        pu = exc.page_user
        t = i18n.translator(pu.lang)
        message = t("error.forbidden", roles=" / ".join(exc.roles), role=pu.role)
        return render(request, "error.html", pu.lang, pu=pu, status=403, message=message, home=HOME[pu.role])

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        lang = exc.page_user.lang if exc.page_user else i18n.pick_language(request.cookies.get(i18n.LANG_COOKIE))
        home = HOME[exc.page_user.role] if exc.page_user else "/login"
        return render(request, "error.html", lang, pu=exc.page_user, status=403,
                      message=i18n.translator(lang)("error.csrf"), home=home)

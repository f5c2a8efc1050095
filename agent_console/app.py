"""create_app(): the FastAPI application (API, pages, websockets) around an AppContext."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from agent_console import errors, pages, ws
from agent_console.edge import EdgeGuard
from agent_console.sockets_first import SocketsFirstApp
from config.settings import split_urls
from storage.queries import health
from storage.queries import users as user_q
from common.context import AppContext
from agent_console.routes import api_agents, api_auth, api_complaints, api_health, api_reference, api_reports
from agent_console.routes import api_campaigns
from agent_console.routes import api_callbacks, api_desk, api_hours, api_voices, pages_desk, pages_hours, pages_voices
from agent_console.routes import api_officer
from agent_console.routes import pages_campaigns, pages_collector, pages_entry, pages_officer_actions, pages_privacy
from agent_console.routes import metrics as metrics_route
from agent_console.routes import api_admin, pages_admin, pages_agent, pages_auth, pages_officer, pages_supervisor
from agent_console.routes import api_messages, api_whatsapp, pages_messaging, webhooks_whatsapp, ws_whatsapp
from agent_console.routes import api_media, api_qa, api_recordings, pages_recordings, pages_video

log = logging.getLogger(__name__)

ROUTERS = [
    webhooks_whatsapp.router,  # first: Meta's webhooks are the busiest route after the sockets
    api_health.router,
    api_agents.router,
    ws.router,
    api_auth.router,
    api_reference.router,
    api_complaints.router,
    api_reports.router,
    api_admin.router,
    api_campaigns.router,
    api_callbacks.router,
    api_desk.router,
    api_hours.router,
    api_voices.router,
    pages_agent.api_router,
    pages_supervisor.api_router,
    pages_auth.router,
    pages_agent.router,
    pages_officer.router,
    pages_supervisor.router,
    pages_admin.router,
    pages_campaigns.router,
    api_whatsapp.router,
    api_messages.router,
    ws_whatsapp.router,
    pages_messaging.router,
    pages_desk.router,
    pages_officer_actions.router,
    pages_collector.router,
    pages_entry.router,
    pages_entry.api,
    pages_privacy.router,
    pages_privacy.api,
    api_officer.router,
    pages_hours.router,
    pages_voices.router,
    api_recordings.router,
    api_qa.router,
    api_media.router,
    pages_video.router,
    pages_recordings.router,
    metrics_route.router,
]


async def prime_routes(app: FastAPI) -> int:
    """Build the route tables before the first user does.

    FastAPI (0.16x) builds an included router's table — every route's dependencies and parameter
    models — on the first request that reaches it, and a request walks every router before its
    own: the first page request after a start paid 100–200 ms for it (the collector's cold p99,
    issue 13). One unmatched GET per path prefix walks them all, once, through the router alone
    (no middleware, nothing recorded). Returns how many requests it routed."""
    prefixes = sorted({router.prefix for router in ROUTERS})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    for prefix in prefixes:
        path = f"{prefix}/__prime__"
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
                 "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0), "server": ("localhost", 80)}
        await app.router(scope, receive, send)
    return len(prefixes)


def compile_templates() -> int:
    """Compile every page template once (Jinja compiles one on its first render: 10–40 ms for a
    page with its base and macros, paid by whoever asked first after a start)."""
    env = pages.TEMPLATES.env
    names = [n for n in env.list_templates() if n.endswith(".html")]
    for name in names:
        env.get_template(name)
    return len(names)


WARM_CONNECTIONS = 4


async def warm_pool(ctx: AppContext, connections: int = WARM_CONNECTIONS) -> int:
    """Open `connections` pooled PostgreSQL connections and let each plan on the hot tables once
    (a new backend loads their catalog entries on first use: 20–150 ms on the loaded 2-core
    machine, which the first page request after a start paid). SQLite has nothing to warm."""
    if ctx.db.is_sqlite:
        return 0
    async with AsyncExitStack() as held:  # all checked out at once: distinct connections
        for _ in range(connections):
            session = await held.enter_async_context(ctx.db.sessions())
            await health.warm(session)
    return connections


async def warm_statements(ctx: AppContext) -> None:
    """Run once the statements of a page request's user and of the collector's day page, in a
    transaction rolled back: SQLAlchemy compiles a statement on its first use (12-15 ms of CPU for
    the day page's dozen, which its first request after a start paid, issue 13), and on PostgreSQL
    they are then prepared on the connection the pool hands out next."""
    async with ctx.db.sessions() as session:
        try:
            await user_q.by_id(session, 0)
            await pages_collector.warm(ctx, session)
        finally:
            await session.rollback()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    compile_templates()
    await prime_routes(app)
    try:
        await warm_pool(app.state.ctx)
        await warm_statements(app.state.ctx)
    except Exception:  # noqa: BLE001 - a database down at start is /health's business, not a failed start
        log.warning("database not reachable at start: pool not warmed", exc_info=True)
    yield


def create_app(ctx: AppContext) -> FastAPI:
    app = SocketsFirstApp(
        title="Helpline",
        version="0.1.0",
        description="1076-style public-grievance helpline: complaint API, agent console, CTI and dialer.",
        lifespan=_lifespan,
    )
    app.state.ctx = ctx
    app.sockets = {**ws.SOCKETS, **ws_whatsapp.SOCKETS}  # served before the middleware stack
    errors.install(app)
    pages.install(app)
    for router in ROUTERS:
        app.include_router(router)
    # Outermost last: trusted proxies' headers first, then the edge checks, then CSRF and the routes.
    app.add_middleware(EdgeGuard)
    proxies = split_urls(ctx.settings.trusted_proxies)
    if proxies:  # only these peers may say who the client is (X-Forwarded-For / -Proto)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app

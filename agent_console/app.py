"""create_app(): the FastAPI application (API, pages, websockets) around an AppContext."""
from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from agent_console import errors, pages, ws
from agent_console.edge import EdgeGuard
from config.settings import split_urls
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

ROUTERS = [
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
    webhooks_whatsapp.router,
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


def create_app(ctx: AppContext) -> FastAPI:
    app = FastAPI(
        title="Helpline",
        version="0.1.0",
        description="1076-style public-grievance helpline: complaint API, agent console, CTI and dialer.",
    )
    app.state.ctx = ctx
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

"""create_app(): the FastAPI application (API, pages, websockets) around an AppContext."""
from __future__ import annotations

from fastapi import FastAPI

from agent_console import errors
from agent_console.context import AppContext
from agent_console.routes import api_auth, api_complaints, api_health, api_reference, api_reports

ROUTERS = [
    api_health.router,
    api_auth.router,
    api_reference.router,
    api_complaints.router,
    api_reports.router,
]


def create_app(ctx: AppContext) -> FastAPI:
    app = FastAPI(
        title="Helpline",
        version="0.1.0",
        description="1076-style public-grievance helpline: complaint API, agent console, CTI and dialer.",
    )
    app.state.ctx = ctx
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app

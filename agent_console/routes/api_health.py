"""GET /api/v1/health (no auth): database and PBX connections."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.schemas import HealthOut, SIGNED_IN, errors

router = APIRouter(prefix="/api/v1", tags=["health"], responses=errors(400, 413, 422))


@router.get("/health", response_model=HealthOut)
async def health(ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    db_ok = await ctx.db.ping()
    ami = ctx.services.get("ami")
    cti = ctx.services.get("cti")
    if ami is not None:
        owners = cti.owners() if cti is not None else {}
        pbx = [{**link, "owner": owners.get(name, False)} for name, link in zip(ami.names(), ami.status())]
    else:
        pbx = [{"url": s.public_url, "connected": False} for s in ctx.settings.ami_servers]
    return {"status": "ok" if db_ok else "degraded", "database": "ok" if db_ok else "unavailable", "pbx": pbx}

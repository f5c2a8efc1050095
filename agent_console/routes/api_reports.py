"""GET /api/v1/reports/summary?from=&to= (supervisor, admin)."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.schemas import SIGNED_IN, errors
from agent_console.responses import SummaryOut
from grievance import reports
from grievance.service import utcnow

router = APIRouter(prefix="/api/v1", tags=["reports"], responses=errors(400, *SIGNED_IN))


@router.get("/reports/summary", response_model=SummaryOut)
async def summary(from_: date = Query(alias="from"), to: date = Query(),
                  ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                  _user: CurrentUser = Depends(require("supervisor", "admin"))) -> dict[str, Any]:
    return await reports.summary(session, from_, to, ctx.tz, utcnow())

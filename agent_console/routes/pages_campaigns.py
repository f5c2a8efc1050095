"""The supervisor's campaigns page (`/supervisor/campaigns`): list, create, upload contacts, start,
pause, cancel, live progress and the do-not-call list. The page's script calls /api/v1/campaigns."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from agent_console import i18n
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, page_role, render
from dialer import admin
from dialer.campaigns import DAY_NAMES
from storage.queries import campaign_admin as admin_q

router = APIRouter(include_in_schema=False)
ROLES = ("supervisor", "admin")
REFRESH_S = 5


@router.get("/supervisor/campaigns")
async def campaigns_page(request: Request, ctx: AppContext = Depends(get_ctx),
                         pu: PageUser = Depends(page_role(*ROLES))) -> Response:
    async with ctx.db.sessions() as session:
        campaigns = []
        for campaign in await admin_q.list_campaigns(session):
            item = admin.campaign_json(campaign, ctx.tz)
            item["progress"] = await admin.progress(session, campaign)
            campaigns.append(item)
        dnc = [{"phone": r.phone, "reason": r.reason} for r in await admin_q.dnc_list(session)]
    data = {"campaigns": campaigns, "dnc": dnc, "lang": pu.lang, "refresh_s": REFRESH_S,
            "texts": i18n.js_table(pu.lang, ("camp.",))}
    window = ctx.settings.calling_window.split("-", 1)
    return render(request, "campaigns.html", pu.lang, pu=pu, data=data, days=DAY_NAMES,
                  window_start=window[0].strip(), window_end=window[-1].strip(), campaigns=campaigns)

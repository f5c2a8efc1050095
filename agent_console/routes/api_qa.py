"""Quality review API: the criteria (admin edits them), a call's review (supervisors write it;
an agent reads the reviews of the calls the agent answered), per-agent averages."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console import desk_admin
from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.routes.api_recordings import listener
from agent_console.routes.pages_supervisor import _dates
from agent_console.schemas import SIGNED_IN, CodePath, RowId, Strict, errors
from grievance.errors import NotFound
from grievance.service import utcnow
from recordings import qa
from storage.queries import qa as qa_q

router = APIRouter(prefix="/api/v1", tags=["quality"], responses=errors(400, *SIGNED_IN, 404))
STAFF = ("agent", "supervisor", "admin")
MANAGERS = ("supervisor", "admin")


class Criterion(BaseModel):
    code: str
    name_en: str
    name_hi: str
    weight: int
    active: bool


class Criteria(BaseModel):
    criteria: list[Criterion]


class CriterionIn(Strict):
    name_en: str = Field(min_length=1, max_length=100)
    name_hi: str = Field(min_length=1, max_length=100)
    weight: int = Field(default=1)
    active: bool = True


class Mark(BaseModel):
    criterion: str
    weight: int
    met: bool


class Review(BaseModel):
    call: int
    agent: str
    reviewer: str
    reviewed_at: str
    score: int
    comment: str
    marks: list[Mark]


class ReviewIn(Strict):
    met: list[str] = Field(default_factory=list, max_length=100)
    comment: str = Field(default="", max_length=1000)


class AgentQa(BaseModel):
    agent: str
    reviews: int
    average: float


class QaReport(BaseModel):
    agents: list[AgentQa]


@router.get("/qa/criteria", response_model=Criteria)
async def criteria(session: AsyncSession = Depends(get_session, scope="function"),
                   _user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    return {"criteria": [qa.criterion_json(c) for c in await qa_q.criteria(session)]}


@router.put("/admin/qa-criteria/{code}", response_model=Criterion)
async def put_criterion(code: CodePath, body: CriterionIn, session: AsyncSession = Depends(get_session, scope="function"),
                        _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """Add or change a criterion (weight 1–10); retired criteria stay for old reviews."""
    row = await desk_admin.put_qa_criterion(session, code, body.name_en, body.name_hi, body.weight, body.active)
    return qa.criterion_json(row)


@router.get("/qa/reviews/{call}", response_model=Review)
async def get_review(call: RowId, ctx: AppContext = Depends(get_ctx),
                     session: AsyncSession = Depends(get_session, scope="function"),
                     user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """The review of the call row `call` (404 while it has none)."""
    found = await qa.review_json(session, listener(user), call, ctx.tz)
    if found is None:
        raise NotFound("this call has not been reviewed", field="call")
    return found


@router.put("/qa/reviews/{call}", response_model=Review)
async def put_review(call: RowId, body: ReviewIn, ctx: AppContext = Depends(get_ctx),
                     session: AsyncSession = Depends(get_session, scope="function"),
                     user: CurrentUser = Depends(require(*MANAGERS))) -> dict[str, Any]:
    """Review an answered call: the codes of the criteria met, and a comment; the score is the met
    criteria's share of the active criteria's weight (0–100). Reviewing again replaces it."""
    return await qa.review(session, listener(user), call, body.met, body.comment, utcnow(), ctx.tz)


@router.get("/reports/qa", response_model=QaReport)
async def qa_report(start: str | None = Query(default=None, alias="from", max_length=10),
                    end: str | None = Query(default=None, alias="to", max_length=10), ctx: AppContext = Depends(get_ctx),
                    session: AsyncSession = Depends(get_session, scope="function"),
                    _user: CurrentUser = Depends(require(*MANAGERS))) -> dict[str, Any]:
    """Per agent: reviewed calls that started in the local dates [from, to] (default the last 30 days)
    and their mean score."""
    lo, hi = _dates(ctx, start, end)
    return {"agents": await qa.averages(session, lo, hi, ctx.tz)}

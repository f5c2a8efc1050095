"""GET /api/v1/reference: districts, departments with categories, pause reasons."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.deps import CurrentUser, current_user, get_session
from agent_console.schemas import SIGNED_IN, errors
from agent_console.responses import ReferenceOut
from storage.queries import reference

router = APIRouter(prefix="/api/v1", tags=["reference"], responses=errors(*SIGNED_IN))


@router.get("/reference", response_model=ReferenceOut)
async def get_reference(session: AsyncSession = Depends(get_session, scope="function"),
                        _user: CurrentUser = Depends(current_user)) -> dict[str, Any]:
    return await reference_json(session)


async def reference_json(session: AsyncSession) -> dict[str, Any]:
    categories = await reference.categories(session)
    by_dept: dict[str, list[dict[str, Any]]] = {}
    for c in categories:
        by_dept.setdefault(c.department_code, []).append(
            {"code": c.code, "name_hi": c.name_hi, "name_en": c.name_en, "sla_days": c.sla_days})
    return {
        "districts": [{"code": d.code, "name_hi": d.name_hi, "name_en": d.name_en}
                      for d in await reference.districts(session)],
        "departments": [{"code": d.code, "name_hi": d.name_hi, "name_en": d.name_en,
                         "categories": by_dept.get(d.code, [])} for d in await reference.departments(session)],
        "pause_reasons": [{"code": r.code, "name_hi": r.name_hi, "name_en": r.name_en}
                          for r in await reference.pause_reasons(session)],
    }

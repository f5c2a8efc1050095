"""The officer's inbox and complaint page: open complaints by deadline (paged, filtered, searched),
the complaints the officer has handled, and one complaint with its history."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.errors import Forbidden, InvalidInput
from grievance.phones import normalise_phone
from grievance.views import complaint_json, complaints_json
from storage.queries import attachments as attachment_q
from storage.queries import citizens as citizen_q
from storage.queries import transfer_requests as request_q
from storage.queries import officer_inbox as inbox_q
from storage.queries import reference

OPEN_AT_OFFICER = ("at_l1", "at_l2")
PAGE_SIZE = 50
DUE_SOON = timedelta(days=2)
SHOW = ("all", "overdue", "due_soon", "reopened", "escalated")
VIEWS = ("open", "handled")
MAX_QUERY = 100


@dataclass(frozen=True)
class InboxFilters:
    """What the officer asked to see; `parse` checks the query string and says what is wrong."""

    view: str = "open"
    state: str = ""
    category: str = ""
    show: str = "all"
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, *, view: str | None, state: str | None, category: str | None, show: str | None,
              q: str | None, page: str | None) -> "InboxFilters":
        view = (view or "open").strip()
        if view not in VIEWS:
            raise InvalidInput(f"view must be one of {', '.join(VIEWS)}", field="view")
        state = (state or "").strip()
        if state and state not in OPEN_AT_OFFICER:
            raise InvalidInput(f"state must be one of {', '.join(OPEN_AT_OFFICER)}", field="state")
        show = (show or "all").strip()
        if show not in SHOW:
            raise InvalidInput(f"show must be one of {', '.join(SHOW)}", field="show")
        q = " ".join((q or "").split())
        if len(q) > MAX_QUERY:
            raise InvalidInput(f"the search text is longer than {MAX_QUERY} characters", field="q")
        try:
            number = int(page or 1)
        except ValueError:
            raise InvalidInput("page must be a whole number", field="page") from None
        if not 1 <= number <= 100_000:
            raise InvalidInput("page must be between 1 and 100000", field="page")
        return cls(view, state, (category or "").strip()[:32], show, q, number)

    def query_string(self, **changes: Any) -> str:
        values = {"view": self.view, "state": self.state, "category": self.category, "show": self.show,
                  "q": self.q, "page": self.page, **changes}
        return urlencode({k: v for k, v in values.items() if v not in ("", None, "all", 1, "open")})


def _search_terms(text: str) -> dict[str, str | None]:
    """Digits: the start of a complaint number or a phone; anything else: a name or description."""
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit() or (digits.startswith("+") and digits[1:].isdigit()):
        try:
            phone = normalise_phone(digits) if len(digits.lstrip("+")) >= 10 else None
        except InvalidInput:  # not a phone number: only the complaint-number prefix
            phone = None
        return {"number_prefix": digits.lstrip("+")[:11], "phone": phone, "text": None}
    return {"number_prefix": None, "phone": None, "text": text or None}


@dataclass
class InboxPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    first: int
    last: int


async def _rows_json(session: AsyncSession, rows: list[Any], tz: ZoneInfo, now: datetime) -> list[dict[str, Any]]:
    citizens = await citizen_q.by_ids(session, [c.citizen_id for c in rows])  # one query, not one per row
    out = await complaints_json(session, rows, tz, now)  # and one for their officers
    for complaint, data in zip(rows, out, strict=True):
        citizen = citizens.get(complaint.citizen_id)
        data["citizen_name"] = citizen.name if citizen else ""
        data["due_soon"] = (not data["overdue"] and complaint.state in OPEN_AT_OFFICER
                            and complaint.due_at is not None and complaint.due_at - now < DUE_SOON)
    return out


def _paged(total: int, page: int, count: int) -> tuple[int, int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    first = (page - 1) * PAGE_SIZE + 1 if count else 0
    return pages, first, first + count - 1 if count else 0


async def inbox_page(session: AsyncSession, officer_code: str, username: str, filters: InboxFilters,
                     tz: ZoneInfo, now: datetime) -> InboxPage:
    """One page of the officer's open complaints (or of those they handled) with the total count."""
    offset = (filters.page - 1) * PAGE_SIZE
    if filters.view == "handled":
        total, handled = await inbox_q.handled_page(session, username, limit=PAGE_SIZE, offset=offset)
        items = await _rows_json(session, [c for c, _, _ in handled], tz, now)
        for data, (_, action, at) in zip(items, handled, strict=True):
            data["handled_action"] = action
            data["handled_at"] = at.astimezone(tz).isoformat(timespec="seconds")
    else:
        if filters.category and await reference.get_category(session, filters.category) is None:
            raise InvalidInput(f"unknown category {filters.category!r}", field="category")
        query = inbox_q.InboxQuery(
            officer_code=officer_code, states=(filters.state,) if filters.state else OPEN_AT_OFFICER,
            category=filters.category or None, overdue=filters.show == "overdue",
            due_before=now + DUE_SOON if filters.show == "due_soon" else None,
            reopened=filters.show == "reopened", escalated=filters.show == "escalated",
            **_search_terms(filters.q))
        total, rows = await inbox_q.open_page(session, query, now, limit=PAGE_SIZE, offset=offset)
        items = await _rows_json(session, list(rows), tz, now)
    pages, first, last = _paged(total, filters.page, len(items))
    return InboxPage(items, total, filters.page, pages, first, last)


async def inbox(session: AsyncSession, officer_code: str, tz: ZoneInfo, now: datetime) -> list[dict[str, Any]]:
    """The first page of the officer's open complaints, earliest deadline (so the most overdue) first."""
    page = await inbox_page(session, officer_code, "", InboxFilters(), tz, now)
    return page.items


async def complaint_page(session: AsyncSession, number: str, officer_code: str | None, tz: ZoneInfo,
                         now: datetime, username: str | None = None) -> dict[str, Any]:
    """One complaint with its history, citizen, attachments and pending transfer request. An
    officer sees the complaints they hold, those they disposed, transferred or returned (read
    only), and one whose transfer to them waits for their decision."""
    complaint = await service.get(session, number)
    pending = await request_q.pending_for_complaint(session, complaint.id)
    if officer_code is not None and complaint.officer_code != officer_code and not (
            (pending is not None and pending.to_officer_code == officer_code)
            or (username and await inbox_q.has_handled(session, complaint.id, username))):
        raise Forbidden(f"complaint {complaint.number} is assigned to another officer", number=complaint.number)
    data = await complaint_json(session, complaint, tz, now, with_events=True)
    citizen = await citizen_q.by_id(session, complaint.citizen_id)
    data["id"] = complaint.id
    data["citizen"] = {"name": citizen.name, "language": citizen.language} if citizen else None
    data["actionable"] = (officer_code is not None and complaint.state in OPEN_AT_OFFICER
                          and complaint.officer_code == officer_code)
    data["flagged"] = complaint.flagged_at is not None
    data["disposal_kind"] = complaint.disposal_kind
    data["attachments"] = [
        {"id": a.id, "kind": a.kind, "mime": a.mime, "size": a.size, "name": a.original_name, "channel": a.channel,
         "added_by": a.added_by, "added_at": a.added_at.astimezone(tz).isoformat(timespec="seconds")}
        for a in await attachment_q.for_complaint(session, complaint.id)]
    if pending is not None and data["transfer_request"] is not None:  # complaint_json found it too
        data["transfer_request"]["decidable"] = officer_code is None or pending.to_officer_code == officer_code
    return data


async def transfer_requests_for(session: AsyncSession, officer_code: str) -> list[dict[str, Any]]:
    """Transfer requests waiting for this officer's decision (shown at the top of the inbox)."""
    return [{"id": r.id, "number": c.number, "from_officer": r.from_officer_code, "reason": r.reason}
            for r, c in await request_q.pending_to(session, officer_code)]

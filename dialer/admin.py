"""Campaign administration for supervisors (API and CLI): create, import contacts, start,
pause, cancel, progress and results. The caller owns the transaction."""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialer import announcements, answers
from dialer import campaigns as rules
from dialer.csv_import import Rejection, parse_contacts
from grievance.errors import InvalidInput, NotFound, TransitionRefused
from grievance.phones import normalise_phone
from grievance.text import spreadsheet_safe
from storage.models import Campaign
from storage.queries import campaign_admin as admin_q
from storage.queries import campaigns as campaign_q
from storage.queries import reference


SURVEY = "survey"


@dataclass
class ImportReport:
    campaign_id: int
    data_rows: int
    imported: int
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign_id, "rows": self.data_rows, "imported": self.imported,
                "rejected": [r.as_dict() for r in self.rejected]}


def build_spec(data: dict[str, Any], default_window: str) -> rules.CampaignSpec:
    """Check a new campaign's fields (the API body or the CLI options); InvalidInput names the first problem."""
    window = data.get("window") or default_window
    start, end = rules.check_window(window)
    kind = data.get("kind") or "survey"
    if kind not in (SURVEY, announcements.KIND):
        raise InvalidInput("kind is survey or announcement", field="kind")
    spec = rules.CampaignSpec(name=rules.check_name(data.get("name")), window_start=start, window_end=end, kind=kind)
    if kind == SURVEY:
        if data.get("message") is not None or data.get("confirm") is not None:
            raise InvalidInput("message and confirm are for announcements; a survey asks its questions",
                               field="message")
        survey = data.get("survey")
        questions = answers.survey_questions(survey if survey is not None else [])
        if not questions:
            raise InvalidInput("a survey campaign needs at least one question (or make it an announcement)",
                               field="survey")
        spec.survey = [{"id": q.id, "prompt_hi": q.prompt_hi, "prompt_en": q.prompt_en, "digits": q.digits}
                       for q in questions]
    else:
        if data.get("survey"):
            raise InvalidInput("an announcement plays a message and asks no survey questions", field="survey")
        spec.message = announcements.check_message(data.get("message"))
        spec.confirm = announcements.check_confirm(data.get("confirm"))
    if data.get("days") is not None:
        spec.days = rules.parse_days(data["days"])
    if data.get("holidays") is not None:
        spec.holidays = rules.parse_holidays(data["holidays"])
    for name in rules.LIMITS:
        if data.get(name) is not None:
            setattr(spec, name, rules.check_limit(name, data[name]))
    if data.get("retry_minutes") is not None:
        spec.retry_minutes = rules.parse_retry(data["retry_minutes"])
    scheduled = data.get("scheduled_at")
    if scheduled is not None:
        if isinstance(scheduled, str):
            try:
                scheduled = datetime.fromisoformat(scheduled)
            except ValueError:
                raise InvalidInput("scheduled_at must be an ISO 8601 time with offset", field="scheduled_at") from None
        if not isinstance(scheduled, datetime) or scheduled.tzinfo is None:
            raise InvalidInput("scheduled_at must be an ISO 8601 time with offset", field="scheduled_at")
        spec.scheduled_at = scheduled
    return spec


async def create_campaign(session: AsyncSession, spec: rules.CampaignSpec, created_by: str, now: datetime) -> Campaign:
    return await campaign_q.add_campaign(session, Campaign(
        name=spec.name, kind=spec.kind, state="draft", window_start=spec.window_start, window_end=spec.window_end,
        days=spec.days, holidays=spec.holidays, max_channels=spec.max_channels,
        calls_per_second=spec.calls_per_second, max_attempts=spec.max_attempts, retry_minutes=spec.retry_minutes,
        daily_cap=spec.daily_cap, survey=spec.survey, scheduled_at=spec.scheduled_at, created_by=created_by,
        created_at=now, message=spec.message, confirm=spec.confirm,
    ))


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await campaign_q.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign has the id {campaign_id}", campaign=campaign_id)
    return campaign


async def district_lookup(session: AsyncSession) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in await reference.districts(session):
        for key in (d.code, d.name_en, d.name_hi):
            out[key.strip().lower()] = d.code
    return out


async def import_contacts(session: AsyncSession, campaign_id: int, data: bytes, now: datetime) -> ImportReport:
    """Add a CSV of beneficiaries; every unusable row is in the report with its row number."""
    campaign = await get_campaign(session, campaign_id)
    if campaign.kind == "feedback":
        raise TransitionRefused("contacts of the feedback campaign come from disposals, not from a file")
    if campaign.state in rules.FINAL_STATES:
        raise TransitionRefused(f"a {campaign.state} campaign takes no more contacts", state=campaign.state)
    parsed = parse_contacts(data, await district_lookup(session))
    existing = await admin_q.existing_phones(session, campaign_id)
    blocked = await admin_q.dnc_among(session, [r.phone for r in parsed.rows])
    rejected = list(parsed.rejected)
    rows: list[dict[str, Any]] = []
    for row in parsed.rows:
        if row.phone in blocked:
            rejected.append(Rejection(row.row, "on the do-not-call list", row.phone))
        elif row.phone in existing:
            earlier = existing[row.phone]
            where = f" (row {earlier} of an earlier file)" if earlier else ""
            rejected.append(Rejection(row.row, f"duplicate: already in this campaign{where}", row.phone))
        else:
            rows.append({"campaign_id": campaign_id, "phone": row.phone, "name": row.name, "district": row.district,
                         "scheme": row.scheme, "extra": row.extra, "language": row.language, "state": "queued",
                         "attempts": 0, "next_attempt_at": now, "row_number": row.row})
    await admin_q.insert_contacts(session, rows)
    rejected.sort(key=lambda r: r.row)
    return ImportReport(campaign_id, parsed.data_rows, len(rows), rejected)


async def change_state(session: AsyncSession, campaign_id: int, move: str, now: datetime) -> Campaign:
    """start, pause or cancel a campaign."""
    campaign = await get_campaign(session, campaign_id)
    state = rules.next_state(campaign.state, move, scheduled_at=campaign.scheduled_at, now=now, kind=campaign.kind)
    if move == "start" and campaign.kind == SURVEY and not answers.survey_questions(campaign.survey or []):
        raise TransitionRefused("a survey with no questions cannot start: it would only say thank you")
    if move == "start" and campaign.kind == announcements.KIND and not campaign.message:
        raise TransitionRefused("an announcement with no message cannot start")
    if move == "start" and campaign.kind != "feedback":
        counts = await admin_q.contact_counts(session, campaign_id)
        if not counts.get("queued") and not counts.get("in_progress"):
            raise TransitionRefused("the campaign has no contacts to call: import a CSV first")
    if move == "cancel":
        await admin_q.cancel_queued(session, campaign_id)
    await admin_q.set_state(session, campaign, state)
    return campaign


async def progress(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    """Counts for the supervisor page: contacts by state, attempts by outcome, answers."""
    contacts = await admin_q.contact_counts(session, campaign.id)
    attempts = await admin_q.attempt_counts(session, campaign.id)
    dialled = sum(attempts.values())
    out: dict[str, Any] = {
        "contacts": sum(contacts.values()),
        "queued": contacts.get("queued", 0),
        "in_progress": contacts.get("in_progress", 0),
        "completed": contacts.get("completed", 0),
        "failed": contacts.get("failed", 0) + contacts.get("dnc", 0),
        "cancelled": contacts.get("cancelled", 0),
        "dialled": dialled,
        "answered": attempts.get("answered", 0),
        "live": attempts.get(None, 0),
        "outcomes": {k: v for k, v in attempts.items() if k is not None},
        "failed_by_reason": await admin_q.failed_by_reason(session, campaign.id),
        "results": await admin_q.result_counts(session, campaign.id),
    }
    if campaign.kind == announcements.KIND:
        results = out["results"]
        out["announcement"] = {"answered": out["answered"],
                               "heard": sum(results.get(r, 0) for r in announcements.HEARD),
                               "confirmed": results.get("confirmed", 0)}
    if campaign.kind in (SURVEY, announcements.KIND):
        per_question: dict[str, dict[str, int]] = {}
        for question, digit, meaning, n in await admin_q.answer_counts(session, campaign.id):
            per_question.setdefault(question, {})[f"{digit} {meaning}"] = n
        out["answers"] = per_question
    return out


def campaign_json(campaign: Campaign, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": campaign.id, "name": campaign.name, "kind": campaign.kind, "state": campaign.state,
        "window": f"{campaign.window_start}-{campaign.window_end}", "days": rules.day_names(campaign.days),
        "holidays": list(campaign.holidays or []), "max_channels": campaign.max_channels,
        "calls_per_second": campaign.calls_per_second, "max_attempts": campaign.max_attempts,
        "retry_minutes": dict(campaign.retry_minutes or {}), "daily_cap": campaign.daily_cap,
        "survey": list(campaign.survey or []),
        "message": dict(campaign.message or {}) or None, "confirm": dict(campaign.confirm or {}) or None,
        "scheduled_at": campaign.scheduled_at.astimezone(tz).isoformat() if campaign.scheduled_at else None,
        "created_by": campaign.created_by, "created_at": campaign.created_at.astimezone(tz).isoformat(),
    }


async def results_csv(session: AsyncSession, campaign: Campaign, tz: ZoneInfo) -> AsyncIterator[str]:
    """One line per contact: what happened and every answer, extra columns kept."""
    questions = [q["id"] for q in campaign.survey or []]
    announcing = campaign.kind == announcements.KIND
    asks = bool(campaign.confirm)
    extra_keys: list[str] = []
    pages = []
    async for page in admin_q.iter_contacts(session, campaign.id):
        pages.append(page)
        for c in page:
            for key in c.extra or {}:
                if key not in extra_keys and key != "complaint":
                    extra_keys.append(key)
    head = ["row", "name", "phone", "district", "scheme", "language", "complaint", "state", "attempts",
            "last_outcome", "result", *(["answered", "heard_to_end", "confirmed"] if announcing else questions),
            *extra_keys]
    yield _line(head)
    for page in pages:
        ids = [c.id for c in page]
        answered = await admin_q.answers_for_contacts(session, ids)
        results = await admin_q.last_results(session, ids)
        reached = await admin_q.answered_contacts(session, ids) if announcing else set()
        for c in page:
            mine = answered.get(c.id, {})
            per_question = (announcements.result_columns(results.get(c.id), c.id in reached, asks) if announcing
                            else [f"{mine[q].digit} {mine[q].meaning}" if q in mine else "" for q in questions])
            cells = [c.row_number or "", c.name, c.phone, c.district or "", c.scheme or "", c.language,
                     (c.extra or {}).get("complaint", ""), c.state, c.attempts, c.last_outcome or "",
                     results.get(c.id, ""),
                     *per_question,
                     *[(c.extra or {}).get(k, "") for k in extra_keys]]
            yield _line(cells)


def _line(cells: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([spreadsheet_safe(c) for c in cells])
    return buffer.getvalue()


async def dnc_add(session: AsyncSession, phone: str, reason: str, now: datetime) -> str:
    canonical = normalise_phone(phone)
    if len(reason) > 150:
        raise InvalidInput("the reason is longer than 150 characters", field="reason")
    await admin_q.dnc_add(session, canonical, reason.strip(), now)
    return canonical


async def dnc_remove(session: AsyncSession, phone: str) -> str:
    canonical = normalise_phone(phone)
    if not await admin_q.dnc_remove(session, canonical):
        raise NotFound(f"{canonical} is not on the do-not-call list")
    return canonical

"""Changing a campaign's rules after it was created, the standing feedback campaign's included,
with every change in the audit log (`campaign_changes`: who, when, each field before and after).

Rules that can change at any time before the campaign ends: name, calling window, days,
holidays, channels, calls per second, attempts, retry delays, daily cap, and the start time of a
draft or scheduled campaign. A running dialer picks the new rules up at its next refresh (a few
seconds); contacts already waiting for a retry keep their due time. Nothing is written when the
values are the same; a bad value raises InvalidInput and changes nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialer import campaigns as rules
from dialer.admin import get_campaign
from grievance.errors import InvalidInput, TransitionRefused
from storage.models import Campaign, CampaignChange
from storage.queries import campaign_admin as admin_q

EDITABLE = ("name", "window", "days", "holidays", "max_channels", "calls_per_second", "max_attempts",
            "retry_minutes", "daily_cap", "scheduled_at")


def rules_of(campaign: Campaign, tz: ZoneInfo) -> dict[str, Any]:
    """The campaign's editable rules as the API shows them."""
    return {
        "name": campaign.name, "window": f"{campaign.window_start}-{campaign.window_end}",
        "days": rules.day_names(campaign.days), "holidays": list(campaign.holidays or []),
        "max_channels": campaign.max_channels, "calls_per_second": campaign.calls_per_second,
        "max_attempts": campaign.max_attempts, "retry_minutes": dict(campaign.retry_minutes or {}),
        "daily_cap": campaign.daily_cap,
        "scheduled_at": campaign.scheduled_at.astimezone(tz).isoformat() if campaign.scheduled_at else None,
    }


def _apply(campaign: Campaign, field: str, value: Any) -> None:
    if field == "name":
        campaign.name = rules.check_name(value)
    elif field == "window":
        campaign.window_start, campaign.window_end = rules.check_window(str(value))
    elif field == "days":
        campaign.days = rules.parse_days(value)
    elif field == "holidays":
        campaign.holidays = rules.parse_holidays(value)
    elif field == "retry_minutes":
        campaign.retry_minutes = rules.parse_retry(value)
    elif field in rules.LIMITS:
        setattr(campaign, field, rules.check_limit(field, value))
    elif field == "scheduled_at":
        campaign.scheduled_at = _when(value, campaign)


def _when(value: Any, campaign: Campaign) -> datetime | None:
    if campaign.state not in ("draft", "scheduled"):
        raise TransitionRefused(f"a {campaign.state} campaign has already started", state=campaign.state)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput("scheduled_at must be an ISO 8601 time with offset", field="scheduled_at") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput("scheduled_at must be an ISO 8601 time with offset", field="scheduled_at")
    return value


async def edit_campaign(session: AsyncSession, campaign_id: int, changes: dict[str, Any], by: str, now: datetime,
                        tz: ZoneInfo) -> tuple[Campaign, CampaignChange | None]:
    """Apply `changes` (field → new value; unknown fields are refused) and log them."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)}: editable are {', '.join(EDITABLE)}", field=unknown[0])
    if not changes:
        raise InvalidInput("nothing to change", field="body")
    campaign = await get_campaign(session, campaign_id)
    if campaign.state in rules.FINAL_STATES:
        raise TransitionRefused(f"a {campaign.state} campaign cannot be changed", state=campaign.state)
    if campaign.kind == "feedback" and "scheduled_at" in changes:
        raise InvalidInput("the standing feedback campaign has no start time", field="scheduled_at")
    before = rules_of(campaign, tz)
    for field in EDITABLE:
        if field in changes:
            _apply(campaign, field, changes[field])
    after = rules_of(campaign, tz)
    changed = [f for f in EDITABLE if before[f] != after[f]]
    if not changed:
        return campaign, None
    if campaign.state == "scheduled" and "scheduled_at" in changed and campaign.scheduled_at is None:
        campaign.state = "draft"
    change = await admin_q.add_change(session, CampaignChange(
        campaign_id=campaign.id, at=now, by=by, before={f: before[f] for f in changed},
        after={f: after[f] for f in changed}))
    return campaign, change


def change_json(change: CampaignChange, tz: ZoneInfo) -> dict[str, Any]:
    return {"id": change.id, "at": change.at.astimezone(tz).isoformat(), "by": change.by,
            "before": change.before, "after": change.after}


async def history(session: AsyncSession, campaign_id: int, tz: ZoneInfo) -> list[dict[str, Any]]:
    await get_campaign(session, campaign_id)
    return [change_json(c, tz) for c in await admin_q.changes(session, campaign_id)]

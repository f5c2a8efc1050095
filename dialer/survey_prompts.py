"""The prompts of campaigns: survey questions and announcement messages, per language, for
`helpline prompts build` and for the server, which renders them when a campaign is saved.

Survey questions are written per campaign, so their audio is rendered like any other prompt,
as `helpline/survey-<campaign>-<question>`. Cancelled campaigns' prompts are left out (the
builder then deletes their files).
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from dialer import announcements
from dialer.answers import survey_manifest, survey_questions
from storage.queries import campaign_admin

SURVEY_KIND = "survey"


async def survey_manifests(session: AsyncSession) -> dict[str, dict[str, str]]:
    """Language → prompt name → text for every live survey campaign's questions."""
    out: dict[str, dict[str, str]] = {}
    for campaign in await campaign_admin.list_campaigns(session):
        if campaign.state == "cancelled":
            continue
        if campaign.kind == SURVEY_KIND and campaign.survey:
            found = survey_manifest(campaign.id, survey_questions(campaign.survey))
        elif campaign.kind == announcements.KIND and campaign.message:
            found = announcements.manifest(campaign.id, dict(campaign.message), dict(campaign.confirm or {}))
        else:
            continue
        for lang, prompts in found.items():
            out.setdefault(lang, {}).update(prompts)
    return out


def campaign_manifest(campaign) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """What the server renders when a campaign is saved: its questions, or its message and question."""
    if campaign.kind == announcements.KIND:
        return announcements.manifest(campaign.id, dict(campaign.message), dict(campaign.confirm or {}))
    if campaign.kind == SURVEY_KIND and campaign.survey:
        return survey_manifest(campaign.id, survey_questions(campaign.survey))
    return {}


def merged(base: Mapping[str, Mapping[str, str]], extra: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The shipped manifests plus campaign prompts (a campaign never overrides a shipped name)."""
    out = {lang: dict(prompts) for lang, prompts in base.items()}
    for lang, prompts in extra.items():
        target = out.setdefault(lang, {})
        for name, text in prompts.items():
            target.setdefault(name, text)
    return out

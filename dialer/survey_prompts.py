"""The prompts of survey campaigns: each question's text, per language, for `helpline prompts build`.

Survey questions are written per campaign, so their audio is rendered like any other prompt,
as `helpline/survey-<campaign>-<question>`. Cancelled campaigns' prompts are left out (the
builder then deletes their files).
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from dialer.answers import survey_manifest, survey_questions
from storage.queries import campaign_admin

SURVEY_KIND = "survey"


async def survey_manifests(session: AsyncSession) -> dict[str, dict[str, str]]:
    """Language → prompt name → text for every live survey campaign's questions."""
    out: dict[str, dict[str, str]] = {}
    for campaign in await campaign_admin.list_campaigns(session):
        if campaign.kind != SURVEY_KIND or campaign.state == "cancelled" or not campaign.survey:
            continue
        for lang, prompts in survey_manifest(campaign.id, survey_questions(campaign.survey)).items():
            out.setdefault(lang, {}).update(prompts)
    return out


def merged(base: Mapping[str, Mapping[str, str]], extra: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The shipped manifests plus campaign prompts (a campaign never overrides a shipped name)."""
    out = {lang: dict(prompts) for lang, prompts in base.items()}
    for lang, prompts in extra.items():
        target = out.setdefault(lang, {})
        for name, text in prompts.items():
            target.setdefault(name, text)
    return out

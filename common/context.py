"""What the web app needs from the composition root: settings, database, and live services."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config.settings import Settings
from grievance.attachments import AttachmentStore
from grievance.calendar import ConfigCalendar, HelplineCalendar, WorkingCalendar
from grievance.service import Policy
from ivr.voices import PromptRenderer
from storage.db import Database


@dataclass
class AppContext:
    settings: Settings
    db: Database
    policy: Policy
    tz: ZoneInfo
    # Filled by the composition root when those parts run (CTI service, fan-out hub, dialer).
    services: dict[str, Any] = field(default_factory=dict)
    # Files kept with complaints (officer uploads, WhatsApp photos and voice notes).
    attachments: AttachmentStore | None = None
    # Which days count for working-day deadlines (holidays from settings by default).
    calendar: WorkingCalendar | None = None
    # Renders texts saved in the pages (emergency message, campaign prompts) into the sounds folder.
    prompts: PromptRenderer | None = None

    @classmethod
    def build(cls, settings: Settings, db: Database) -> "AppContext":
        calendar = HelplineCalendar(ConfigCalendar.from_settings(settings))
        return cls(settings=settings, db=db, policy=Policy.from_settings(settings, calendar),
                   tz=ZoneInfo(settings.timezone), attachments=AttachmentStore.from_settings(settings),
                   calendar=calendar, prompts=PromptRenderer(Path(settings.sounds_dir)))

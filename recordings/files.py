"""Where recordings live: names relative to HELPLINE_CALL_RECORDINGS_DIR, `YYYY/MM/DD/<uniqueid>.wav`.

The FastAGI flow `recording` chooses the name (the caller's local date, the channel's
Uniqueid); the dialplan hands the same file, as Asterisk sees the folder, to MixMonitor; the
CTI copies the name onto the call's row. A name read back from a row or a channel variable is
checked against the pattern before it becomes a path, so nothing outside the folder is opened.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

NAME = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9A-Za-z._-]{1,64}\.wav")
UNIQUEID_SAFE = re.compile(r"[^0-9A-Za-z._-]")


def checked(name: str | None) -> str | None:
    """The name when it has the recordings' form, else None."""
    if name is None or not NAME.fullmatch(name) or ".." in name:
        return None
    return name


def name_for(day: date, uniqueid: str) -> str:
    """The recording's name for a call answered on `day` (local) on the channel `uniqueid`."""
    stem = UNIQUEID_SAFE.sub("_", uniqueid)[:60].strip(".") or "call"
    return f"{day:%Y/%m/%d}/{stem}.wav"


@dataclass(frozen=True)
class RecordingFolder:
    """The folder as `helpline serve` reads it (`root`) and as Asterisk writes it (`pbx_root`)."""

    root: Path
    pbx_root: PurePosixPath

    @classmethod
    def from_settings(cls, recordings_dir: str, pbx_dir: str = "") -> "RecordingFolder":
        root = Path(recordings_dir).expanduser().resolve()
        return cls(root, PurePosixPath(pbx_dir) if pbx_dir.strip() else PurePosixPath(root.as_posix()))

    def path(self, name: str) -> Path | None:
        """The file of a checked name (it may not exist)."""
        good = checked(name)
        return self.root / good if good is not None else None

    def pbx_path(self, name: str) -> str:
        good = checked(name)
        if good is None:
            raise ValueError("not a recording name")
        return str(self.pbx_root / good)

"""Attachments of a complaint: an officer's site photo or order copy, a citizen's WhatsApp photo or
voice note. `AttachmentStore` checks the file (size, type by its first bytes, how many per
complaint), writes it under the configured directory (HELPLINE_ATTACHMENTS_DIR) by its content
hash, records a row and an `attach` event in the caller's transaction. The app context holds one
(`ctx.attachments`); the officer's page, the API and the WhatsApp upkeep all add through it.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.errors import InvalidInput, LimitReached, NotFound
from grievance.lifecycle import Actor
from storage.models import Complaint, ComplaintAttachment
from storage.queries import attachments as attachment_q

MAX_PER_COMPLAINT = 20

# What is kept: (kind, mime, extension, how the file starts). The type is taken from the bytes,
# never from the name or the declared type alone.
TYPES: tuple[tuple[str, str, str, tuple[bytes, ...]], ...] = (
    ("photo", "image/jpeg", ".jpg", (b"\xff\xd8\xff",)),
    ("photo", "image/png", ".png", (b"\x89PNG\r\n\x1a\n",)),
    ("photo", "image/webp", ".webp", (b"RIFF",)),  # RIFF....WEBP, checked below
    ("document", "application/pdf", ".pdf", (b"%PDF-",)),
    ("voice", "audio/ogg", ".ogg", (b"OggS",)),
    ("voice", "audio/mpeg", ".mp3", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ("voice", "audio/mp4", ".m4a", ()),  # ftyp box, checked below
    ("video", "video/mp4", ".mp4", ()),
    ("voice", "audio/amr", ".amr", (b"#!AMR",)),
)
_SAFE_NAME = re.compile(r"[^\w.\- ()\u0900-\u097f]+")


def sniff(data: bytes, declared: str = "") -> tuple[str, str, str]:
    """(kind, mime, extension) of a file from its first bytes, or InvalidInput."""
    declared = declared.split(";")[0].strip().lower()
    if data[4:8] == b"ftyp":  # ISO media: audio (m4a) or video (mp4) as declared
        return ("video", "video/mp4", ".mp4") if declared.startswith("video/") else ("voice", "audio/mp4", ".m4a")
    for kind, mime, ext, magics in TYPES:
        if any(data.startswith(m) for m in magics):
            if mime == "image/webp" and data[8:12] != b"WEBP":
                continue
            return kind, mime, ext
    raise InvalidInput("this type of file is not kept: send a photo (JPEG, PNG, WebP), a PDF, or a voice note "
                       "(OGG, MP3, M4A, AMR)", field="file")


def clean_name(name: str, ext: str) -> str:
    base = _SAFE_NAME.sub("_", os.path.basename(name or "").strip())[:120].strip(" ._") or "file"
    return base if base.lower().endswith(ext) else base + ext


@dataclass
class AttachmentStore:
    directory: Path
    max_bytes: int = 10_000_000
    max_per_complaint: int = MAX_PER_COMPLAINT

    @classmethod
    def from_settings(cls, settings: object) -> "AttachmentStore":
        return cls(Path(getattr(settings, "attachments_dir", "attachments")),
                   int(getattr(settings, "attachments_max_bytes", 10_000_000)))

    async def add(self, session: AsyncSession, complaint: Complaint, data: bytes, *, original_name: str = "",
                  added_by: str, actor_kind: str = "officer", channel: str = "officer", declared_mime: str = "",
                  now: datetime | None = None) -> ComplaintAttachment:
        """Keep `data` with the complaint; InvalidInput (empty, too big, a type not kept) or
        LimitReached (too many) before anything is written."""
        now = now or service.utcnow()
        if not data:
            raise InvalidInput("the file is empty", field="file")
        if len(data) > self.max_bytes:
            raise InvalidInput(f"the file is larger than {self.max_bytes // 1_000_000} MB", field="file",
                               limit=self.max_bytes)
        kind, mime, ext = sniff(data, declared_mime)
        if await attachment_q.count_for(session, complaint.id) >= self.max_per_complaint:
            raise LimitReached(f"a complaint keeps at most {self.max_per_complaint} attachments",
                               limit=self.max_per_complaint)
        digest = hashlib.sha256(data).hexdigest()
        key = f"{complaint.number[:4]}/{complaint.number}/{uuid.uuid4().hex}{ext}"
        await asyncio.to_thread(self._write, key, data)
        row = await attachment_q.add(session, ComplaintAttachment(
            complaint_id=complaint.id, kind=kind, mime=mime, size=len(data),
            original_name=clean_name(original_name, ext), storage_key=key, sha256=digest, channel=channel,
            added_by=added_by, added_at=now))
        who = service.Who(Actor(actor_kind), added_by)
        await service._event(session, complaint, who, "attach", complaint.state, complaint.state, now,
                             {"attachment": row.id, "kind": kind, "name": row.original_name, "size": len(data)})
        return row

    def path_of(self, row: ComplaintAttachment) -> Path:
        path = (self.directory / row.storage_key).resolve()
        if self.directory.resolve() not in path.parents:
            raise NotFound("no such attachment")
        return path

    async def read(self, row: ComplaintAttachment) -> bytes:
        path = self.path_of(row)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFound("the attachment's file is missing from the store", attachment=row.id) from None

    def _write(self, key: str, data: bytes) -> None:
        path = self.directory / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

"""Complaints entered by staff in a batch (issue 13): a tehsil diwas register or a district portal
export, as CSV (UTF-8, a header row) or JSON (a list of objects), each row registered like any
complaint (number, deadline, officer, feedback call later), with a report per row.

Columns / keys: `name`, `phone`, `district`, `department`, `category`, `description`, optional
`language` (hi, en) and `channel` (else the channel chosen for the batch). Row numbers are
spreadsheet rows (the header is row 1) for CSV, and positions from 1 for JSON. A broken row is
reported with its number and the reason and the others are stored: each row is registered in its
own savepoint. CSV reading reuses the campaign importer's tolerant reader (a quote left open
costs one row, not the rest of the file).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialer.csv_import import _records as csv_records
from grievance import service
from grievance.errors import DomainError, InvalidInput
from grievance.text import has_control, spreadsheet_safe

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("name", "phone", "district", "department", "category", "description", "language", "channel")
REQUIRED = ("name", "phone", "district", "department", "category", "description")
STAFF_CHANNELS = ("walk_in", "tehsil_diwas", "portal", "letter", "phone", "email")


@dataclass
class RowResult:
    row: int
    ok: bool
    number: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "status": "stored" if self.ok else "rejected", "number": self.number,
                "reason": self.reason}


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "rejected": len(self.rejected), "rows": [r.as_dict() for r in self.rows]}

    def csv(self) -> str:
        lines = ["row,status,number,reason"]
        for r in self.rows:
            cells = [str(r.row), "stored" if r.ok else "rejected", r.number or "", r.reason or ""]
            lines.append(",".join('"' + spreadsheet_safe(c).replace('"', '""') + '"' for c in cells))
        return "\r\n".join(lines) + "\r\n"


def check_channel(channel: str) -> str:
    channel = (channel or "").strip()
    if channel not in STAFF_CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(STAFF_CHANNELS)}", field="channel")
    return channel


def parse(data: bytes, filename: str = "") -> list[tuple[int, dict[str, str] | str]]:
    """(row number, values or the reason the row is unreadable); InvalidInput when the whole file is."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not UTF-8 text (byte {exc.start})", field="file") from None
    if "\x00" in text:
        raise InvalidInput("the file is not text (it contains NUL bytes)", field="file")
    if filename.lower().endswith(".json") or text.lstrip().startswith("["):
        return _json_rows(text)
    return _csv_rows(text)


def _json_rows(text: str) -> list[tuple[int, dict[str, str] | str]]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the file is not valid JSON: {exc}", field="file") from None
    if not isinstance(items, list):
        raise InvalidInput("the JSON file must be a list of complaints", field="file")
    if len(items) > MAX_ROWS:
        raise InvalidInput(f"the file has more than {MAX_ROWS} rows: split it", field="file")
    out: list[tuple[int, dict[str, str] | str]] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            out.append((i, "not an object"))
            continue
        out.append((i, {str(k).strip().lower(): "" if v is None else str(v) for k, v in item.items()}))
    return out


def _csv_rows(text: str) -> list[tuple[int, dict[str, str] | str]]:
    columns: list[str] = []
    records = csv_records(text, columns)
    try:
        _, header = next(records)
    except StopIteration:
        raise InvalidInput("the file is empty: a header row is needed", field="file") from None
    if isinstance(header, str):
        raise InvalidInput(f"the header row is not valid CSV: {header}", field="file")
    columns += [h.strip().lower().replace(" ", "_") for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput(f"the header row has no {', '.join(missing)} column", field="file")
    out: list[tuple[int, dict[str, str] | str]] = []
    for number, fields in records:
        if len(out) >= MAX_ROWS:
            raise InvalidInput(f"the file has more than {MAX_ROWS} rows: split it", field="file")
        if isinstance(fields, str):
            out.append((number, fields))
        elif not any(f.strip() for f in fields):
            continue  # a blank line is not a complaint
        elif len(fields) != len(columns):
            out.append((number, f"has {len(fields)} fields, the header has {len(columns)}"))
        else:
            out.append((number, dict(zip(columns, fields))))
    return out


def _complaint(values: dict[str, str], channel: str) -> service.NewComplaint:
    values = {k: (values.get(k) or "").strip() for k in COLUMNS}
    for key in REQUIRED:
        if not values[key]:
            raise InvalidInput(f"no {key}", field=key)
    if any(has_control(v) for v in values.values()):
        raise InvalidInput("a field holds control characters", field="row")
    return service.NewComplaint(
        phone=values["phone"], name=values["name"], district=values["district"].upper(),
        department=values["department"].upper(), category=values["category"].upper(),
        description=values["description"], language=(values["language"] or "hi").lower(),
        channel=check_channel(values["channel"]) if values["channel"] else channel)


async def import_rows(session: AsyncSession, rows: list[tuple[int, dict[str, str] | str]], channel: str,
                      who: service.Who, policy: service.Policy, *, district: str | None = None) -> ImportReport:
    """Register each readable row (in its own savepoint); `district` limits a collector's staff to theirs."""
    channel = check_channel(channel)
    report = ImportReport()
    for number, values in rows:
        if isinstance(values, str):
            report.rows.append(RowResult(number, False, reason=values))
            continue
        try:
            data = _complaint(values, channel)
            if district and data.district != district:
                raise InvalidInput(f"district {data.district} is not yours ({district})", field="district")
            async with session.begin_nested():
                complaint = await service.register(session, data, who, policy)
            report.rows.append(RowResult(number, True, number=complaint.number))
        except DomainError as exc:
            report.rows.append(RowResult(number, False, reason=exc.message))
    return report

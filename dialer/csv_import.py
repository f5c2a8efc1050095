"""Beneficiary lists (CSV) for survey campaigns: parse and check every row, pure.

The file is UTF-8 (a BOM is allowed) with a header row naming at least `name` and `phone`;
`district`, `scheme` and `language` are used when present, every other column is kept in the
contact's `extra`. Row numbers are spreadsheet rows: the header is row 1. A row that cannot be
used is reported with its number and the reason, never silently dropped: wrong number of
fields, empty or malformed fields, control characters, a phone that is not an Indian mobile number, a number
already given in an earlier row. Numbers are normalised to +91XXXXXXXXXX.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from grievance.errors import InvalidInput
from grievance.phones import normalise_phone
from grievance.text import has_control

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_FIELD = 1000
KNOWN = ("name", "phone", "district", "scheme", "language")
REQUIRED = ("name", "phone")
ALIASES = {"mobile": "phone", "mobile_no": "phone", "phone_number": "phone", "beneficiary": "name",
           "beneficiary_name": "name", "lang": "language"}


@dataclass(frozen=True, slots=True)
class ContactRow:
    row: int
    phone: str
    name: str
    district: str | None
    scheme: str | None
    language: str
    extra: dict[str, str]


@dataclass(frozen=True, slots=True)
class Rejection:
    row: int
    reason: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason, "value": self.value}


@dataclass
class ParsedImport:
    rows: list[ContactRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    data_rows: int = 0


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


def parse_contacts(data: bytes, districts: Mapping[str, str]) -> ParsedImport:
    """Rows ready to import and rows rejected. `districts` maps lower-case code or name → code.

    Raises InvalidInput when the file as a whole is unusable (not UTF-8, no header, a required
    column missing, too large).
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not UTF-8 text (byte {exc.start})", field="file") from None
    if "\x00" in text:
        raise InvalidInput("the file is not a CSV text file (it contains NUL bytes)", field="file")
    columns: list[str] = []
    records = _records(text, columns)
    try:
        _, header = next(records)
    except StopIteration:
        raise InvalidInput("the file is empty: a header row with name and phone is needed", field="file") from None
    if isinstance(header, str):
        raise InvalidInput(f"the header row is not valid CSV: {header}", field="file")
    columns += [_column(h) for h in header]
    for needed in REQUIRED:
        if needed not in columns:
            raise InvalidInput(f"the header row has no {needed!r} column (found: {', '.join(header)[:200]})",
                               field="file")
    dupes = {c for c in columns if columns.count(c) > 1 and c}
    if dupes:
        raise InvalidInput(f"the header row names {', '.join(sorted(dupes))} twice", field="file")
    out = ParsedImport()
    first_row: dict[str, int] = {}
    for number, fields in records:
        out.data_rows += 1
        if out.data_rows > MAX_ROWS:
            raise InvalidInput(f"the file has more than {MAX_ROWS} rows: split it", field="file")
        if isinstance(fields, str):
            out.rejected.append(Rejection(number, fields))
            continue
        result = _row(number, fields, columns, districts)
        if isinstance(result, Rejection):
            out.rejected.append(result)
            continue
        earlier = first_row.get(result.phone)
        if earlier is not None:
            out.rejected.append(Rejection(number, f"duplicate: the same number is in row {earlier}", result.phone))
            continue
        first_row[result.phone] = number
        out.rows.append(result)
    return out


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
UNCLOSED_QUOTE = "a quote (\") opened in this row is not closed in it"


def _records(text: str, columns: list[str]) -> Iterator[tuple[int, list[str] | str]]:
    """(row number, fields or the reason it is not CSV) for each spreadsheet row.

    `columns` is filled in by the caller once it has read the header. A quoted field may span
    lines, but a record that swallowed later lines and does not fit (wrong number of fields,
    rows inside a known column, or no closing quote at all) is an unclosed quote: its first
    line is rejected and reading starts again on the next line, so no later row is lost
    (see `_fits`).
    """
    lines = _LINE.findall(text)
    number = 0
    pos = 0
    while pos < len(lines):
        reader = csv.reader(lines[j] for j in range(pos, len(lines)))
        restart = None
        while restart is None:
            start = pos + reader.line_num
            try:
                fields: list[str] | str = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                fields = f"not valid CSV: {exc}"
            number += 1
            if pos + reader.line_num - start > 1 and (isinstance(fields, str) or not _fits(fields, columns)):
                yield number, UNCLOSED_QUOTE
                restart = start + 1
            else:
                yield number, fields
        pos = restart


def _fits(fields: list[str], columns: list[str]) -> bool:
    """Whether a record spanning several lines is a real multi-line record.

    A line break inside a known column is kept (a name typed on two lines), unless that field
    also holds a comma: then it is other rows swallowed by a quote left open.
    """
    if not columns or len(fields) != len(columns):
        return False
    return not any(("\n" in f or "\r" in f) and "," in f for c, f in zip(columns, fields) if c in KNOWN)


def _row(number: int, fields: list[str], columns: list[str], districts: Mapping[str, str]) -> ContactRow | Rejection:
    if not any(f.strip() for f in fields):
        return Rejection(number, "empty row")
    if len(fields) != len(columns):
        return Rejection(number, f"has {len(fields)} fields, the header has {len(columns)}", _short(",".join(fields)))
    values = dict(zip(columns, (f.strip() for f in fields)))
    if any(len(v) > MAX_FIELD for v in values.values()):
        return Rejection(number, f"a field is longer than {MAX_FIELD} characters")
    if any(has_control(v) for v in values.values()):
        return Rejection(number, "a field holds control characters")
    raw_phone = values["phone"]
    if not raw_phone:
        return Rejection(number, "no phone number")
    try:
        phone = normalise_phone(raw_phone, mobile_only=True)
    except InvalidInput:
        return Rejection(number, "not an Indian mobile number (10 digits starting 6-9, optionally +91 or 0)",
                         _short(raw_phone))
    name = values["name"]
    if not name:
        return Rejection(number, "no name", phone)
    if len(name) > 150:
        return Rejection(number, "the name is longer than 150 characters", phone)
    district = values.get("district") or None
    if district is not None:
        code = districts.get(district.lower())
        if code is None:
            return Rejection(number, f"unknown district {_short(district)!r}", phone)
        district = code
    scheme = values.get("scheme") or None
    if scheme is not None and len(scheme) > 100:
        return Rejection(number, "the scheme is longer than 100 characters", phone)
    language = (values.get("language") or "hi").lower()
    if language not in ("hi", "en"):
        return Rejection(number, f"language must be hi or en, not {_short(language)!r}", phone)
    extra = {k: v for k, v in values.items() if k not in KNOWN and k}
    return ContactRow(number, phone, name, district, scheme, language, extra)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

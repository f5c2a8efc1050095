"""Reference data shipped with Helpline: UP's 75 districts, departments with categories and SLA
days, pause reasons, and L1/L2 officers (named ones in a few districts, state-level nodal
officers for the rest). Loaded by `helpline db seed`."""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

_FIRST = [
    ("Rajesh", "राजेश"), ("Sunita", "सुनीता"), ("Amit", "अमित"), ("Priya", "प्रिया"), ("Vinod", "विनोद"),
    ("Kavita", "कविता"), ("Suresh", "सुरेश"), ("Anjali", "अंजलि"), ("Manoj", "मनोज"), ("Rekha", "रेखा"),
    ("Alok", "आलोक"), ("Neha", "नेहा"), ("Sanjay", "संजय"), ("Pooja", "पूजा"), ("Ravi", "रवि"),
    ("Meena", "मीना"), ("Deepak", "दीपक"), ("Shalini", "शालिनी"), ("Ashok", "अशोक"), ("Nidhi", "निधि"),
]
_LAST = [
    ("Verma", "वर्मा"), ("Singh", "सिंह"), ("Yadav", "यादव"), ("Mishra", "मिश्रा"), ("Gupta", "गुप्ता"),
    ("Tiwari", "तिवारी"), ("Shukla", "शुक्ला"), ("Pandey", "पांडेय"), ("Srivastava", "श्रीवास्तव"),
    ("Chauhan", "चौहान"), ("Maurya", "मौर्य"), ("Saxena", "सक्सेना"), ("Khan", "ख़ान"),
]


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name_en: str
    name_hi: str


@dataclass(frozen=True)
class CategoryRow:
    code: str
    department_code: str
    name_en: str
    name_hi: str
    sla_days: int
    sla_working_days: bool = False  # SLA counted in working days (holidays and the weekly off skipped)
    flag_after_days: int | None = None  # overdue by N days → flagged, L2 told (None: the settings' default)
    escalate_after_days: int | None = None  # overdue by M days → escalated to L2


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name_en: str
    name_hi: str
    categories: tuple[CategoryRow, ...]


@dataclass(frozen=True)
class OfficerRow:
    code: str
    name_en: str
    name_hi: str
    designation: str
    department_code: str
    district_code: str | None
    level: int


@dataclass(frozen=True)
class PauseReasonRow:
    code: str
    name_en: str
    name_hi: str


@dataclass(frozen=True)
class Reference:
    districts: list[DistrictRow]
    departments: list[DepartmentRow]
    pause_reasons: list[PauseReasonRow]
    officers: list[OfficerRow] = field(default_factory=list)


def load_reference(directory: Path = REFERENCE_DIR) -> Reference:
    with (directory / "districts.csv").open(encoding="utf-8", newline="") as fh:
        districts = [DistrictRow(r["code"], r["name_en"], r["name_hi"]) for r in csv.DictReader(fh)]
    data = tomllib.loads((directory / "departments.toml").read_text(encoding="utf-8"))
    departments = [
        DepartmentRow(
            d["code"], d["name_en"], d["name_hi"],
            tuple(
                CategoryRow(c["code"], d["code"], c["name_en"], c["name_hi"], int(c["sla_days"]),
                            bool(c.get("working_days", False)), c.get("flag_after_days"),
                            c.get("escalate_after_days"))
                for c in d["categories"]
            ),
        )
        for d in data["department"]
    ]
    reasons = [PauseReasonRow(r["code"], r["name_en"], r["name_hi"]) for r in data["pause_reason"]]
    by_code = {d.code: d for d in districts}
    officer_districts = data["officers"]["districts"]
    for code in officer_districts:
        if code not in by_code:
            raise ValueError(f"officer district {code!r} is not in districts.csv")
    officers = _officers(departments, [by_code[c] for c in officer_districts])
    return Reference(districts, departments, reasons, officers)


def _officers(departments: list[DepartmentRow], districts: list[DistrictRow]) -> list[OfficerRow]:
    out: list[OfficerRow] = []
    n = 0
    for dept in departments:
        places: list[DistrictRow | None] = [*districts, None]
        for place in places:
            for level in (1, 2):
                first = _FIRST[n % len(_FIRST)]
                last = _LAST[(n // len(_FIRST) + n) % len(_LAST)]
                n += 1
                where = place.code if place else "UP"
                title = ("District officer" if level == 1 else "Divisional officer") if place else (
                    "State nodal officer" if level == 1 else "State appellate officer")
                out.append(OfficerRow(
                    code=f"{dept.code}-{where}-L{level}",
                    name_en=f"{first[0]} {last[0]}",
                    name_hi=f"{first[1]} {last[1]}",
                    designation=f"{title}, {dept.name_en}" + (f", {place.name_en}" if place else ""),
                    department_code=dept.code,
                    district_code=place.code if place else None,
                    level=level,
                ))
    return out

"""`helpline campaign …` as an operator runs it: results on stdout, one-line errors, exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.dialer_harness import SURVEY

REPO = Path(__file__).resolve().parents[2]


def helpline(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HELPLINE_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
           "HELPLINE_SOUNDS_DIR": str(db.parent / "sounds")}
    return subprocess.run([sys.executable, "-m", "helpline.cli", "campaign", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)


def test_create_import_start_pause_status(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    survey = tmp_path / "survey.json"
    survey.write_text(json.dumps(SURVEY, ensure_ascii=False), encoding="utf-8")
    contacts = tmp_path / "people.csv"
    contacts.write_text("name,phone,scheme,ward\nAsha,9810000001,PMAY,3\nBad,12345,PMAY,4\n"
                        "Again,+91 98100 00001,PMAY,5\nShort,9810000002\nBabu,8810000003,PMAY,6\n", encoding="utf-8")

    created = helpline("create", "PM Awas", "--survey", str(survey), "--days", "mon,tue,wed", "--retry", "busy=10",
                       "--cps", "2", db=db)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created campaign 1 (draft)"
    imported = helpline("import", "1", str(contacts), db=db)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        "campaign 1: 5 rows, 2 imported, 3 rejected",
        "row 3: not an Indian mobile number (10 digits starting 6-9, optionally +91 or 0)",
        "row 4: duplicate: the same number is in row 2",
        "row 5: has 2 fields, the header has 4",
    ]
    assert helpline("start", "1", db=db).stdout.strip() == "campaign 1: running"
    assert helpline("pause", "1", db=db).stdout.strip() == "campaign 1: paused"
    status = helpline("status", "1", "--json", db=db)
    data = json.loads(status.stdout)
    assert data["state"] == "paused" and data["days"] == ["mon", "tue", "wed"]
    assert data["retry_minutes"]["busy"] == 10 and data["calls_per_second"] == 2
    assert data["progress"]["queued"] == 2
    assert "PM Awas [survey, paused]" in helpline("status", db=db).stdout


def test_bad_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    survey = tmp_path / "survey.json"
    survey.write_text(json.dumps(SURVEY), encoding="utf-8")
    cases = [
        (["create", "X", "--survey", str(tmp_path / "none.json")], "cannot read the survey"),
        (["create", "X", "--survey", str(survey), "--window", "21:00-09:00"], "must end after it starts"),
        (["create", "X", "--survey", str(survey), "--days", "someday"], "unknown day"),
        (["start", "42"], "no campaign has the id 42"),
        (["import", "42", str(survey)], "no campaign has the id 42"),
    ]
    for args, needle in cases:
        result = helpline(*args, db=db)
        assert result.returncode == 1, (args, result.stdout)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, result.stderr)
    assert helpline("create", "X", "--survey", str(survey), db=db).returncode == 0
    assert helpline("pause", "1", db=db).stderr.strip() == "error: a draft campaign cannot pause"
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_bytes(b"\xff\xfe garbage")
    result = helpline("import", "1", str(bad_csv), db=db)
    assert result.returncode == 1 and "not UTF-8" in result.stderr


def test_edit_and_the_audit_log_from_the_shell(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    survey = tmp_path / "survey.json"
    survey.write_text(json.dumps(SURVEY, ensure_ascii=False), encoding="utf-8")
    assert helpline("create", "PM Awas", "--survey", str(survey), db=db).returncode == 0
    edited = helpline("edit", "1", "--window", "10:00-17:00", "--max-attempts", "4", "--by", "ops-sharma", db=db)
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.splitlines() == ['campaign 1: window "09:00-21:00" -> "10:00-17:00"',
                                          "campaign 1: max_attempts 3 -> 4"]
    assert helpline("edit", "1", "--window", "10:00-17:00", db=db).stdout.strip() == "campaign 1: unchanged"
    bad = helpline("edit", "1", "--window", "17:00-10:00", db=db)
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "17:00-10:00" in bad.stderr
    assert helpline("edit", "1", db=db).returncode != 0
    log = helpline("changes", "1", db=db)
    assert log.returncode == 0 and "ops-sharma: window" in log.stdout and "max_attempts 3 -> 4" in log.stdout

"""The `helpline` command as an operator runs it: one-line errors, non-zero exit codes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def helpline(*args: str, db: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "HELPLINE_DATABASE_URL": f"sqlite+aiosqlite:///{db}", **env}
    return subprocess.run([sys.executable, "-m", "helpline.cli", *args], input=stdin, capture_output=True,
                          text=True, env=environ, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("cli") / "helpline.db"
    result = helpline("demo", db=db)
    assert result.returncode == 0, result.stderr
    return db, result.stdout


def test_help_lists_every_command() -> None:
    out = subprocess.run([sys.executable, "-m", "helpline.cli", "--help"], capture_output=True, text=True,
                         cwd=REPO, timeout=60).stdout
    for name in ("serve", "db", "demo", "users", "prompts", "dialplan", "campaign"):
        assert name in out


def test_demo_prints_users_and_is_repeatable(demo_db: tuple[Path, str]) -> None:
    db, out = demo_db
    assert "seeded 75 districts" in out
    assert "sample complaints added: 10" in out
    for user in ("agent1001", "supervisor", "admin", "officer.ele.lko"):
        assert user in out
    again = helpline("demo", db=db)
    assert again.returncode == 0 and "sample complaints added: 0" in again.stdout


def test_users_create(demo_db: tuple[Path, str]) -> None:
    db, _ = demo_db
    ok = helpline("users", "create", "newagent", "--role", "agent", "--extension", "agent2001", "--password-stdin",
                  db=db, stdin="s3cret-pass\n")
    assert ok.returncode == 0, ok.stderr
    dup = helpline("users", "create", "newagent", "--role", "agent", "--extension", "agent2002", "--password-stdin",
                   db=db, stdin="s3cret-pass\n")
    assert dup.returncode == 1 and dup.stderr.strip() == "error: user 'newagent' already exists"
    dm = helpline("users", "create", "dm.lko", "--role", "collector", "--district", "LKO", "--password-stdin",
                  db=db, stdin="s3cret-pass\n")
    assert dm.returncode == 0 and dm.stdout.strip() == "created collector dm.lko", dm.stderr


@pytest.mark.parametrize("args,stdin,needle", [
    (["users", "create", "x1", "--role", "king", "--password-stdin"], "longenough\n", "role must be one of"),
    (["users", "create", "x2", "--role", "officer", "--officer", "NOPE", "--password-stdin"], "longenough\n",
     "unknown officer code"),
    (["users", "create", "x3", "--role", "agent", "--password-stdin"], "longenough\n", "needs --extension"),
    (["users", "create", "x4", "--role", "admin", "--password-stdin"], "short\n", "at least 8"),
    (["users", "create", "x5", "--role", "admin"], None, "--password-stdin"),
    (["users", "create", "x6", "--role", "collector", "--password-stdin"], "longenough\n", "needs --district CODE"),
    (["users", "create", "x7", "--role", "collector", "--district", "NOWHERE", "--password-stdin"], "longenough\n",
     "unknown district"),
    (["users", "create", "x8", "--role", "agent", "--extension", "agent2009", "--district", "LKO", "--password-stdin"],
     "longenough\n", "--district applies to collector users only"),
])
def test_bad_input_is_one_line(demo_db: tuple[Path, str], args: list[str], stdin: str | None, needle: str) -> None:
    db, _ = demo_db
    result = helpline(*args, db=db, stdin=stdin)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0]


def test_bad_settings_are_one_line(tmp_path: Path) -> None:
    result = helpline("db", "upgrade", db=tmp_path / "x.db", HELPLINE_CALLING_WINDOW="21:00-09:00")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: bad setting calling_window: Value error, calling window must end after it starts: '21:00-09:00'"]
    result = helpline("db", "upgrade", db=tmp_path / "x.db", HELPLINE_AMI_URLS="http://nope")
    assert result.returncode == 1 and "not an AMI URL" in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = helpline("db", "seed", db=tmp_path / "x.db",
                      HELPLINE_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")


def test_prompts_build_renders_every_prompt_for_asterisk(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    import wave

    from ivr.manifest import load_manifests

    db, _ = demo_db
    out = tmp_path / "sounds"
    result = helpline("prompts", "build", "--out", str(out), db=db)
    assert result.returncode == 0, result.stderr
    manifests = load_manifests()
    for lang, prompts in manifests.items():
        files = {p.stem for p in (out / lang / "helpline").glob("*.wav")}
        assert files == set(prompts), lang
    with wave.open(str(out / "hi" / "helpline" / "num-21.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2) and w.getnframes() > 1000
    again = helpline("prompts", "build", "--out", str(out), db=db)
    total = sum(len(p) for p in manifests.values())
    assert again.returncode == 0 and f"prompts: 0 rendered, {total} unchanged" in again.stdout


def test_dialplan_check_runs_with_what_setup_installs(tmp_path: Path) -> None:
    """asterisklint is a runtime dependency: the check a user runs after ./run.sh lints too."""
    result = helpline("dialplan", "check", db=tmp_path / "unused.db")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith("dialplans")
    assert "skipped" not in result.stdout


def test_dialplan_check_without_asterisklint_says_what_it_skipped(tmp_path: Path) -> None:
    # A Python that cannot import asterisklint: its part is skipped, with how to get it.
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nclass _Block:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'asterisklint' or name.startswith('asterisklint.'):\n"
        "            raise ModuleNotFoundError(name)\n        return None\n"
        "sys.meta_path.insert(0, _Block())\n", encoding="utf-8")
    result = helpline("dialplan", "check", db=tmp_path / "unused.db",
                      PYTHONPATH=f"{blocker}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "asterisklint is not installed" in result.stdout and "pip install" in result.stdout
    assert "(without asterisklint)" in result.stdout

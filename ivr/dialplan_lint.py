"""asterisklint (the asterisklint-jjs package) on Helpline's dialplan files; a crash is a problem."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ivr.dialplan_parse import Problem

ASTERISK_VERSION = "20"
LINT_TIMEOUT_S = 120
_LINT_LINE_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+) (?P<cls>[EWH]_[A-Z0-9_]+): (?P<msg>.*)$")
_LINT_MAIN = "import os, sys; from asterisklint.main import main; sys.exit(main(sys.argv[1:], os.environ))"


def asterisklint_installed() -> bool:
    """asterisklint-jjs is a dependency, but a trimmed install may lack it."""
    try:
        import asterisklint  # noqa: F401
    except ImportError:
        return False
    return True


def run_asterisklint(directory: Path, *, asterisk_version: str = ASTERISK_VERSION) -> list[Problem]:
    """asterisklint's findings on directory's extensions*.conf; a crash is a problem too.

    A generated extensions.conf #includes the files: those without a section header (the
    globals) under [globals], the others after it, as dialplans/README.md installs them.
    """
    directory = Path(directory).resolve()
    files = sorted(directory.glob("extensions*.conf"))
    if not files:
        return [Problem(directory, 0, "no extensions*.conf file")]
    headerless = [f for f in files
                  if not re.search(r"^\s*\[", f.read_text(encoding="utf-8", errors="replace"), re.M)]
    with tempfile.TemporaryDirectory(prefix="helpline-lint-") as tmp:
        wrapper = Path(tmp) / "extensions.conf"
        lines = ["[general]", "static=yes", "writeprotect=yes", "clearglobalvars=no", "", "[globals]"]
        lines += [f'#include "{f}"' for f in headerless] + [""]
        lines += [f'#include "{f}"' for f in files if f not in headerless]
        wrapper.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [sys.executable, "-c", _LINT_MAIN, "dialplan-check", "--asterisk-version", asterisk_version,
               "--func-odbc", "", str(wrapper)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, timeout=LINT_TIMEOUT_S,
                                  env={**os.environ, "ALINT_IGNORE": "", "HOME": tmp}, check=False)
        except subprocess.TimeoutExpired:
            return [Problem(directory, 0, f"asterisklint did not finish in {LINT_TIMEOUT_S} s")]
        return _lint_problems(done.returncode, done.stdout + done.stderr, wrapper, directory)


def _lint_problems(returncode: int, output: str, wrapper: Path, directory: Path) -> list[Problem]:
    problems, other = [], []
    for text in output.splitlines():
        match = _LINT_LINE_RE.match(text)
        if match:
            path = directory if Path(match.group("file")) == wrapper else Path(match.group("file"))
            problems.append(Problem(path, int(match.group("line")),
                                    f"asterisklint {match.group('cls')}: {match.group('msg')}"))
        elif text.strip():
            other.append(text.strip())
    if "Traceback (most recent call last):" in output or (returncode != 0 and not problems):
        problems.append(Problem(directory, 0, "asterisklint crashed: "
                                + (other[-1] if other else f"exit status {returncode}")))
    return problems

"""The parts do not import the console or the composition root (DESIGN §4, §7): only `helpline/`
wires, and what every part shares lives in `common/`."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = ["common", "config", "storage", "grievance", "ivr", "cti", "dialer", "messaging", "recordings"]
FORBIDDEN = ("agent_console", "helpline")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("part", PARTS)
def test_part_does_not_import_console_or_root(part):
    bad = [f"{path.relative_to(ROOT)}:{line} imports {name}"
           for path in sorted((ROOT / part).rglob("*.py"))
           for line, name in _imports(path)
           if name.split(".")[0] in FORBIDDEN]
    assert not bad, "\n".join(bad)


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from agent_console.video import issue\nimport helpline.cli\nfrom common import privacy\n")
    assert [name for _, name in _imports(sample)] == ["agent_console.video", "helpline.cli", "common"]

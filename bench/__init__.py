"""Benchmarks: `python -m bench.NAME --help` (README, Performance)."""
from pathlib import Path

#: The real Asterisk captures the benches replay: always the repository's own copy, so a
#: clone anywhere (no ../shared, HELPLINE_TRACES unset or pointing elsewhere) finds them.
TRACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "asterisk-traces"

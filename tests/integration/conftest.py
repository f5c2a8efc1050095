"""Fixtures of the real-Asterisk tests (marker `asterisk`): one throwaway Asterisk with the
project's dialplans and one `helpline serve` for the whole session; see README.md here."""
from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.seed import migrate_and_seed
from tests import dbs
from tests.conftest import ASTERISK_DIR
from tests.integration.harness.lab import Lab
from tests.integration.harness.pbx import Pbx
from tests.integration.harness.serve import HelplineServer, build_prompts
from tests.integration.harness.sip import dtmf_pcap

# Settings of the session's `helpline serve` (HELPLINE_*); tests that need others start their own.
SERVE_ENV = {
    "HELPLINE_CALLING_WINDOW": "00:00-23:59",
    "HELPLINE_FEEDBACK_DELAY_MINUTES": "0",
    "HELPLINE_REDIS_URL": "",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            # the worker each runs on: tests/conftest.py (lab_group)
            item.add_marker(pytest.mark.asterisk)


def _missing() -> list[str]:
    missing = []
    if not (ASTERISK_DIR / "run-asterisk").is_file():
        missing.append(f"{ASTERISK_DIR}/run-asterisk (../shared/asterisk)")
    if shutil.which("sipp") is None:
        missing.append("sipp (Debian package sip-tester)")
    else:
        try:
            dtmf_pcap("1")
        except FileNotFoundError as exc:
            missing.append(str(exc))
    for lib in ("libsrtp2.so.1", "libjansson.so.4", "libedit.so.2"):
        if not any(Path(d, lib).exists() for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu")):
            missing.append(f"{lib} (the Asterisk runtime packages of ../shared/asterisk/README.md; .ci/run installs them)")
    if not Path("/usr/share/asterisk/sounds/en_US_f_Allison").is_dir():
        missing.append("asterisk-core-sounds-en-gsm")
    return missing


def require_lab_parts() -> None:
    """Fail (CI) or skip with the reason (a user's machine) when a piece the real-Asterisk tests
    need is missing."""
    missing = _missing()
    if missing:
        message = "the real-Asterisk tests need: " + "; ".join(missing)
        if dbs.IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def lab_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_lab_parts()
    root = tmp_path_factory.mktemp("asterisk-lab")
    database_url = f"sqlite+aiosqlite:///{root / 'helpline.db'}"
    asyncio.run(migrate_and_seed(database_url))
    prompts = root / "prompts"
    build_prompts(prompts, database_url, root)
    server = HelplineServer(root, database_url)
    pbx = Pbx(root, ASTERISK_DIR, prompts, agi_port=server.agi_port)
    try:
        pbx.start()
        # the server speaks and installs prompts (emergency message, campaigns, uploaded
        # recordings) where this Asterisk plays them
        server.start(pbx.ami_url, **SERVE_ENV, HELPLINE_SOFTPHONE_WS_URL=pbx.ws_url, HELPLINE_SOUNDS_DIR=str(prompts))
        yield Lab(root, pbx, server, database_url)
    finally:
        server.stop()
        pbx.stop()
        if os.environ.get("HELPLINE_TEST_KEEP_LAB"):
            print(f"\nlab kept in {root}")


@pytest.fixture
async def lab(lab_session: Lab) -> AsyncIterator[Lab]:
    """The session's lab; the SIPp processes a test started are stopped after it."""
    yield lab_session
    await lab_session.cleanup()

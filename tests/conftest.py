"""Shared fixtures: throwaway databases (SQLite and PostgreSQL), settings, the API client."""
from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from agent_console.app import create_app
from common.context import AppContext
from config.settings import Settings
from storage.db import Database
from tests import dbs

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("HELPLINE_TEST_ARTIFACTS", REPO / "test-artifacts"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> dbs.SqliteTemplate:
    return dbs.SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[dbs.PgTemplate]:
    template = dbs.PgTemplate()
    yield template
    if template.ready:
        asyncio.run(template.drop_template())


async def _make_db(kind: str, sqlite_template: dbs.SqliteTemplate, pg_template: dbs.PgTemplate,
                   tmp_path: Path) -> tuple[str, bool]:
    if kind == "sqlite":
        return await sqlite_template.new(tmp_path), False
    try:
        return await pg_template.new(), True
    except RuntimeError as exc:
        if dbs.IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    raise AssertionError("unreachable")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, sqlite_template: dbs.SqliteTemplate,
                 pg_template: dbs.PgTemplate, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, seeded database URL: every test using it runs on SQLite and on PostgreSQL."""
    url, is_pg = await _make_db(request.param, sqlite_template, pg_template, tmp_path)
    yield url
    if is_pg:
        await pg_template.drop(url)


@pytest.fixture
async def sqlite_url(sqlite_template: dbs.SqliteTemplate, tmp_path: Path) -> str:
    """A migrated, seeded SQLite database URL (for tests that need only one database)."""
    return await sqlite_template.new(tmp_path)


@pytest.fixture
async def pg_url(pg_template: dbs.PgTemplate, sqlite_template: dbs.SqliteTemplate,
                 tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, seeded PostgreSQL database URL (PostgreSQL-only tests)."""
    url, _ = await _make_db("postgres", sqlite_template, pg_template, tmp_path)
    yield url
    await pg_template.drop(url)


# Prompts the server renders while tests run (emergency message, campaign prompts) land here,
# never in the working directory.
TEST_SOUNDS = Path(tempfile.gettempdir()) / f"helpline-test-sounds-{os.getpid()}"


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": database_url, "secret_key": "test-secret", "ami_urls": "",
                                 "redis_url": "", "sounds_dir": str(TEST_SOUNDS), "recordings_dir": str(TEST_SOUNDS / "rec")}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
def ctx(settings: Settings, db: Database) -> AppContext:
    return AppContext.build(settings, db)


@pytest.fixture
async def client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ctx)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpline.test") as c:
        yield c


# The real-Asterisk tests (tests/integration, marker `asterisk`) run a throwaway Asterisk from
# ../shared/asterisk (or HELPLINE_TEST_ASTERISK_DIR). Only its existence is looked at here: the
# fast suite never reads ../shared.
ASTERISK_DIR = Path(os.environ.get("HELPLINE_TEST_ASTERISK_DIR") or REPO.parent / "shared" / "asterisk")


def asterisk_deselect_reason() -> str | None:
    """Why the `asterisk` tests are not selected, or None when they run (always in CI)."""
    if dbs.IN_CI:
        return None
    if (ASTERISK_DIR / "run-asterisk").is_file():
        return None
    return (f"no Asterisk build at {ASTERISK_DIR} (../shared/asterisk, or set HELPLINE_TEST_ASTERISK_DIR); "
            "CI=true makes them mandatory")


def pytest_report_header(config: pytest.Config) -> str:
    reason = asterisk_deselect_reason()
    if reason is None:
        return f"asterisk tests (tests/integration): selected, throwaway Asterisk from {ASTERISK_DIR}"
    return f"asterisk tests (tests/integration): deselected: {reason}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without an Asterisk build the real-Asterisk tests are deselected (never run half-way)."""
    if asterisk_deselect_reason() is None:
        return
    lab = [item for item in items if item.get_closest_marker("asterisk")]
    if lab:
        config.hook.pytest_deselected(items=lab)
        items[:] = [item for item in items if not item.get_closest_marker("asterisk")]


# The real-Asterisk tests of the session lab share one worker (one throwaway Asterisk and one
# `helpline serve`, their media not competing with two more labs); the two-pod tests, which start
# their own two Asterisks, form a second group that may run beside them. The groups are made here,
# by nodeid, in xdist's scheduler: pytest 9.2 ignores the nodeid suffix that xdist's own
# `xdist_group` marker relies on (it sets `item._nodeid`), so that marker grouped nothing and every
# worker started its own lab.
LAB_GROUPS = (("tests/integration/test_two_pods.py", "asterisk-pods"), ("tests/integration/", "asterisk"))


def lab_group(nodeid: str) -> str | None:
    for prefix, group in LAB_GROUPS:
        if nodeid.startswith(prefix):
            return group
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class LabGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return lab_group(nodeid) or super()._split_scope(nodeid)

    return LabGroups(config, log)

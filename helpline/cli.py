"""The `helpline` command (typer). Every command exits non-zero with a one-line reason on bad input."""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError

from config.settings import Settings

app = typer.Typer(help="Helpline: a 1076-style public-grievance helpline on Asterisk.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database: migrations and reference data.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the console and the API.", no_args_is_help=True)
prompts_app = typer.Typer(help="IVR prompts (text-to-speech for Asterisk).", no_args_is_help=True)
dialplan_app = typer.Typer(help="The Asterisk dialplan shipped in dialplans/.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(prompts_app, name="prompts")
app.add_typer(dialplan_app, name="dialplan")

T = TypeVar("T")


class CliError(Exception):
    """A one-line reason to stop with exit status 1."""


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def guarded(func: Callable[..., T]) -> Callable[..., T]:
    """Turn expected failures into one line on stderr and a non-zero exit status."""
    from grievance.errors import DomainError

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except (CliError, DomainError) as exc:
            details = getattr(exc, "details", None) or {}
            fail(details.get("cli_message") or getattr(exc, "message", None) or str(exc))
        except ValidationError as exc:
            first = exc.errors()[0]
            fail(f"bad setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
        except OSError as exc:
            fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - database down etc.: still one line, still non-zero
            if type(exc).__module__.startswith(("sqlalchemy", "asyncpg", "sqlite3", "alembic")):
                fail(f"database: {str(exc).splitlines()[0]}")
            raise
        raise AssertionError("unreachable")

    return wrapper


def load_settings() -> Settings:
    return Settings()


def setup_logging(level: int = logging.INFO) -> None:
    """Log lines on stderr, every one masked (phone numbers, tokens, passwords: common.privacy);
    JSON objects with HELPLINE_LOG_FORMAT=json (helpline.logformat)."""
    from helpline.logformat import JsonFormatter, log_format
    from common.privacy import install_redaction

    try:
        kind = log_format()
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if kind == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    install_redaction()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@app.command()
@guarded
def serve() -> None:
    """Run the helpline: web console and API, FastAGI, CTI and dialer (what is configured)."""
    from helpline.secret import WeakSecret, with_secret
    from helpline.server import serve as serve_async
    from storage.migrate import upgrade

    setup_logging()
    try:
        settings = with_secret(load_settings())
    except WeakSecret as exc:
        raise CliError(str(exc)) from exc
    upgrade(settings.database_url)
    run(serve_async(settings))


@db_app.command("upgrade")
@guarded
def db_upgrade(revision: str = typer.Argument("head", help="Alembic revision to upgrade to")) -> None:
    """Apply the database migrations (SQLite or PostgreSQL)."""
    from storage.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("seed")
@guarded
def db_seed() -> None:
    """Load districts, departments, categories, officers and pause reasons (idempotent)."""
    from storage.seed import migrate_and_seed

    counts = run(migrate_and_seed(load_settings().database_url))
    typer.echo("seeded " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@app.command()
@guarded
def demo() -> None:
    """Seed reference data, demo users (passwords printed) and sample complaints in every state."""
    from grievance.service import Policy
    from helpline.demo import run_demo
    from storage.db import Database
    from storage.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)

    async def _demo() -> tuple[dict[str, int], dict[str, str], int]:
        db = Database(settings.database_url)
        try:
            return await run_demo(db, Policy.from_settings(settings))
        finally:
            await db.dispose()

    counts, passwords, samples = run(_demo())
    typer.echo("seeded " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    typer.echo(f"sample complaints added: {samples}")
    typer.echo("demo users (username  password):")
    for username, password in passwords.items():
        typer.echo(f"  {username:<20} {password}")


@users_app.command("create")
@guarded
def users_create(
    username: str,
    role: str = typer.Option(..., "--role", help="agent | supervisor | officer | admin | collector | state_nodal"),
    officer: str | None = typer.Option(None, "--officer", help="officer code (officer users)"),
    district: str | None = typer.Option(None, "--district", help="district code (collector users)"),
    extension: str | None = typer.Option(None, "--extension", help="PJSIP endpoint (agent users)"),
    languages: str = typer.Option("hi,en", "--languages", help="queues the agent serves: hi,en"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
) -> None:
    """Create a user. The password is read from standard input (--password-stdin)."""
    from helpline.users import create_user
    from storage.db import Database
    from storage.migrate import upgrade

    if not password_stdin:
        raise CliError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    settings = load_settings()
    upgrade(settings.database_url)

    async def _create() -> None:
        db = Database(settings.database_url)
        try:
            async with db.session_scope() as session:
                await create_user(session, username, role, password, officer=officer, extension=extension,
                                  languages=languages, district=district)
        finally:
            await db.dispose()

    run(_create())
    typer.echo(f"created {role} {username}")


@users_app.command("softphone-password")
@guarded
def users_softphone_password(extension: str) -> None:
    """Print the SIP password of EXTENSION's WebRTC endpoint (its auth section in pjsip.conf):
    derived from HELPLINE_SECRET_KEY, so run it with the settings `helpline serve` uses."""
    from agent_console.softphone import password
    from helpline.secret import with_secret
    from ivr.scripts import AGENT_EXTENSION

    if not AGENT_EXTENSION.fullmatch(extension):
        raise CliError("an extension is lowercase letters and digits starting with a letter, or 2XXX")
    settings = with_secret(load_settings())
    typer.echo(password(settings.secret_key, extension))


@prompts_app.command("build")
@guarded
def prompts_build(
    out: Path = typer.Option(Path("prompts-build"), "--out", help="output folder (e.g. /var/lib/asterisk/sounds)"),
    force: bool = typer.Option(False, "--force", help="re-render every prompt"),
) -> None:
    """Render every prompt (Hindi and English; campaigns' questions and messages, the emergency
    message, departments added in the page) to 8 kHz mono 16-bit WAV files for Asterisk. Prompts
    an administrator recorded are kept, not rendered over. The server also speaks texts saved in
    its pages into HELPLINE_SOUNDS_DIR at once: run this for a new sounds folder."""
    from dialer.survey_prompts import merged
    from ivr.manifest import load_manifests
    from ivr.prompts import build_prompts
    from ivr.voice_admin import dynamic_manifests, recorded_keys
    from storage.db import Database
    from storage.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)

    async def _from_db() -> tuple[dict[str, dict[str, str]], set[str]]:
        db = Database(settings.database_url)
        try:
            async with db.sessions() as session:
                return await dynamic_manifests(session), await recorded_keys(session)
        finally:
            await db.dispose()

    from ivr.video_page import with_video_page

    dynamic, recorded = run(_from_db())
    shipped = with_video_page(load_manifests(), settings.video_page_url)  # menu 9 speaks the page's address
    report = build_prompts(merged(shipped, dynamic), out, force=force, keep=recorded)
    typer.echo(str(report))


@dialplan_app.command("check")
@guarded
def dialplan_check(
    directory: Path = typer.Argument(Path(__file__).resolve().parent.parent / "dialplans", help="dialplan folder"),
    lint: bool = typer.Option(True, "--lint/--no-lint", help="also run asterisklint"),
) -> None:
    """Check the dialplan: targets, AGI scripts, prompts, filtered input; then asterisklint."""
    from ivr.dialplan_check import asterisklint_installed, check_dialplan, run_asterisklint

    if not directory.is_dir():
        raise CliError(f"no such folder: {directory}")
    problems = list(check_dialplan(directory))
    linted = lint and asterisklint_installed()
    if linted:
        problems += run_asterisklint(directory)
    for p in problems:
        typer.echo(str(p))
    if problems:
        fail(f"{len(problems)} problem(s) in {directory}")
    if lint and not linted:
        typer.echo("asterisklint is not installed: its part of the check was skipped "
                   "(pip install 'asterisklint-jjs==0.5.0', or run ./run.sh again)")
    typer.echo(f"dialplan OK: {directory}" + ("" if linted else " (without asterisklint)"))


from helpline.cli_campaign import campaign_app  # noqa: E402 - the sub-app needs the helpers above

app.add_typer(campaign_app, name="campaign")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

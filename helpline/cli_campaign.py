"""`helpline campaign create|import|edit|changes|start|pause|cancel|status`: campaigns from the shell.

Each command exits non-zero with a one-line reason on bad input.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer

campaign_app = typer.Typer(help="Outbound campaigns: scheme surveys and the standing feedback campaign.",
                           no_args_is_help=True)
T = TypeVar("T")


class CliError(Exception):
    """A one-line reason to stop with exit status 1 (shown by helpline.cli.guarded)."""


def guarded(func: Callable[..., T]) -> Callable[..., T]:
    """helpline.cli.guarded, looked up when the command runs (helpline.cli imports this module)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        from helpline import cli

        def call() -> T:
            try:
                return func(*args, **kwargs)
            except CliError as exc:
                raise cli.CliError(str(exc)) from None

        return cli.guarded(call)()

    return wrapper


def _with_db(work: Callable[[Any, Any], Awaitable[T]]) -> T:
    """Run `work(session, ctx)` in one transaction on the configured database."""
    from common.context import AppContext
    from helpline.cli import load_settings, run
    from storage.db import Database
    from storage.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)

    async def _go() -> T:
        db = Database(settings.database_url)
        ctx = AppContext.build(settings, db)
        try:
            async with db.session_scope() as session:
                return await work(session, ctx)
        finally:
            await db.dispose()

    return run(_go())


@campaign_app.command("create")
@guarded
def create(
    name: str,
    survey: Path | None = typer.Option(None, "--survey", help="JSON file: a list of questions "
                                       "{id, prompt_hi, prompt_en, digits: {digit: meaning}}"),
    message: Path | None = typer.Option(None, "--message", help="an announcement instead of a survey: JSON file "
                                        '{"hi": text, "en": text}'),
    confirm: Path | None = typer.Option(None, "--confirm", help="with --message: JSON file of the confirmation "
                                        "question {prompt_hi, prompt_en, digits} (the first digit confirms)"),
    window: str | None = typer.Option(None, "--window", help="calling window HH:MM-HH:MM (default HELPLINE_CALLING_WINDOW)"),
    days: str | None = typer.Option(None, "--days", help="calling days, e.g. mon,tue,wed,thu,fri,sat"),
    holidays: str | None = typer.Option(None, "--holidays", help="dates without calls, e.g. 2026-12-25,2027-01-26"),
    max_channels: int | None = typer.Option(None, "--max-channels"),
    calls_per_second: float | None = typer.Option(None, "--cps", help="calls started per second"),
    max_attempts: int | None = typer.Option(None, "--max-attempts"),
    retry: str | None = typer.Option(None, "--retry", help="minutes per outcome, e.g. no_answer=120,busy=30"),
    daily_cap: int | None = typer.Option(None, "--daily-cap", help="calls per number per day, over all campaigns"),
    schedule: str | None = typer.Option(None, "--schedule", help="start time, ISO 8601 with offset"),
) -> None:
    """Create a survey (--survey) or announcement (--message) campaign as a draft; its questions or
    message are spoken into HELPLINE_SOUNDS_DIR at once. Prints its id."""
    from dialer import admin
    from dialer.survey_prompts import campaign_manifest
    from grievance.service import utcnow
    from ivr.prompts import PromptError
    from storage.queries import campaign_admin as admin_q
    from storage.queries.prompts import recorded_prompts

    if (survey is None) == (message is None):
        raise CliError("give either --survey (a survey) or --message (an announcement)")
    if confirm is not None and message is None:
        raise CliError("--confirm goes with --message")
    data: dict[str, Any] = {"name": name, "window": window, "days": days, "holidays": holidays,
                            "max_channels": max_channels, "calls_per_second": calls_per_second,
                            "max_attempts": max_attempts, "retry_minutes": retry, "daily_cap": daily_cap,
                            "scheduled_at": schedule}
    if survey is not None:
        data["survey"] = _json_file(survey, "the survey")
    else:
        data.update(kind="announcement", message=_json_file(message, "the message"),
                    confirm=_json_file(confirm, "the confirmation question") if confirm else None)

    async def work(session: Any, ctx: Any) -> tuple[int, dict[str, dict[str, str]], set[tuple[str, str]], Any]:
        spec = admin.build_spec({k: v for k, v in data.items() if v is not None}, ctx.settings.calling_window)
        campaign = await admin.create_campaign(session, spec, "cli", utcnow())
        return campaign.id, campaign_manifest(campaign), await recorded_prompts(session), ctx.prompts

    campaign_id, manifest, recorded, renderer = _with_db(work)

    async def speak(session: Any, ctx: Any) -> None:  # after the commit: no write lock while espeak runs
        try:
            await renderer.render_all(manifest, recorded)
        except PromptError as exc:
            await admin_q.delete_draft(session, campaign_id)
            raise CliError(f"the campaign's prompts could not be spoken: {exc}") from None

    _with_db(speak)
    typer.echo(f"created campaign {campaign_id} (draft)")


def _json_file(path: Path | None, what: str) -> Any:
    assert path is not None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {what} {path}: {exc}") from None


@campaign_app.command("import")
@guarded
def import_contacts(campaign_id: int, csv_file: Path) -> None:
    """Add beneficiaries from a CSV (name, phone, district, scheme, any extra columns)."""
    from dialer import admin
    from grievance.service import utcnow

    try:
        data = csv_file.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {csv_file}: {exc.strerror}") from None

    async def work(session: Any, ctx: Any) -> admin.ImportReport:
        return await admin.import_contacts(session, campaign_id, data, utcnow())

    report = _with_db(work)
    typer.echo(f"campaign {campaign_id}: {report.data_rows} rows, {report.imported} imported, "
               f"{len(report.rejected)} rejected")
    for rejected in report.rejected:
        typer.echo(f"row {rejected.row}: {rejected.reason}")


def _move(campaign_id: int, move: str) -> None:
    from dialer import admin
    from grievance.service import utcnow

    async def work(session: Any, ctx: Any) -> str:
        return (await admin.change_state(session, campaign_id, move, utcnow())).state

    typer.echo(f"campaign {campaign_id}: {_with_db(work)}")


@campaign_app.command("start")
@guarded
def start(campaign_id: int) -> None:
    """Start (or resume) a campaign; one with a future --schedule becomes scheduled."""
    _move(campaign_id, "start")


@campaign_app.command("pause")
@guarded
def pause(campaign_id: int) -> None:
    """Pause a campaign: no new calls; calls in progress finish."""
    _move(campaign_id, "pause")


@campaign_app.command("cancel")
@guarded
def cancel(campaign_id: int) -> None:
    """Cancel a campaign: queued contacts are not called."""
    _move(campaign_id, "cancel")


@campaign_app.command("edit")
@guarded
def edit(
    campaign_id: int,
    name: str | None = typer.Option(None, "--name"),
    window: str | None = typer.Option(None, "--window", help="calling window HH:MM-HH:MM"),
    days: str | None = typer.Option(None, "--days", help="calling days, e.g. mon,tue,wed,thu,fri,sat"),
    holidays: str | None = typer.Option(None, "--holidays", help="the campaign's own dates without calls (replaces them)"),
    max_channels: int | None = typer.Option(None, "--max-channels"),
    calls_per_second: float | None = typer.Option(None, "--cps", help="calls started per second"),
    max_attempts: int | None = typer.Option(None, "--max-attempts"),
    retry: str | None = typer.Option(None, "--retry", help="minutes per outcome, e.g. no_answer=120,busy=30"),
    daily_cap: int | None = typer.Option(None, "--daily-cap"),
    schedule: str | None = typer.Option(None, "--schedule", help="a draft's start time, ISO 8601 with offset"),
    by: str = typer.Option("cli", "--by", help="who makes the change (kept in the audit log)"),
) -> None:
    """Change a campaign's rules (also the standing feedback campaign's); prints each change."""
    from dialer import edit as campaign_edit
    from grievance.service import utcnow

    changes = {k: v for k, v in {"name": name, "window": window, "days": days, "holidays": holidays,
                                 "max_channels": max_channels, "calls_per_second": calls_per_second,
                                 "max_attempts": max_attempts, "retry_minutes": retry, "daily_cap": daily_cap,
                                 "scheduled_at": schedule}.items() if v is not None}
    if not changes:
        raise CliError("nothing to change: give at least one option (see --help)")

    async def work(session: Any, ctx: Any) -> dict[str, Any] | None:
        _, change = await campaign_edit.edit_campaign(session, campaign_id, changes, by[:64], utcnow(), ctx.tz)
        return campaign_edit.change_json(change, ctx.tz) if change else None

    change = _with_db(work)
    if change is None:
        typer.echo(f"campaign {campaign_id}: unchanged")
        return
    for field, after in change["after"].items():
        typer.echo(f"campaign {campaign_id}: {field} {json.dumps(change['before'][field], ensure_ascii=False)}"
                   f" -> {json.dumps(after, ensure_ascii=False)}")


@campaign_app.command("changes")
@guarded
def changes(campaign_id: int) -> None:
    """The audit log of a campaign's rules: when, who, what before and after."""
    from dialer import edit as campaign_edit

    async def work(session: Any, ctx: Any) -> list[dict[str, Any]]:
        return await campaign_edit.history(session, campaign_id, ctx.tz)

    for change in _with_db(work):
        for field, after in change["after"].items():
            typer.echo(f"{change['at']} {change['by']}: {field} {json.dumps(change['before'][field], ensure_ascii=False)}"
                       f" -> {json.dumps(after, ensure_ascii=False)}")


@campaign_app.command("status")
@guarded
def status(campaign_id: int | None = typer.Argument(None, help="a campaign id; all campaigns when left out"),
           as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Progress of one campaign (or a line per campaign)."""
    from dialer import admin
    from storage.queries import campaign_admin as admin_q

    async def work(session: Any, ctx: Any) -> list[dict[str, Any]]:
        rows = [await admin.get_campaign(session, campaign_id)] if campaign_id is not None \
            else list(await admin_q.list_campaigns(session))
        return [{**admin.campaign_json(c, ctx.tz), "progress": await admin.progress(session, c)} for c in rows]

    items = _with_db(work)
    if as_json:
        typer.echo(json.dumps(items if campaign_id is None else items[0], ensure_ascii=False, indent=2))
        return
    for item in items:
        p = item["progress"]
        typer.echo(f"{item['id']} {item['name']} [{item['kind']}, {item['state']}] contacts {p['contacts']}: "
                   f"queued {p['queued']}, in progress {p['in_progress']}, completed {p['completed']}, "
                   f"failed {p['failed']}; dialled {p['dialled']}, answered {p['answered']}")
        if campaign_id is not None:
            for reason, n in sorted(p["failed_by_reason"].items()):
                typer.echo(f"  failed {reason}: {n}")
            for question, counts in sorted(p.get("answers", {}).items()):
                typer.echo(f"  {question}: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))

"""hours (inbound): are agents on duty, and is there an emergency message?

The argument names the queue (helpline-hi, helpline-en, helpline-video); without one it is
HELPLINE_QUEUE, else the queue of the caller's language. The argument `say` (the after-hours
menu) also tells the caller when HELPLINE_QUEUE's agents are back: "our representatives will be
available again on 7 December 2026 at 8 o'clock" (24-hour clock, in the caller's language). Sets HELPLINE_OPEN (1/0) from the
queue's service hours and the holiday calendar at the injected clock's time,
HELPLINE_CLOSED_REASON (holiday, hours, or empty) and HELPLINE_EMERGENCY (the emergency
prompt while a supervisor has it on, else empty). The dialplan decides from these, so hours,
holidays and the message change with no dialplan edit. Nothing is played here.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ivr import hours_admin, speech
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.common import FlowDeps, language, logger, p, play
from ivr.manifest import prompt_path

SAY = "say"
from ivr.scripts import QUEUES
from storage.queries import hours as hours_q


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    arg = channel.args[0].strip() if channel.args else ""
    say = arg == SAY
    queue = ("" if say else arg) or (await channel.get_variable(v.QUEUE) or "").strip()
    if queue not in QUEUES:
        queue = f"helpline-{language(channel)}"
    now = deps.clock()
    async with deps.db.sessions() as session:
        status = await hours_admin.queue_status(session, queue, now, deps.tz)
        emergency = await hours_q.emergency(session)
    reason = "" if status.open else "holiday" if status.holiday else "hours"
    prompt = prompt_path(hours_admin.EMERGENCY_PROMPT) if emergency is not None and emergency.active else ""
    await channel.set_variable(v.OPEN, "1" if status.open else "0")
    await channel.set_variable(v.CLOSED_REASON, reason)
    await channel.set_variable(v.EMERGENCY, prompt)
    if say and not status.open and status.next_change is not None:
        await play(channel, opening_prompts(status.next_change, deps.tz, language(channel)))
    logger.info("hours %s: %s %s%s", channel.uniqueid, queue, "open" if status.open else f"closed ({reason})",
                " emergency" if prompt else "")


def opening_prompts(at: datetime, tz: ZoneInfo, lang: str) -> list[str]:
    """"Available again on <date> at <hour> o'clock" (or "<hour> and <minutes> minutes")."""
    local = at.astimezone(tz)
    out = [p("hours-opens-before"), *speech.date_prompts(local.date(), lang), p("hours-opens-at"),
           *speech.number_prompts(local.hour, lang)]
    if local.minute:
        return [*out, p("hours-opens-and"), *speech.number_prompts(local.minute, lang), p("hours-opens-minutes")]
    return [*out, p("hours-opens-oclock")]

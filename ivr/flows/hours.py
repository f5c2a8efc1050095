"""hours (inbound): are agents on duty, and is there an emergency message?

The argument names the queue (helpline-hi, helpline-en, helpline-video); without one it is
HELPLINE_QUEUE, else the queue of the caller's language. Sets HELPLINE_OPEN (1/0) from the
queue's service hours and the holiday calendar at the injected clock's time,
HELPLINE_CLOSED_REASON (holiday, hours, or empty) and HELPLINE_EMERGENCY (the emergency
prompt while a supervisor has it on, else empty). The dialplan decides from these, so hours,
holidays and the message change with no dialplan edit. Nothing is played here.
"""
from __future__ import annotations

from ivr import hours_admin
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.common import FlowDeps, language, logger
from ivr.manifest import prompt_path
from ivr.scripts import QUEUES
from storage.queries import hours as hours_q


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    queue = (channel.args[0].strip() if channel.args else "") or (await channel.get_variable(v.QUEUE) or "").strip()
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
    logger.info("hours %s: %s %s%s", channel.uniqueid, queue, "open" if status.open else f"closed ({reason})",
                " emergency" if prompt else "")

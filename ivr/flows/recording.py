"""recording: the caller is about to wait in a queue; does that queue record its calls?

The argument is the queue (HELPLINE_QUEUE). When the administrator turned recording on for it
(Administration → Queues), the flow names the file, `YYYY/MM/DD/<uniqueid>.wav` under
HELPLINE_CALL_RECORDINGS_DIR (the caller's local date), and sets HELPLINE_CALL_RECORDING (that name,
for the CTI to put on the call's row) and HELPLINE_CALL_RECORDING_FILE (the same file as Asterisk sees
the folder). The dialplan then plays "this call may be recorded" and starts MixMonitor with
option `b` on the caller's channel, which records both sides while the caller is bridged to an
agent: not the wait, not the hold music. Recording off, an unknown queue, or no folder
configured: nothing is set and the caller hears nothing.
"""
from __future__ import annotations

from ivr import scripts
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.common import FlowDeps, logger
from recordings.files import name_for
from storage.queries import recordings as recording_q


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    queue = (channel.args[0] if channel.args else "").strip()
    if queue not in scripts.QUEUES or deps.recordings is None:
        logger.info("recording %s: queue %r is not an agent queue; not recorded", channel.uniqueid, queue[:64])
        return
    async with deps.db.sessions() as session:
        on = await recording_q.queue_records(session, queue)
    if not on:
        return
    name = name_for(deps.clock().astimezone(deps.tz).date(), channel.uniqueid)
    await channel.set_variable(v.CALL_RECORDING, name)
    await channel.set_variable(v.CALL_RECORDING_FILE, deps.recordings.pbx_path(name))
    logger.info("recording %s: queue %s records to %s", channel.uniqueid, queue, name)

"""video-ticket: a sign-language video call from the public page /video asks to join the queue.

The argument is the ticket the page got from Helpline (the dialplan passes the `X-Helpline-Ticket`
header, filtered). A valid, unexpired ticket sets HELPLINE_VIDEO_OK=1 and the dialplan queues the
caller in helpline-video; anything else leaves it unset and the call is refused.
"""
from __future__ import annotations

from common import video_tickets as video
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.common import FlowDeps, logger


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    ticket = (channel.args[0] if channel.args else "").strip()
    ok = bool(deps.secret_key) and video.valid(deps.secret_key, ticket, deps.clock().timestamp())
    if ok:
        await channel.set_variable(v.VIDEO_OK, "1")
    logger.info("video-ticket %s: %s", channel.uniqueid, "admitted" if ok else "refused (no valid ticket)")

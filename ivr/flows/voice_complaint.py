"""voice-complaint (after hours): the caller records a complaint for the agents of the morning.

Stores (or reuses) the caller's open callback request as kind `voicemail` with the name of the
recording to be made, `complaint-<request id>-<unix time>`, and sets HELPLINE_RECORDING to it
and HELPLINE_CALLBACK to the request's id; the dialplan then records
`${HELPLINE_RECORDINGS}/${HELPLINE_RECORDING}.wav` with Record(). The request is stored before
the recording, so a caller who hangs up while speaking is still called back. Agents find it in
the callbacks list with the recording to play (`GET /callbacks/{id}/recording`). Without a
usable caller id nothing is stored and both variables stay empty.
"""
from __future__ import annotations

from common.privacy import mask_phone
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.callback_request import request_callback
from ivr.flows.common import FlowDeps, caller_phone, language, logger

KIND = "voicemail"


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    await channel.set_variable(v.RECORDING, "")
    await channel.set_variable(v.CALLBACK, "")
    phone = caller_phone(channel)
    if phone is None:
        logger.warning("voice-complaint %s: no usable caller id (%s), nothing stored", channel.uniqueid,
                       mask_phone(channel.caller) or "unknown")
        return
    queue = (await channel.get_variable(v.QUEUE) or "")[:64] or f"helpline-{language(channel)}"
    linkedid = (await channel.get_variable("CHANNEL(linkedid)") or channel.uniqueid)[:64] or None
    now = deps.clock()
    async with deps.db.session_scope() as session:
        result = await request_callback(session, phone, language(channel), queue, linkedid, now, now)
        request = result.request
        request.kind = KIND
        request.recording = f"complaint-{request.id}-{int(now.timestamp())}"
        await session.flush()
        request_id, recording = request.id, request.recording
    await channel.set_variable(v.RECORDING, recording)
    await channel.set_variable(v.CALLBACK, str(request_id))
    logger.info("voice-complaint %s: caller %s request=%d recording=%s", channel.uniqueid, mask_phone(phone),
                request_id, recording)

"""caller-lookup: who is calling, before the language menu (every inbound call runs it).

Sets HELPLINE_CALLER_KNOWN (1/0), HELPLINE_OPEN_COMPLAINTS (open = not closed, over every
citizen on the number), HELPLINE_CITIZEN_LANG (the newest citizen's language for a known
caller, else the channel's, so the dialplan keeps it) and HELPLINE_CITIZEN_NAME when exactly
one citizen has the number. An anonymous, missing or non-Indian caller id is an unknown caller.
One database statement; the number is masked in the VERBOSE line and in logs.
"""
from __future__ import annotations

from common.privacy import mask_phone
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.common import FlowDeps, caller_phone, language, logger
from ivr.speech import LANGUAGES
from storage.queries import ivr_lookup


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    phone = caller_phone(channel)
    summary = None
    if phone is not None:
        async with deps.db.sessions() as session:
            summary = await ivr_lookup.caller_summary(session, phone)
    known = summary is not None and summary.citizens > 0
    open_complaints = summary.open_complaints if summary is not None else 0
    lang = language(channel)
    if known and summary is not None and summary.language in LANGUAGES:
        lang = summary.language
    masked = mask_phone(channel.caller) or "unknown"
    await channel.verbose(f"caller-lookup caller={masked} known={int(known)} open={open_complaints}")
    await channel.set_variable(v.CALLER_KNOWN, "1" if known else "0")
    await channel.set_variable(v.OPEN_COMPLAINTS, str(open_complaints))
    await channel.set_variable(v.CITIZEN_LANG, lang)
    if known and summary is not None and summary.citizens == 1 and summary.name:
        await channel.set_variable(v.CITIZEN_NAME, summary.name)
    logger.info("caller-lookup %s: caller %s known=%d open=%d lang=%s", channel.uniqueid, masked,
                known, open_complaints, lang)

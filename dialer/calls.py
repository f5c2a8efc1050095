"""Calls on Asterisk: one Originate per attempt and the AMI events that tell its outcome.

`Calls.place()` sends the Originate exactly as captured in ../shared/asterisk-traces
(`ami/originate-*.actions.txt`): the dial string with the national number, Context
helpline-feedback or helpline-survey, Exten s, Priority 1, CallerID "Helpline 1076" <1076>,
Timeout, Async, ChannelId = ActionID = the attempt's channel id, Variables HELPLINE_ATTEMPT,
HELPLINE_LANG and (feedback) HELPLINE_COMPLAINT_NO. It is sent once: the AMI client never
re-sends an action after a reconnect, and an unconfirmed Originate ends as `unknown`.
The events of the channel (matched by ChannelId, or ActionID for OriginateResponse) feed an
AttemptTrack until the outcome is known and the channel is gone.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from cti import events as ev
from cti.ami.errors import ActionFailed, AmiError
from dialer.outcomes import WATCHED, AttemptTrack
from dialer.prepare import Prepared
from grievance.phones import dial_digits

log = logging.getLogger(__name__)


class Ami(Protocol):
    """What the runner needs of cti.ami.AmiPool."""

    def subscribe(self, callback: Callable[[Any, Any], None],
                  events: Iterable[str] | None = None) -> None: ...
    def pick(self) -> Any: ...
    @property
    def any_connected(self) -> bool: ...


@dataclass(frozen=True)
class DialerConfig:
    dial_string: str = "PJSIP/{number}@trunk"
    feedback_context: str = "helpline-feedback"
    survey_context: str = "helpline-survey"
    caller_id: str = '"Helpline 1076" <1076>'
    ring_timeout_s: float = 30.0      # Originate Timeout
    response_grace_s: float = 10.0    # beyond the ring timeout, for OriginateResponse / Hangup
    result_grace_s: float = 3.0       # after an answered call's Hangup, for the AGI's result
    max_call_s: float = 1200.0        # an answered call without Hangup is over after this
    lease_s: float = 60.0
    campaign_lease_s: float = 15.0    # how long a runner's hold on a campaign lasts unrenewed
    idle_poll_s: float = 1.0          # how often an empty campaign is asked for due contacts again
    refresh_s: float = 1.0            # how often campaigns (state, rules) are reloaded
    recover_s: float = 10.0           # how often stranded leases and stale attempts are looked for
    prefetch_s: float = 1.0           # contacts claimed ahead, in seconds of the campaign's rate
    action_timeout_s: float = 10.0

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self.ring_timeout_s + self.response_grace_s + self.max_call_s + self.result_grace_s)


@dataclass
class _Live:
    track: AttemptTrack
    changed: asyncio.Event = field(default_factory=asyncio.Event)



class Calls:
    """The live originated calls of one runner, fed from the AMI pool's events."""

    def __init__(self, ami: Ami, config: DialerConfig) -> None:
        self.ami = ami
        self.config = config
        self.listening = False
        self._live: dict[str, _Live] = {}
        ami.subscribe(self._on_event, events=WATCHED)

    def forget(self, channel_id: str) -> None:
        self._live.pop(channel_id, None)

    def _on_event(self, client: Any, msg: Any) -> None:
        if not self.listening:
            return
        header = WATCHED.get(msg.event or "")
        if header is None:
            return
        live = self._live.get(msg.get(header) or "")
        if live is None and msg.event == "OriginateResponse":
            live = self._live.get(msg.get("ActionID") or "")
        if live is None:
            return
        event = ev.from_ami(msg)
        if event is not None:
            live.track.feed(event)
            live.changed.set()

    async def place(self, prepared: Prepared, phone: str, language: str, context: str,
                    on_queued: Callable[[], object]) -> tuple[str, int | None]:
        """Originate the attempt and wait for its outcome: (outcome, Q.850 cause or None)."""
        cfg = self.config
        live = _Live(AttemptTrack(prepared.channel_id))
        self._live[prepared.channel_id] = live
        variables: dict[str, object] = {"HELPLINE_ATTEMPT": prepared.attempt_id, "HELPLINE_LANG": language}
        if prepared.complaint_number:
            variables["HELPLINE_COMPLAINT_NO"] = prepared.complaint_number
        try:
            client = self.ami.pick()
            await client.send(
                "Originate", ActionID=prepared.channel_id,
                Channel=cfg.dial_string.replace("{number}", dial_digits(phone)),
                Context=context, Exten="s", Priority=1, CallerID=cfg.caller_id,
                Timeout=int(cfg.ring_timeout_s * 1000), Async="true", ChannelId=prepared.channel_id,
                variables=variables, timeout=cfg.action_timeout_s,
            )
        except ActionFailed as exc:
            log.warning("dialer: Originate of attempt %d refused: %s", prepared.attempt_id, exc.message)
            return "failed", None
        except AmiError as exc:
            log.warning("dialer: Originate of attempt %d not confirmed: %s", prepared.attempt_id, exc)
            return "unknown", None
        on_queued()
        return await self._outcome(live)

    async def _outcome(self, live: _Live) -> tuple[str, int | None]:
        cfg, track = self.config, live.track
        if not await _until(live, lambda: track.responded, cfg.ring_timeout_s + cfg.response_grace_s):
            return (track.outcome if track.hung_up else "unknown"), track.cause
        limit = cfg.max_call_s if track.answered else cfg.response_grace_s
        await _until(live, lambda: track.finished, limit)
        return track.outcome, track.cause


async def _until(live: _Live, done: Callable[[], bool], limit: float) -> bool:
    """Wait until `done()` (checked after each event of the call), at most `limit` seconds."""
    try:
        async with asyncio.timeout(limit):
            while not done():
                live.changed.clear()
                await live.changed.wait()
    except TimeoutError:
        return done()
    return True


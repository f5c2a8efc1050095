"""Pure call tracker: typed AMI events in, call changes out. No I/O, no clock.

A call is keyed by its Linkedid and starts with the `Newchannel` whose Uniqueid equals its
Linkedid (the caller's channel, or the dialer's originated channel); other channels with
that Linkedid (agents' legs) add to the same call. The call ends with the `Hangup` of that
first channel, whose Q.850 `Cause` is kept (`SoftHangupRequest`'s is not a Q.850 cause),
and is then forgotten: the tracker holds live calls only.

Outcomes are decided from what happened, not from one event: `QueueCallerAbandon` is also
sent on a queue timeout (then `QUEUESTATUS=TIMEOUT` follows on the still live channel), and
`FULL`/`JOINEMPTY` leave no queue event at all, only `QUEUESTATUS`.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from cti import events as ev
from cti.call_records import (  # noqa: F401 - re-exported: cti.calls is the tracker's public face
    ANSWERED_CHANGE,
    CallChange,
    CallRecord,
    ENDED,
    OUTBOUND,
    POD_TRUNK,
    TRANSFER_TO,
    QUEUED,
    RESYNCED,
    RINGING,
    RingAttempt,
    SHUTDOWN,
    _Call,
    _lost,
    _outcome,
    dialed_number,
    handed_over,
    handed_to,
    pod_dial_end,
    pod_ringing,
)


class CallTracker:
    """Live calls by Linkedid; `apply(event)` returns the changes it caused."""

    def __init__(self, outbound_contexts: Collection[str] = ()) -> None:
        self._calls: dict[str, _Call] = {}
        self.seq = 0  # events applied so far (see resync)
        self._outbound_contexts = frozenset(outbound_contexts)
        self._dispatch: dict[type, Callable[..., list[CallChange]]] = {
            ev.Newchannel: self._newchannel,
            ev.Newstate: self._newstate,
            ev.NewCallerid: self._newcallerid,
            ev.VarSet: self._varset,
            ev.Newexten: self._newexten,
            ev.DTMFEnd: self._dtmf,
            ev.QueueCallerJoin: self._join,
            ev.QueueCallerLeave: self._leave,
            ev.QueueCallerAbandon: self._abandon,
            ev.AgentCalled: self._agent_called,
            ev.AgentConnect: self._agent_connect,
            ev.AgentComplete: self._agent_complete,
            ev.AgentRingNoAnswer: self._agent_missed,
            ev.AgentDump: self._agent_missed,
            ev.DialBegin: self._dial_begin,
            ev.DialEnd: self._dial_end,
            ev.OriginateResponse: self._originate_response,
            ev.Hangup: self._hangup,
            ev.Shutdown: self._shutdown,
        }

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def get(self, call_id: str) -> CallRecord | None:
        call = self._calls.get(call_id)
        return call.record() if call is not None else None

    def live(self) -> list[CallRecord]:
        return [call.record() for call in self._calls.values()]

    def waiting(self) -> list[CallRecord]:
        """Calls waiting in a queue, longest wait first."""
        calls = [c for c in self._calls.values() if c.in_queue]
        calls.sort(key=lambda c: c.joined_at or 0.0)
        return [c.record() for c in calls]

    def apply(self, event: object) -> list[CallChange]:
        handler = self._dispatch.get(type(event))
        if handler is None:
            return []
        self.seq += 1
        return handler(event)

    # ------------------------------------------------------------ channels

    def _call(self, event: ev.ChannelEvent) -> _Call | None:
        call = self._calls.get(event.linkedid)
        if call is not None:
            call.last_seen, call.seen_seq = event.ts, self.seq
        return call

    def _primary(self, event: ev.ChannelEvent) -> _Call | None:
        """The call, when the event is about its first channel."""
        call = self._calls.get(event.linkedid)
        if call is None or call.uniqueid != event.uniqueid:
            return None
        call.last_seen, call.seen_seq = event.ts, self.seq
        return call

    def _newchannel(self, e: ev.Newchannel) -> list[CallChange]:
        if e.uniqueid == e.linkedid and e.linkedid not in self._calls:
            dialed = e.exten if e.exten not in ("", "s") else None
            self._calls[e.linkedid] = _Call(e.linkedid, e.channel, e.uniqueid, e.caller,
                                            dialed, e.ts, e.ts, seen_seq=self.seq)
        else:
            self._call(e)
        return []

    def _newstate(self, e: ev.Newstate) -> list[CallChange]:
        call = self._primary(e)
        if call is not None and e.state == 6:
            call.up = True
        return []

    def _newcallerid(self, e: ev.NewCallerid) -> list[CallChange]:
        call = self._primary(e)
        if call is not None and e.caller is not None:
            call.caller = e.caller
        return []

    def _varset(self, e: ev.VarSet) -> list[CallChange]:
        call = self._call(e)
        if call is None:
            return []
        name, value = e.variable, e.value
        if name.startswith("HELPLINE_"):
            call.variables[name] = value
            if name == "HELPLINE_LANG":
                call.language = value or None
            elif name == "HELPLINE_COMPLAINT_NO":
                call.complaint_no = value or None
            elif name in (POD_TRUNK, TRANSFER_TO) and e.uniqueid == call.uniqueid:
                # the desk moves the caller blind, to another pod or within this one
                # (cti.call_control): the agent whose leg ends next leaves a call that goes on, as
                # in a transfer; cleared when the PBX refused the move or the target did not answer
                if value:
                    call.complete_reason = "transfer"
                elif call.complete_reason == "transfer" and call.agent is not None:
                    call.complete_reason = None  # the desk's Redirect refused: the agent keeps the call
            elif name == "HELPLINE_ATTEMPT" and value:
                call.attempt = value
                call.direction = OUTBOUND
        elif e.uniqueid == call.uniqueid:
            if name == "QUEUESTATUS":
                call.queue_status = value or None
            elif name == "AGISTATUS":
                call.in_agi = False
            elif name == "DIALSTATUS" and value:
                call.dial_status = value
                if value != "ANSWER" and call.complete_reason == "transfer" and call.variables.get(TRANSFER_TO):
                    # the blind transfer did not reach its target (no DialEnd when nothing could
                    # be dialled): the moving agent has left, the queue's next agent answers
                    call.agent = None
        return []

    def _newexten(self, e: ev.Newexten) -> list[CallChange]:
        call = self._primary(e)
        if call is None:
            return []
        script = e.agi_script
        if script is not None:
            call.in_agi = True
            call.agi_scripts += (script,)
            call.steps.append(("agi", script))
        elif e.application == "Queue" and call.queue is None:
            call.queue = e.app_data.split(",", 1)[0] or None
        return []

    def _dtmf(self, e: ev.DTMFEnd) -> list[CallChange]:
        call = self._primary(e)
        # Menu choices only: not digits typed into an AGI (a complaint number) or in queue.
        if (call is not None and e.direction == "Received" and not call.in_agi
                and call.joined_at is None):
            call.menu_digits += (e.digit,)
            call.steps.append(("digit", e.digit))
        return []

    # ------------------------------------------------------------ queue

    def _join(self, e: ev.QueueCallerJoin) -> list[CallChange]:
        call = self._primary(e)
        if call is None:
            return []
        call.queue, call.joined_at, call.position, call.in_queue = e.queue, e.ts, e.position, True
        call.queue_status = None  # a second Queue() after a first exit: only its own exit counts
        return [CallChange(QUEUED, call.record(), e.ts)]

    def _leave(self, e: ev.QueueCallerLeave) -> list[CallChange]:
        call = self._primary(e)
        if call is not None:
            call.in_queue = False
        return []

    def _abandon(self, e: ev.QueueCallerAbandon) -> list[CallChange]:
        # A hang-up in queue or a timeout: the outcome waits for QUEUESTATUS or the Hangup.
        call = self._primary(e)
        if call is not None:
            call.in_queue = False
            call.wait_s = e.hold_time_s
        return []

    def _agent_called(self, e: ev.AgentCalled) -> list[CallChange]:
        call = self._call(e)
        if call is None:
            return []
        call.ringing_agent, call.ringing_at = e.interface, e.ts
        if call.agent is None:
            call.member_name = e.member_name
        waited = int(e.ts - call.joined_at) if call.joined_at is not None else 0
        return [CallChange(RINGING, call.record(), e.ts, e.interface, e.member_name,
                           max(waited, 0))]

    def _agent_connect(self, e: ev.AgentConnect) -> list[CallChange]:
        call = self._call(e)
        if call is None or (call.agent is not None and call.complete_reason != "transfer"):
            return []
        if call.agent is not None:  # the desk moved the caller to this queue: its first answer kept
            call.agent, call.member_name = e.interface, e.member_name
        else:
            call.agent, call.member_name, call.answered_at = e.interface, e.member_name, e.ts
            call.wait_s = e.hold_time_s
        call.ringing_agent = None
        if call.complete_reason == "transfer":  # moved to a queue, or back in it after a transfer nobody took
            call.complete_reason = None
        return [CallChange(ANSWERED_CHANGE, call.record(), e.ts, e.interface, e.member_name,
                           e.hold_time_s)]

    def _agent_complete(self, e: ev.AgentComplete) -> list[CallChange]:
        # No Linkedid (a caller gone within a second of AgentConnect): the call this interface
        # answered, known from the earlier AgentConnect.
        call = self._call(e) if e.linkedid else self._answered_by(e.interface)
        if call is not None:
            call.talk_s, call.complete_reason = e.talk_time_s, e.reason
        return []

    def _answered_by(self, interface: str) -> _Call | None:
        calls = [c for c in self._calls.values() if c.agent == interface and c.talk_s is None]
        return max(calls, key=lambda c: c.answered_at or 0.0) if calls else None

    def _agent_missed(self, e: ev.AgentRingNoAnswer | ev.AgentDump) -> list[CallChange]:
        call = self._call(e)
        if call is None:
            return []
        if isinstance(e, ev.AgentRingNoAnswer):
            attempt = RingAttempt(e.interface, e.member_name, e.ts, e.ring_time_ms, "no_answer")
        else:
            attempt = RingAttempt(e.interface, e.member_name, e.ts, None, "dump")
        call.ring_attempts += (attempt,)
        if call.ringing_agent == e.interface:
            call.ringing_agent = None
        return []

    # ------------------------------------------------------------ dialer

    def _dial_begin(self, e: ev.DialBegin) -> list[CallChange]:
        call = self._calls.get(e.linkedid)
        if call is not None and handed_over(call, e.uniqueid, e.dest_channel):
            return pod_ringing(call, e.ts, e.dest_channel)
        # An Originate dials the call's own first channel, with no calling channel.
        if call is not None and e.channel is None and e.dest_uniqueid == call.uniqueid:
            call.last_seen = e.ts
            call.direction = OUTBOUND
            if call.dialed is None and e.dial_string:
                call.dialed = dialed_number(e.dial_string)
        return []

    def _dial_end(self, e: ev.DialEnd) -> list[CallChange]:
        call = self._calls.get(e.linkedid)
        if call is not None and handed_over(call, e.uniqueid, e.dest_channel):
            return pod_dial_end(call, e.ts, e.dial_status)
        if (call is not None and e.dest_uniqueid == call.uniqueid and e.dial_status
                and call.dial_status is None):
            call.last_seen = e.ts
            call.dial_status = e.dial_status
        return []

    def _originate_response(self, e: ev.OriginateResponse) -> list[CallChange]:
        call = self._calls.get(e.uniqueid) if e.uniqueid else None
        if call is not None:
            call.last_seen = e.ts
            call.direction = OUTBOUND
            call.originate_action_id = e.action_id
            if e.reason == 4:
                call.up = True
        return []

    # ------------------------------------------------------------ the end

    def _hangup(self, e: ev.Hangup) -> list[CallChange]:
        call = self._primary(e)
        if call is None:
            return []
        call.hangup_cause, call.hangup_cause_txt = e.cause, e.cause_txt
        return self._finish(call, e.ts, _outcome(call))

    def _shutdown(self, e: ev.Shutdown) -> list[CallChange]:
        return [change for call in list(self._calls.values())
                for change in self._finish(call, e.ts, SHUTDOWN)]

    def _finish(self, call: _Call, at: float, outcome: str) -> list[CallChange]:
        del self._calls[call.id]
        call.ended_at, call.outcome, call.in_queue = at, outcome, False
        if call.answered_at is not None and call.talk_s is None:
            # answered, but no usable AgentComplete before the end: talk time from the connect
            call.talk_s = max(0, int(at - call.answered_at))
        call.ringing_agent = None
        return [CallChange(ENDED, call.record(), at, call.agent, call.member_name, call.wait_s)]

    def expire(self, now: float, max_age: float) -> list[CallChange]:
        """End calls with no event for `max_age` seconds (a Hangup lost in a reconnect).

        Choose `max_age` above the longest silent stretch of a call (a long talk sends none).
        """
        cutoff = now - max_age
        stale = [c for c in self._calls.values() if c.last_seen < cutoff]
        return [change for call in stale for change in self._finish(call, now, _lost(call))]

    def resync(self, channels: Iterable[ev.CoreShowChannel], entries: Iterable[ev.QueueEntry],
               now: float | None = None, asked_at_seq: int | None = None) -> list[CallChange]:
        """Rebuild live calls after a reconnect from CoreShowChannels and QueueStatus lists.

        Calls no longer listed end (`lost`, or `answered`) — unless live events touched them
        after the lists were asked for (`asked_at_seq`, from `seq`): the lists are older than
        those events. Listed calls not tracked yet are added (a `resynced` change); every
        listed call takes its queue place from the queue entries and an agent from a bridged
        agent leg, learnt while disconnected.
        """
        channels, entries = list(channels), list(entries)
        if now is None:
            now = max((item.ts for item in [*channels, *entries]), default=0.0) or max(
                (c.last_seen for c in self._calls.values()), default=0.0)
        by_call: dict[str, list[ev.CoreShowChannel]] = {}
        for item in channels:
            by_call.setdefault(item.linkedid, []).append(item)
        changes: list[CallChange] = []
        fresh = asked_at_seq if asked_at_seq is not None else self.seq + 1
        for call in [c for c in self._calls.values() if c.id not in by_call and c.seen_seq <= fresh]:
            changes += self._finish(call, now, _lost(call))
        added: list[_Call] = []
        for linkedid, items in by_call.items():
            call = self._calls.get(linkedid)
            if call is None:
                call = self._from_channels(linkedid, items, now)
                if call is None:
                    continue
                self._calls[linkedid] = call
                added.append(call)
            _agent_legs(call, items)
            call.in_queue = False
        to_call = {item.uniqueid: item.linkedid for item in channels}
        to_call.update((item.channel, item.linkedid) for item in channels)
        for entry in entries:
            call = self._calls.get(to_call.get(entry.uniqueid or "") or to_call.get(entry.channel)
                                   or "")
            if call is not None:
                call.queue, call.position, call.in_queue = entry.queue, entry.position, True
                if call.joined_at is None:
                    call.joined_at = now - entry.wait_s
        changes += [CallChange(RESYNCED, call.record(), now) for call in added]
        return changes

    def _from_channels(self, linkedid: str, items: list[ev.CoreShowChannel],
                       now: float) -> _Call | None:
        first = next((item for item in items if item.uniqueid == linkedid), None)
        if first is None:
            return None
        call = _Call(linkedid, first.channel, first.uniqueid, first.caller,
                     first.exten if first.exten not in ("", "s") else None,
                     now - first.duration_s, now)
        call.language, call.up = first.language, first.state == 6
        if first.context in self._outbound_contexts:
            call.direction = OUTBOUND
        return call


def _agent_legs(call: _Call, items: list[ev.CoreShowChannel]) -> None:
    """Agent legs of a Queue() call (application AppQueue): bridged with the caller means
    answered, else ringing."""
    first = next((item for item in items if item.uniqueid == call.uniqueid), None)
    bridge = first.bridge_id if first is not None else None
    call.ringing_agent = None
    for item in items:
        if item.application == "AppQueue":
            interface = item.channel.rsplit("-", 1)[0]
            if bridge and item.bridge_id == bridge:
                if call.agent is None:
                    call.agent = interface
            elif call.agent != interface:
                call.ringing_agent = interface

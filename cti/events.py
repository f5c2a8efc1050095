"""Typed AMI events: the few the CTI uses, as small frozen dataclasses.

`from_ami(msg)` maps an `AmiMessage` to one of the classes below, or None for events the
CTI ignores (a dict lookup on the event name, and a look at `Variable` for the many
`VarSet` events). Numbers become ints, `<unknown>` caller numbers become None, and every
event carries `ts`: the `Timestamp:` header when present, else the `now` given by the caller.
Units follow Asterisk and are named: `AgentRingNoAnswer.ring_time_ms` is milliseconds,
the other hold/ring/talk times are seconds.

Each class is declared with `@_event(NAME, *getters)`: one getter per field after `ts`, in
field order, each an expression reading headers by name (see cti.event_builders, which turns
them into one builder reading a headers dict and one reading the framer's text in place).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from cti.event_builders import Builder, Getter, RawBuilder, Slow, dict_builder, getter, named, raw_builder

if TYPE_CHECKING:
    from cti.ami.framing import AmiMessage

log = logging.getLogger(__name__)


#: VarSet variables kept besides every `HELPLINE_*` one.
VARIABLES = frozenset({"QUEUESTATUS", "AGISTATUS", "DIALSTATUS"})
#: Dialplan applications whose Newexten is kept (IVR path, requested queue).
APPLICATIONS = frozenset({"AGI", "Queue"})

_BUILDERS: dict[str, Builder] = {}
_RAW_BUILDERS: dict[str, RawBuilder] = {}
_frozen = dataclass(frozen=True, slots=True)


def _event(name: str, *getters: Getter) -> Callable[[type], type]:
    """Make `cls` a frozen slotted dataclass, the typed form of AMI event `name`."""
    def register(cls: type) -> type:
        cls = _frozen(cls)
        _BUILDERS[name] = dict_builder(cls, getters)
        _RAW_BUILDERS[name] = raw_builder(cls, getters)
        return cls
    return register


# Getters. A missing required header raises KeyError, a bad number ValueError: from_ami
# turns both into "skip this message".
def _req(name: str) -> Getter:
    return named("h[NAME]", name)


def _str(name: str) -> Getter:
    return named("h.get(NAME, '')", name)


def _opt(name: str) -> Getter:
    return named("(h.get(NAME) or None)", name)


def _int(name: str) -> Getter:
    return named("int(h.get(NAME) or 0)", name)


def _oint(name: str) -> Getter:
    return named("(int({v}) if ({v} := h.get(NAME)) else None)", name)


def _flag(name: str) -> Getter:
    return named("(h.get(NAME) == '1')", name)


def _known(name: str) -> Getter:
    """A value that Asterisk writes as `<unknown>` when it has none."""
    return named("(None if ({v} := h.get(NAME)) in (None, '', '<unknown>') else {v})", name)


def _hms(name: str) -> Getter:
    return named("hms(h.get(NAME))", name)


_CHANNEL = (_req("Channel"), _req("Uniqueid"), getter("(h.get('Linkedid') or h['Uniqueid'])"),
            _known("CallerIDNum"))


# ---------------------------------------------------------------- channel events

@_frozen
class ChannelEvent:
    """Fields every channel event has; `caller` is CallerIDNum (None if unknown)."""
    ts: float
    channel: str
    uniqueid: str
    linkedid: str
    caller: str | None


@_event("Newchannel", *_CHANNEL, _str("Context"), _str("Exten"), _int("ChannelState"))
class Newchannel(ChannelEvent):
    context: str
    exten: str
    state: int


@_event("Newstate", *_CHANNEL, _int("ChannelState"), _str("ChannelStateDesc"))
class Newstate(ChannelEvent):
    state: int  # 5 ringing, 6 up
    state_desc: str


@_event("NewCallerid", *_CHANNEL, _known("CallerIDName"))
class NewCallerid(ChannelEvent):
    caller_name: str | None


@_event("VarSet", *_CHANNEL, _req("Variable"), _str("Value"))
class VarSet(ChannelEvent):
    """Only `HELPLINE_*` and the variables in `VARIABLES`."""
    variable: str
    value: str


@_event("Newexten", *_CHANNEL, _str("Context"), getter("(h.get('Extension') or h.get('Exten', ''))"),
        _req("Application"), _str("AppData"))
class Newexten(ChannelEvent):
    """Only for the applications in `APPLICATIONS`."""
    context: str
    exten: str
    application: str
    app_data: str

    @property
    def agi_script(self) -> str | None:
        """`caller-lookup` for `agi://host:4573/caller-lookup,arg`."""
        if self.application != "AGI":
            return None
        return self.app_data.split(",", 1)[0].rsplit("/", 1)[-1] or None


@_event("DTMFEnd", *_CHANNEL, _req("Digit"), _int("DurationMs"), _str("Direction"))
class DTMFEnd(ChannelEvent):
    digit: str
    duration_ms: int
    direction: str  # Received | Sent


@_event("HangupRequest", *_CHANNEL, _oint("Cause"), _oint("TechCause"))
class HangupRequest(ChannelEvent):
    cause: int | None
    tech_cause: int | None


@_event("SoftHangupRequest", *_CHANNEL, _oint("Cause"))
class SoftHangupRequest(ChannelEvent):
    """`cause` is Asterisk's internal value, not a Q.850 cause: use Hangup's."""
    cause: int | None


@_event("Hangup", *_CHANNEL, _int("Cause"), _str("Cause-txt"), _oint("TechCause"))
class Hangup(ChannelEvent):
    cause: int  # Q.850
    cause_txt: str
    tech_cause: int | None


@_event("BridgeEnter", *_CHANNEL, _str("BridgeUniqueid"))
class BridgeEnter(ChannelEvent):
    bridge_id: str


@_event("BridgeLeave", *_CHANNEL, _str("BridgeUniqueid"))
class BridgeLeave(ChannelEvent):
    bridge_id: str


# ---------------------------------------------------------------- queue callers

@_event("QueueCallerJoin", *_CHANNEL, _req("Queue"), _int("Position"), _int("Count"))
class QueueCallerJoin(ChannelEvent):
    queue: str
    position: int
    count: int


@_event("QueueCallerLeave", *_CHANNEL, _req("Queue"), _int("Position"), _int("Count"))
class QueueCallerLeave(ChannelEvent):
    queue: str
    position: int
    count: int


@_event("QueueCallerAbandon", *_CHANNEL, _req("Queue"), _int("Position"),
        _int("OriginalPosition"), _int("HoldTime"))
class QueueCallerAbandon(ChannelEvent):
    """Also sent on a queue timeout, leave-when-empty and shutdown: see calls.py."""
    queue: str
    position: int
    original_position: int
    hold_time_s: int


# ---------------------------------------------------------------- agent (member) events

_AGENT = (*_CHANNEL, _req("Queue"), _req("Interface"), _opt("MemberName"), _opt("DestChannel"),
          _opt("DestUniqueid"))


@_frozen
class AgentEvent(ChannelEvent):
    """The channel fields are the caller's; `dest_*` the member's channel."""
    queue: str
    interface: str
    member_name: str | None
    dest_channel: str | None
    dest_uniqueid: str | None


@_event("AgentCalled", *_AGENT)
class AgentCalled(AgentEvent):
    pass


@_event("AgentConnect", *_AGENT, _int("HoldTime"), _int("RingTime"))
class AgentConnect(AgentEvent):
    hold_time_s: int
    ring_time_s: int


# A caller who hangs up within a second of AgentConnect: Asterisk 22 sends AgentComplete with
# `Interface`, `TalkTime: 0`, `Reason: caller` and no Channel/Uniqueid/Linkedid (seen under load,
# 720 SIPp calls). Those fields are then "" and the trackers fall back on the interface.
_AGENT_LOOSE = (_str("Channel"), _str("Uniqueid"), getter("(h.get('Linkedid') or h.get('Uniqueid') or '')"),
                _known("CallerIDNum"), _str("Queue"), _req("Interface"), _opt("MemberName"),
                _opt("DestChannel"), _opt("DestUniqueid"))


@_event("AgentComplete", *_AGENT_LOOSE, _int("HoldTime"), _int("TalkTime"), _str("Reason"))
class AgentComplete(AgentEvent):
    """`channel`, `uniqueid` and `linkedid` are "" when Asterisk left them out (see above)."""
    hold_time_s: int
    talk_time_s: int
    reason: str  # caller | agent | transfer


@_event("AgentRingNoAnswer", *_AGENT, _int("RingTime"))
class AgentRingNoAnswer(AgentEvent):
    ring_time_ms: int


@_event("AgentDump", *_AGENT)
class AgentDump(AgentEvent):
    pass


# ---------------------------------------------------------------- dial events

_DIAL = (getter("(h.get('Linkedid') or h.get('DestLinkedid') or h['DestUniqueid'])"),
         _opt("Channel"), _opt("Uniqueid"), _req("DestChannel"), _req("DestUniqueid"))


@_frozen
class DialEvent:
    """Dial of `dest_*` by `channel`; `channel` is None when an Originate dials."""
    ts: float
    linkedid: str
    channel: str | None
    uniqueid: str | None
    dest_channel: str
    dest_uniqueid: str


@_event("DialBegin", *_DIAL, _str("DialString"))
class DialBegin(DialEvent):
    dial_string: str


@_event("DialEnd", *_DIAL, _str("DialStatus"))
class DialEnd(DialEvent):
    dial_status: str  # ANSWER BUSY CONGESTION NOANSWER CHANUNAVAIL CANCEL ...


# ---------------------------------------------------------------- queue members

_MEMBER = (_flag("Paused"), _opt("PausedReason"), _int("Status"), _flag("InCall"),
           _int("CallsTaken"), _int("LastCall"), _int("Wrapuptime"))
_MEMBER_EVENT = (_req("Queue"), _req("Interface"), _opt("MemberName"), _str("Membership"),
                 *_MEMBER)


@_frozen
class MemberEvent:
    """A queue member's state. `status` is the device state (1 idle, 2 in use, 6 ringing)."""
    ts: float
    queue: str
    interface: str
    member_name: str | None
    membership: str
    paused: bool
    paused_reason: str | None
    status: int
    in_call: bool
    calls_taken: int
    last_call: int
    wrapuptime: int


@_event("QueueMemberAdded", *_MEMBER_EVENT)
class QueueMemberAdded(MemberEvent):
    pass


@_event("QueueMemberRemoved", *_MEMBER_EVENT)
class QueueMemberRemoved(MemberEvent):
    pass


@_event("QueueMemberPause", *_MEMBER_EVENT)
class QueueMemberPause(MemberEvent):
    pass


@_event("QueueMemberStatus", *_MEMBER_EVENT)
class QueueMemberStatus(MemberEvent):
    pass


@_event("QueueMember", _req("Queue"), _req("Location"), _opt("Name"), _str("Membership"),
        *_MEMBER, _opt("ActionID"))
class QueueMember(MemberEvent):
    """A QueueStatus list item (`Location`/`Name` on the wire)."""
    action_id: str | None


@_event("QueueParams", _req("Queue"), _str("Strategy"), _int("Calls"), _int("Holdtime"),
        _int("TalkTime"), _int("Completed"), _int("Abandoned"),
        getter("float(h.get('ServicelevelPerf') or 0.0)"), _opt("ActionID"))
class QueueParams:
    ts: float
    queue: str
    strategy: str
    calls: int
    hold_time_s: int
    talk_time_s: int
    completed: int
    abandoned: int
    service_level_perf: float
    action_id: str | None


@_event("QueueEntry", _req("Queue"), _int("Position"), _req("Channel"), _opt("Uniqueid"),
        getter("((None if ({v} := h.get('CallerIDNum')) in (None, '', '<unknown>') else {v})"
               " or (None if ({v} := h.get('CallerID')) in (None, '', '<unknown>') else {v}))"),
        _int("Wait"), _opt("ActionID"))
class QueueEntry:
    """A caller waiting in a queue (QueueStatus list item); `wait_s` so far."""
    ts: float
    queue: str
    position: int
    channel: str
    uniqueid: str | None
    caller: str | None
    wait_s: int
    action_id: str | None


@_event("CoreShowChannel", *_CHANNEL, _str("Context"), _str("Exten"), _int("ChannelState"),
        _opt("Language"), _str("Application"), _str("ApplicationData"), _hms("Duration"),
        _opt("BridgeId"), _opt("ActionID"))
class CoreShowChannel(ChannelEvent):
    """A live channel (CoreShowChannels list item); `duration_s` since it was created."""
    context: str
    exten: str
    state: int
    language: str | None
    application: str
    application_data: str
    duration_s: int
    bridge_id: str | None
    action_id: str | None


# ---------------------------------------------------------------- system

@_event("OriginateResponse", _opt("ActionID"), _str("Response"), _int("Reason"), _str("Channel"),
        _known("Uniqueid"), _str("Context"), _str("Exten"))
class OriginateResponse:
    """`uniqueid` is None for `<unknown>` (a failed originate without ChannelId)."""
    ts: float
    action_id: str | None
    response: str  # Success | Failure
    reason: int
    channel: str
    uniqueid: str | None
    context: str
    exten: str

    @property
    def success(self) -> bool:
        return self.response == "Success"


@_event("Shutdown", _str("Shutdown"), getter("(h.get('Restart', '').lower() in ('true', 'yes', '1'))"))
class Shutdown:
    ts: float
    shutdown: str
    restart: bool


@_event("FullyBooted", _oint("Uptime"))
class FullyBooted:
    ts: float
    uptime_s: int | None


Event = Union[
    Newchannel, Newstate, NewCallerid, VarSet, Newexten, DTMFEnd, HangupRequest,
    SoftHangupRequest, Hangup, BridgeEnter, BridgeLeave, QueueCallerJoin, QueueCallerLeave,
    QueueCallerAbandon, AgentCalled, AgentConnect, AgentComplete, AgentRingNoAnswer, AgentDump,
    DialBegin, DialEnd, QueueMemberAdded, QueueMemberRemoved, QueueMemberPause,
    QueueMemberStatus, QueueMember, QueueParams, QueueEntry, CoreShowChannel,
    OriginateResponse, Shutdown, FullyBooted,
]

#: The AMI event names `from_ami` can return something for.
EVENT_NAMES = frozenset(_BUILDERS)


#: Frequent events of which only a few matter: the header that decides, read in place.
_FILTERED = {"VarSet": "Variable", "Newexten": "Application"}
_MARKERS = {name: "\r\n" + key + ":" for name, key in _FILTERED.items()}
#: How a kept value starts on its line: a prefix, or a whole name and the line's CRLF.
_KEPT = {"VarSet": ("HELPLINE_", *(v + "\r\n" for v in sorted(VARIABLES))),
         "Newexten": tuple(a + "\r\n" for a in sorted(APPLICATIONS))}


#: For `AmiClient.subscribe(where=…)`: the VarSet and Newexten events the client may drop
#: before calling us, read in place (a value starting with none of these is never kept;
#: from_ami still decides exactly for those that pass).
KEPT_VALUES = {name: (key, tuple(sorted(v.rstrip("\r\n") for v in _KEPT[name])))
               for name, key in _FILTERED.items()}


def _wanted(name: str, value: str) -> bool:
    if name == "VarSet":
        return value.startswith("HELPLINE_") or value in VARIABLES
    return value in APPLICATIONS


def from_ami(msg: AmiMessage, now: float = 0.0) -> Event | None:
    """The typed event for an AMI message, or None (ignored event, response, bad values).

    `now` is used as `ts` when the message has no `Timestamp:` header (list items, or
    `timestampevents = no`). An event the CTI ignores is recognised by its first line, and a
    VarSet or Newexten by one header read in place. A kept event from the framer is read
    in place too (cti.event_builders), its headers split into a dict only if one of the lines
    it reads has an unusual shape.
    """
    raw = msg._raw  # the framer's text: its first line names the event (AmiMessage.event)
    if raw is not None and raw.startswith("Event: "):
        end = raw.find("\r\n")
        name: str | None = raw[7:end] if end >= 0 else raw[7:]
    else:
        raw = None
        name = msg.event
    build = _BUILDERS.get(name) if name else None
    if build is None:
        return None
    marker = _MARKERS.get(name)  # type: ignore[arg-type]
    if marker is not None:
        # The first line starting `Variable:` (`Application:`) is that header's first
        # occurrence; a `Name: value` line is judged in place (the value starts with a kept
        # prefix, or is a kept name followed by CRLF), anything else through the split.
        at = raw.find(marker) if raw is not None else -1
        if at >= 0 and raw.startswith(" ", at + len(marker)):  # type: ignore[union-attr]
            at += len(marker) + 1
            if not raw.startswith(_KEPT[name], at):  # type: ignore[union-attr, index]
                end = raw.find("\r\n", at)  # type: ignore[union-attr]
                if end >= 0 or not _wanted(name, raw[at:]):  # type: ignore[arg-type, index]
                    return None
        elif not _wanted(name, msg.get(_FILTERED[name]) or ""):  # type: ignore[arg-type, index]
            return None
    try:
        if raw is not None:
            try:
                return _RAW_BUILDERS[name](raw, now)  # type: ignore[index, return-value]
            except Slow:
                pass
        return build(msg.headers(), now)  # type: ignore[return-value]
    except (KeyError, ValueError) as exc:
        log.warning("AMI %s event skipped: bad or missing %s", name, exc)
        return None

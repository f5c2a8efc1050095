"""What the simulated helpline day (bench/helpline_day.py) is made of, apart from Helpline itself.

- `CallTemplate`: the AMI events of one captured call (`inbound-answered`,
  `agent-ring-no-answer`, `inbound-abandoned`, and the queue-timeout caller of `burst`), re-sent
  for any number of calls with fresh Uniqueids / Linkedids, channel names, bridge ids, caller
  number, agent and shifted Timestamps: every frame is a captured frame with values substituted.
- `DayAmi`: the fake manager (tests/fakes/ami_server.py) with flow control for bulk event
  streams, a count of the calls it started, and Originate outcomes decided per citizen by an
  `OutcomeScript`; an answered feedback call runs the real `feedback-call` FastAGI flow through
  the fake AGI peer before the call's hang-up frames are sent, as Asterisk would.
- `Plan` / `PLANS`: what happens to each complaint of the day (officer disposals, the outcome
  of every feedback call, the digit pressed) and the state it must end in.
- `SimClock`, the simulated time; `DayReport`, what was counted and what must match.
"""
from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from cti.ami.framing import AmiMessage
from tests.fakes.agi_peer import FakeAgiPeer
from tests.fakes.ami_server import FakeAmiServer, Session, capture, replaced

TZ = ZoneInfo("Asia/Kolkata")
TIMEOUT_CALLER = "919800000013"  # burst: waited the full 60 s, QUEUESTATUS=TIMEOUT
# kind -> (capture, the caller number of the call in it, the outcome the CTI must record)
TEMPLATES: dict[str, tuple[str, str | None, str]] = {
    "answered": ("inbound-answered", None, "answered"),
    "answered-second-agent": ("agent-ring-no-answer", None, "answered"),
    "abandoned": ("inbound-abandoned", None, "abandoned"),
    "timeout": ("burst", TIMEOUT_CALLER, "timeout"),
}
_AGENT = re.compile(r"^(?:PJSIP/)?agent(\d{4})(?:-[0-9a-f]{8})?$")


class CallTemplate:
    """One captured call, ready to be rendered with new values (see the module docstring)."""

    def __init__(self, kind: str) -> None:
        name, caller, self.outcome = TEMPLATES[kind]
        self.kind = kind
        messages = [m for m in capture(name) if m.event is not None]
        first = next(m for m in messages if m.event == "Newchannel" and m.get("Uniqueid") == m.get("Linkedid")
                     and (caller is None or m.get("CallerIDNum") == caller))
        linkedid = first.get("Linkedid")
        mine = {id(m) for m in messages if linkedid in (m.get("Linkedid"), m.get("DestLinkedid"))}
        bridges = {m.get("BridgeUniqueid") for m in messages if id(m) in mine and m.get("BridgeUniqueid")}
        events = [m for m in messages
                  if id(m) in mine or (m.get("BridgeUniqueid") in bridges and "Linkedid" not in m)]
        self.events = len(events)
        self.caller = first.get("CallerIDNum") or ""
        self.start = float(first.get("Timestamp") or 0)
        tokens: dict[str, tuple[str, object]] = {self.caller: ("caller", None)}
        agents: list[str] = []
        for msg in events:
            for key, value in msg.items:
                if key == "Timestamp":
                    tokens.setdefault(value, ("ts", float(value) - self.start))
                elif key.endswith(("Uniqueid", "Linkedid")) and key != "BridgeUniqueid" and value:
                    tokens.setdefault(value, ("uid", None))
                elif key == "BridgeUniqueid" and value:
                    tokens.setdefault(value, ("bridge", None))
                elif key in ("Channel", "DestChannel") and value:
                    tokens.setdefault(value, ("chan", None))
                match = _AGENT.match(value) if value else None
                if match and match.group(1) not in agents:
                    agents.append(match.group(1))
        for number in agents:
            tokens.setdefault(f"agent{number}", ("agent", agents.index(number)))
            tokens.setdefault(f"Agent {number}", ("Agent", agents.index(number)))
        self.agents = len(agents)
        self.keys = list(tokens)
        self.kinds = [tokens[k] for k in self.keys]
        index = {k: i for i, k in enumerate(self.keys)}
        pattern = re.compile("|".join(
            rf"(?<![0-9A-Za-z]){re.escape(k)}(?![0-9])" for k in sorted(self.keys, key=len, reverse=True)))
        self._parts: list[tuple[list[bytes], list[int]]] = []
        for msg in events:
            text = msg.to_bytes().decode("utf-8")
            lits: list[bytes] = []
            slots: list[int] = []
            pos = 0
            for m in pattern.finditer(text):
                lits.append(text[pos:m.start()].encode("utf-8"))
                slots.append(index[m.group()])
                pos = m.end()
            lits.append(text[pos:].encode("utf-8"))
            self._parts.append((lits, slots))

    def render(self, values: Sequence[bytes]) -> list[bytes]:
        """The call's frames with token i replaced by values[i]."""
        out: list[bytes] = []
        for lits, slots in self._parts:
            if not slots:
                out.append(lits[0])
                continue
            joined: list[bytes] = [b""] * (2 * len(slots) + 1)
            joined[0::2] = lits
            joined[1::2] = [values[i] for i in slots]
            out.append(b"".join(joined))
        return out


@lru_cache(maxsize=None)
def template(kind: str) -> CallTemplate:
    return CallTemplate(kind)


class CallMaker:
    """Fresh values for each call: Uniqueids `<epoch>.<n>`, channel and bridge ids from one counter."""

    def __init__(self, agents: int = 300) -> None:
        self.seq = itertools.count(1)
        self.agent_pool = agents
        self._agent = itertools.count()

    def values(self, tpl: CallTemplate, start: float, caller: str) -> list[bytes]:
        agents = [1001 + next(self._agent) % self.agent_pool for _ in range(tpl.agents)]
        out: list[bytes] = []
        for key, (kind, extra) in zip(tpl.keys, tpl.kinds):
            if kind == "ts":
                out.append(f"{start + extra:.6f}".encode())  # type: ignore[operator]
            elif kind == "uid":
                out.append(f"{int(start)}.{next(self.seq)}".encode())
            elif kind == "bridge":
                out.append(f"{next(self.seq):08x}-0000-4000-8000-000000000000".encode())
            elif kind == "chan":
                match = _AGENT.match(key)
                base = f"PJSIP/agent{agents[tpl_agent(tpl, match.group(1))]}" if match else key.rsplit("-", 1)[0]
                out.append(f"{base}-{next(self.seq):08x}".encode())
            elif kind == "caller":
                out.append(caller.encode())
            elif kind == "agent":
                out.append(f"agent{agents[extra]}".encode())  # type: ignore[index]
            else:
                out.append(f"Agent {agents[extra]}".encode())  # type: ignore[index]
        return out


def tpl_agent(tpl: CallTemplate, number: str) -> int:
    return tpl.kinds[tpl.keys.index(f"agent{number}")][1]  # type: ignore[return-value]


def interleave(calls: Iterable[list[bytes]]) -> bytes:
    """Frames of concurrent calls, each call's order kept, the calls' frames interleaved."""
    calls = list(calls)
    out: list[bytes] = []
    for step in itertools.zip_longest(*calls):
        out.extend(f for f in step if f is not None)
    return b"".join(out)


# -- feedback call outcomes --------------------------------------------------------------------


@dataclass
class OutcomeScript:
    """Originate outcomes per dialled number, in order, and the digit pressed on each answered
    call (None: nothing pressed). Unscripted calls are answered and get "1"."""

    outcomes: dict[str, list[str]] = field(default_factory=dict)
    digits: dict[str, list[str | None]] = field(default_factory=dict)
    dialled: int = 0

    def add(self, number: str, outcomes: Sequence[str], digits: Sequence[str | None]) -> None:
        self.outcomes.setdefault(number, []).extend(outcomes)
        self.digits.setdefault(number, []).extend(digits)

    def outcome(self, number: str) -> str:
        self.dialled += 1
        queue = self.outcomes.get(number)
        return queue.pop(0) if queue else "answered"

    def digit(self, number: str) -> str | None:
        queue = self.digits.get(number)
        return queue.pop(0) if queue else "1"


class DayAmi(FakeAmiServer):
    """FakeAmiServer for the day: see the module docstring. `agi` is the FastAGI server's
    (host, port) the answered feedback calls connect to."""

    def __init__(self, script: OutcomeScript, agi: tuple[str, int], **options: object) -> None:
        super().__init__(originate=self._decide, time_scale=1e-9, **options)  # type: ignore[arg-type]
        self.script = script
        self.peer = FakeAgiPeer(*agi, timeout=20.0)
        self.started_calls = 0
        self.agi_failures: list[str] = []
        self._numbers: dict[str, str] = {}

    def _decide(self, action: AmiMessage) -> str:
        number = (action.get("Channel") or "").split("/", 1)[-1].split("@", 1)[0]
        self._numbers[action.action_id or ""] = number
        return self.script.outcome(number)

    def emit(self, msg: AmiMessage | bytes) -> None:
        if isinstance(msg, AmiMessage) and msg.event == "Newchannel" and msg.get("Uniqueid") == msg.get("Linkedid"):
            self.started_calls += 1
        super().emit(msg)

    async def pump(self, data: bytes) -> None:
        """Send raw frames to every logged-in client and wait until the sockets took them."""
        sessions = [s for s in self.live_sessions if s.authenticated and s.events]
        for session in sessions:
            session.send(data)
        for session in sessions:
            if not session.closed:
                await session.writer.drain()

    async def _finish_originate(self, session: Session, events: list[AmiMessage], outcome: str,
                                aid: str | None, is_async: bool) -> None:
        number = self._numbers.pop(aid or "", "")
        if outcome != "answered":
            await super()._finish_originate(session, events, outcome, aid, is_async)
            return
        cut = next(i for i, m in enumerate(events) if m.event in ("HangupRequest", "SoftHangupRequest", "Hangup"))
        variables = {m.get("Variable"): m.get("Value") for m in events if m.event == "VarSet"}
        for msg in events[:cut]:
            self.emit(replaced(msg, Timestamp=self._stamp()))
        await self._answer_feedback(variables.get("HELPLINE_ATTEMPT") or "", number)
        for msg in events[cut:]:
            self.emit(replaced(msg, Timestamp=self._stamp()))
        self._originate_done(session, outcome, aid, is_async)

    async def _answer_feedback(self, attempt: str, number: str) -> None:
        digit = self.script.digit(number)
        started = time.perf_counter()
        try:
            await self.peer.call("feedback-call", args=[attempt], caller="1076",
                                 env={"calleridname": "Helpline 1076", "dnid": "unknown",
                                      "context": "helpline-feedback", "extension": "s", "priority": "3"},
                                 digits=[digit, digit, digit])
        except (OSError, TimeoutError) as exc:
            self.agi_failures.append(f"attempt {attempt}: {exc!r} after {time.perf_counter() - started:.1f} s")


# -- what happens to each complaint ------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Rounds of (officer disposal, feedback call outcomes, digits on answered calls)."""

    name: str
    share: int  # per hundred complaints
    rounds: tuple[tuple[tuple[str, ...], tuple[str | None, ...]], ...]
    final_state: str
    final_feedback: str | None

    @property
    def disposals(self) -> int:
        return len(self.rounds)


def _r(outcomes: str, digits: str = "") -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    return tuple(outcomes.split()), tuple(None if d == "-" else d for d in digits.split())


PLANS: tuple[Plan, ...] = (
    Plan("satisfied", 45, (_r("answered", "1"),), "closed", "satisfied"),
    Plan("busy, then satisfied", 10, (_r("busy answered", "1"),), "closed", "satisfied"),
    Plan("no answer, then satisfied", 5, (_r("no-answer answered", "1"),), "closed", "satisfied"),
    Plan("congestion, then satisfied", 3, (_r("congestion answered", "1"),), "closed", "satisfied"),
    Plan("nothing pressed, then satisfied", 3, (_r("answered answered", "- 1"),), "closed", "satisfied"),
    Plan("unreachable", 7, (_r("no-answer busy no-answer"),), "closed", "unreachable"),
    Plan("unregistered", 2, (_r("unregistered unregistered unregistered"),), "closed", "unreachable"),
    Plan("reopened, then satisfied", 10, (_r("answered", "2"), _r("answered", "1")), "closed", "satisfied"),
    Plan("escalated to L2", 5, (_r("answered", "2"), _r("answered", "2"), _r("answered", "2")),
         "closed", "dissatisfied"),
    Plan("reopened, officer still working", 3, (_r("answered", "2"),), "at_l1", "dissatisfied"),
    Plan("not disposed today", 7, (), "at_l1", None),
)
assert sum(p.share for p in PLANS) == 100


def plan_for(i: int) -> Plan:
    """The plan of the i-th complaint: the shares spread evenly over any number of complaints."""
    slot = (i * 37) % 100
    for plan in PLANS:
        if slot < plan.share:
            return plan
        slot -= plan.share
    raise AssertionError("shares add up to 100")


def expected_attempts(plans: Iterable[Plan]) -> dict[str, int]:
    """Originates by the dialer's outcome names, as the plans script them."""
    names = {"answered": "answered", "busy": "busy", "no-answer": "no_answer", "congestion": "congestion",
             "unregistered": "failed"}
    out: dict[str, int] = {}
    for plan in plans:
        for outcomes, _ in plan.rounds:
            for o in outcomes:
                out[names[o]] = out.get(names[o], 0) + 1
    return out


# -- the day's clock and its report ------------------------------------------------------------


class SimClock:
    """The simulated time every component reads (aware UTC datetimes, or epoch seconds)."""

    def __init__(self, start: datetime) -> None:
        self.at = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self.at

    def epoch(self) -> float:
        return self.at.timestamp()

    def local(self) -> datetime:
        return self.at.astimezone(TZ)


@dataclass
class DayReport:
    scale: float
    calls_inbound: int = 0
    calls_outbound: int = 0
    call_rows: int = 0
    rows_by_outcome: dict[str, int] = field(default_factory=dict)
    expected_inbound: dict[str, int] = field(default_factory=dict)
    complaints: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    expected_state: dict[str, int] = field(default_factory=dict)
    wrong_complaints: list[str] = field(default_factory=list)
    disposals: int = 0
    contacts: dict[str, int] = field(default_factory=dict)
    expected_contacts: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    expected_attempts: dict[str, int] = field(default_factory=dict)
    agi_checked: int = 0
    agi_wrong: int = 0
    agi_feedback_failures: list[str] = field(default_factory=list)
    sim_end: str = ""
    elapsed_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self) -> None:
        seen = self.calls_inbound + self.calls_outbound
        if seen != self.call_rows:
            self.problems.append(f"calls seen {seen} != calls rows {self.call_rows}")
        inbound = {k: v for k, v in self.rows_by_outcome.items() if not k.startswith("outbound:")}
        if inbound != self.expected_inbound:
            self.problems.append(f"inbound outcomes {inbound} != expected {self.expected_inbound}")
        if sum(self.by_state.values()) != self.complaints:
            self.problems.append(f"{self.complaints - sum(self.by_state.values())} complaints unaccounted for")
        if self.wrong_complaints:
            self.problems.append(f"{len(self.wrong_complaints)} complaints not in their planned state, "
                                 f"e.g. {self.wrong_complaints[:3]}")
        for name, got, want in (("feedback contacts", self.contacts, self.expected_contacts),
                                ("feedback attempts", self.attempts, self.expected_attempts)):
            if got != want:
                self.problems.append(f"{name} {got} != expected {want}")
        if self.agi_wrong or self.agi_feedback_failures:
            self.problems.append(f"FastAGI: {self.agi_wrong} wrong lookups, {len(self.agi_feedback_failures)} "
                                 f"feedback calls whose AGI session failed {self.agi_feedback_failures[:3]}")

    def lines(self) -> list[str]:
        c = self.contacts
        return [
            f"helpline day at scale {self.scale:g} (simulated until {self.sim_end})",
            f"calls seen {self.calls_inbound + self.calls_outbound} (inbound {self.calls_inbound}, "
            f"outbound {self.calls_outbound}) vs calls rows written {self.call_rows}",
            f"  rows by outcome: {dict(sorted(self.rows_by_outcome.items()))}",
            f"complaints registered {self.complaints} vs accounted for by state "
            f"{sum(self.by_state.values())}: {dict(sorted(self.by_state.items()))}; "
            f"not as planned {len(self.wrong_complaints)}; disposals {self.disposals}",
            f"feedback contacts completed {c.get('completed', 0)}, failed {c.get('failed', 0)}, "
            f"left queued {c.get('queued', 0)}, in progress {c.get('in_progress', 0)}",
            f"  attempts by outcome: {dict(sorted(self.attempts.items()))}",
            f"FastAGI lookups checked {self.agi_checked}, wrong {self.agi_wrong}; "
            f"feedback calls whose AGI session failed {len(self.agi_feedback_failures)}",
            f"elapsed {self.elapsed_s:.1f} s",
            "OK: everything accounted for" if self.ok else "FAILED: " + "; ".join(self.problems),
        ]

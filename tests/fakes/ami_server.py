"""A fake Asterisk 22 manager interface over a real TCP socket, built from the real captures.

Every frame it sends is a frame of `../shared/asterisk-traces/ami/*.txt` with only ids, names
and times substituted, so code tested against it sees what Asterisk sends. Three shapes no
capture holds follow Asterisk 22's source: `Shutdown`, `QueueEntry` and `CoreShowChannel`.

Use::

    async with FakeAmiServer(secret="s3cret", auth_fail_delay=0.05) as ami:
        client = AmiClient(ami.host, ami.port, "lab", "s3cret")   # or Settings(ami_urls=ami.url)
        ...
        msg = await ami.wait_for_action("QueueAdd")              # actions are recorded
        await ami.replay("inbound-answered")                    # a capture's events, fast
        await ami.restart()                                     # Shutdown, close, members gone

Constructor (all keyword): `username="lab"`, `secret="labsecret"`, `host="127.0.0.1"`,
`port=0` (any free port), `auth_fail_delay=1.0` (Asterisk's ≈1 s before refusing a login),
`originate` (an outcome name, or a callable `(action: AmiMessage) -> str` deciding each
Originate: one of ORIGINATE_OUTCOMES, or "invalid-channel" / "failed"; default "answered"),
`time_scale=0.0` (Originate event sequences: 0 = as fast as possible, 1 = the captured timing),
`queues=("helpline-hi", "helpline-en")`, `static_members={queue: [(interface, name)]}`,
`clock=time.time` (epoch for Timestamp / LoginTime values).

Behaviour, as captured: banner; Login (bad secret: wait, `Response: Error … Authentication
failed`, close; good: Success, FullyBooted, SuccessfulAuth); actions before Login get
`Permission denied`; Ping; QueueAdd / QueueRemove / QueuePause with the captured success and
error messages and events, members tracked; QueueStatus / QueueSummary / CoreShowChannels lists
(QueueStatus also lists waiting callers as QueueEntry, CoreShowChannels the live channels, both
tracked from every event the server sent); Originate (async and sync) replays
`originate-<outcome>.txt` with ActionID, ChannelId / Uniqueid, channel name, dial string and
`Variable`s substituted (busy with a ChannelId uses `originate-busy-channelid.txt`);
PJSIPShowContacts lists `register(endpoint)`ed phones as ContactList (`register` /
`unregister` also send ContactStatus; res_pjsip's shapes, no capture has them); Hangup,
Redirect (with ExtraChannel), Atxfer, CancelAtxfer, Setvar and Bridge answer Success with the
messages of Asterisk's manager.c, or `No such channel` for a channel the fake does not hold (no
capture has them; they send no events: a test replays what follows); an unknown action gets the
captured error and a RequestBadFormat event; Logoff: Goodbye, close.

Control (sync unless marked async):
- `await replay(name_or_bytes, time_scale=0.0) -> int`: the events of a capture
  (not its responses, nor FullyBooted / SuccessfulAuth) to every logged-in client; 0 = as fast
  as possible, 1 = the captured timing; returns how many were sent.
- `emit(msg: AmiMessage | bytes)`: one event to every logged-in client (tracked as below).
  Every captured time in an emitted message is moved to the present (`tests/fakes/stamps.py`):
  the capture's last moment becomes the fake's start time, the intervals are kept.
- `inject(data: bytes)`: raw bytes, untracked (garbage, oversize, truncated frames).
- `drop()`: close every connection at once, no Goodbye (a network failure).
- `silent = True`: read and record actions but answer nothing (a dead peer); False again to heal.
- `await restart(downtime=0.0)`: Asterisk restart: SoftHangupRequest for each live channel,
  QueueCallerAbandon / QueueCallerLeave for each waiting caller, `Event: Shutdown` with
  `Restart: True`, close without Goodbye, connections refused for `downtime` s, then accepting
  again with the dynamic members gone.
- `refuse[action] = message` (lower-case name): that action is answered `Response: Error` with the
  message until removed.
- `originate`, `time_scale`, `auth_fail_delay` may be changed at any time.

Records: `actions` (every action of every connection, AmiMessage, in order), `actions_named(name)`,
`sessions` (each with `received` raw bytes and its `actions`), `logins` (successful logins),
`restarts`, `members` (queue -> interface -> fields), `channels` (Uniqueid -> live channel),
`callers` (queue -> Uniqueid -> QueueCallerJoin). Channels and callers are tracked from every
event the server sends (Newchannel / Hangup, QueueCallerJoin / Leave, QueueMember*).
Waiting (async, with `timeout=5.0`): `wait_for_action(name, count=1) -> AmiMessage`,
`wait_for_logins(count)`, `wait_for_sessions(count)`.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable
from functools import lru_cache

from cti.ami.framing import AmiFramer, AmiMessage
from tests.fakes.stamps import Restamper
from tests.traces import ami as read_capture
from tests.traces import ami_actions as read_capture_actions

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
ORIGINATE_OUTCOMES = ("answered", "busy", "no-answer", "congestion", "unreachable", "unregistered")
LOGIN_EVENTS = ("FullyBooted", "SuccessfulAuth")
SNAPSHOT_FIRST, SNAPSHOT_LAST = "Channel", "Linkedid"


@lru_cache(maxsize=None)
def capture(name: str) -> tuple[AmiMessage, ...]:
    """Every message of ami/NAME.txt."""
    return tuple(AmiFramer().feed(read_capture(name)))


@lru_cache(maxsize=None)
def capture_actions(name: str) -> tuple[AmiMessage, ...]:
    return tuple(AmiFramer().feed(read_capture_actions(name)))


def frame(name: str, where: Callable[[AmiMessage], bool]) -> AmiMessage:
    """The first message of capture NAME that matches `where`."""
    return next(m for m in capture(name) if where(m))


def event_of(name: str, event: str, **match: str) -> AmiMessage:
    return frame(name, lambda m: m.event == event and all(m.get(k) == v for k, v in match.items()))


def response_of(name: str, action_id: str) -> AmiMessage:
    return frame(name, lambda m: m.response is not None and m.event is None and m.action_id == action_id)


def replaced(msg: AmiMessage, **values: object) -> AmiMessage:
    """A copy with the values of existing headers replaced (every occurrence)."""
    return AmiMessage([(k, str(values[k]) if k in values else v) for k, v in msg.items])


class Session:
    """One client connection as the fake sees it."""

    def __init__(self, number: int, writer: asyncio.StreamWriter) -> None:
        self.number = number
        self.writer = writer
        self.received = bytearray()
        self.actions: list[AmiMessage] = []
        self.authenticated = False
        self.events = True
        self.closed = False

    def send(self, data: bytes) -> None:
        if not self.closed and not self.writer.is_closing():
            self.writer.write(data)

    def close(self, abort: bool = False) -> None:
        self.closed = True
        if abort:
            self.writer.transport.abort()
        else:
            self.writer.close()


class FakeAmiServer:
    """See the module docstring."""

    def __init__(
        self,
        *,
        username: str = "lab",
        secret: str = "labsecret",
        host: str = "127.0.0.1",
        port: int = 0,
        auth_fail_delay: float = 1.0,
        originate: str | Callable[[AmiMessage], str] = "answered",
        time_scale: float = 0.0,
        queues: Iterable[str] = ("helpline-hi", "helpline-en"),
        static_members: dict[str, list[tuple[str, str]]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.username, self.secret = username, secret
        self.host, self.port = host, port
        self.auth_fail_delay = auth_fail_delay
        self.originate = originate
        self.time_scale = time_scale
        self.clock = clock
        self.silent = False
        self.actions: list[AmiMessage] = []
        self.sessions: list[Session] = []
        self.logins = 0
        self.restarts = 0
        self.queues: dict[str, dict[str, dict[str, str]]] = {q: {} for q in queues}
        self._static = static_members or {}
        self.channels: dict[str, dict] = {}
        self.callers: dict[str, dict[str, AmiMessage]] = {q: {} for q in self.queues}
        self.contacts: dict[str, str] = {}  # PJSIP endpoint -> contact URI of its registered phone
        # A real Asterisk takes logins while still loading modules: its next `booting` actions
        # among `booting_actions` are answered "Invalid/unknown command" (seen after a restart).
        self.booting = 0
        self.booting_actions = frozenset({"queuestatus"})
        # Actions Asterisk refuses from now on: lower-case name -> its error message (a Redirect
        # of a channel leaving a bridge is answered "Redirect failed", manager.c).
        self.refuse: dict[str, str] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._seq = itertools.count(1)
        self._booted = clock()
        self.restamp = Restamper(clock())  # captured times -> the present, on every emit
        self._reset_members()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeAmiServer:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in self.live_sessions:
            session.close(abort=True)
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeAmiServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """`ami://user:secret@host:port`, as HELPLINE_AMI_URLS takes it."""
        return f"ami://{self.username}:{self.secret}@{self.host}:{self.port}"

    @property
    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions if not s.closed]

    @property
    def members(self) -> dict[str, dict[str, dict[str, str]]]:
        """queue -> interface -> the member's QueueMemberAdded-style fields."""
        return self.queues

    # -- waiting helpers -----------------------------------------------------------------

    async def _until(self, check: Callable[[], object], timeout: float, what: str):
        try:
            async with asyncio.timeout(timeout):
                while not (result := check()):
                    await asyncio.sleep(0.005)
        except TimeoutError:
            raise TimeoutError(f"fake AMI server: no {what} after {timeout} s") from None
        return result

    async def wait_for_action(self, name: str, count: int = 1, timeout: float = 5.0) -> AmiMessage:
        """The `count`-th action named `name` received (waits for it)."""
        def check():
            found = [a for a in self.actions if (a.get("Action") or "").lower() == name.lower()]
            return found[count - 1] if len(found) >= count else None
        return await self._until(check, timeout, f"action {name}")

    async def wait_for_logins(self, count: int = 1, timeout: float = 5.0) -> None:
        await self._until(lambda: self.logins >= count, timeout, "logins")

    async def wait_for_sessions(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until `count` connections were accepted in total."""
        await self._until(lambda: len(self.sessions) >= count, timeout, "sessions")

    def actions_named(self, name: str) -> list[AmiMessage]:
        return [a for a in self.actions if (a.get("Action") or "").lower() == name.lower()]

    # -- sending -------------------------------------------------------------------------

    def _stamp(self) -> str:
        return f"{self.clock():.6f}"

    def emit(self, msg: AmiMessage | bytes) -> None:
        """Send one event to every logged-in client with events on, and track it.

        Captured times are moved to the present (`tests/fakes/stamps.py`), as a live Asterisk
        would stamp them; raw bytes are sent as they are."""
        if isinstance(msg, AmiMessage):
            msg = self.restamp(msg)
            self._track(msg)
            data = msg.to_bytes()
        else:
            data = msg
        for session in self.live_sessions:
            if session.authenticated and session.events:
                session.send(data)

    def inject(self, data: bytes) -> None:
        """Raw bytes to every logged-in client, untracked: garbage, oversize, half frames."""
        for session in self.live_sessions:
            if session.authenticated:
                session.send(data)

    async def replay(self, source: str | bytes, *, time_scale: float = 0.0) -> int:
        """Send the events of a capture (name or raw bytes); returns how many were sent.

        Their times are moved to the present like every emitted event's (see `emit`).
        """
        messages = capture(source) if isinstance(source, str) else tuple(AmiFramer().feed(source))
        events = [m for m in messages if m.event is not None and m.event not in LOGIN_EVENTS]
        await self._play(events, time_scale)
        return len(events)

    async def _play(self, events: list[AmiMessage], time_scale: float) -> None:
        previous: float | None = None
        for msg in events:
            stamp = msg.get("Timestamp")
            if time_scale > 0 and stamp is not None:
                if previous is not None and float(stamp) > previous:
                    await asyncio.sleep((float(stamp) - previous) * time_scale)
                previous = float(stamp)
            self.emit(msg)
        await asyncio.sleep(0)

    def drop(self) -> None:
        """Close every connection abruptly (no Goodbye), as a network failure would."""
        for session in self.live_sessions:
            session.close(abort=True)

    async def restart(self, downtime: float = 0.0) -> None:
        """Asterisk restart as the AMI sees it; connections are refused for `downtime` s."""
        soft = event_of("inbound-abandoned", "SoftHangupRequest")
        for channel in list(self.channels.values()):
            self.emit(AmiMessage([*soft.items[:2], ("Timestamp", self._stamp()), *channel["snapshot"],
                                  ("Cause", "4")]))
        for queue, callers in self.callers.items():
            for caller in list(callers.values()):
                self._emit_caller_gone(queue, caller)
        self.emit(AmiMessage([("Event", "Shutdown"), ("Privilege", "system,all"),
                              ("Timestamp", self._stamp()),
                              ("Shutdown", "Uncleanly" if self.channels else "Cleanly"),
                              ("Restart", "True")]))
        await asyncio.sleep(0.01)
        if self._server is not None:
            self._server.close()
        for session in self.live_sessions:
            session.close(abort=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        self.channels.clear()
        self.callers = {q: {} for q in self.queues}
        self._reset_members()
        self.restarts += 1
        if downtime:
            await asyncio.sleep(downtime)
        self._booted = self.clock()
        await self.start()

    def _emit_caller_gone(self, queue: str, caller: AmiMessage) -> None:
        abandon = event_of("inbound-abandoned", "QueueCallerAbandon")
        leave = event_of("inbound-abandoned", "QueueCallerLeave")
        snapshot = _snapshot(caller)
        position = caller.get("Position", "1")
        head = [("Event", abandon.event), ("Privilege", "agent,all"), ("Timestamp", self._stamp())]
        self.emit(AmiMessage([*head, *snapshot, ("Queue", queue), ("Position", position),
                              ("OriginalPosition", position), ("HoldTime", "0")]))
        self.emit(AmiMessage([("Event", leave.event), *head[1:], *snapshot, ("Queue", queue),
                              ("Position", position), ("Count", str(len(self.callers[queue]) - 1))]))

    # -- connections -----------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(len(self.sessions) + 1, writer)
        self.sessions.append(session)
        framer = AmiFramer()
        try:
            session.send(BANNER)
            while not session.closed:
                data = await reader.read(65536)
                if not data:
                    break
                session.received += data
                for action in framer.feed(data):
                    session.actions.append(action)
                    self.actions.append(action)
                    if not self.silent:
                        await self._answer(session, action)
                    if session.closed:
                        break
        except ConnectionError:
            pass
        finally:
            session.close()

    async def _answer(self, session: Session, action: AmiMessage) -> None:
        name = (action.get("Action") or "").lower()
        aid = action.action_id
        if name == "login":
            await self._login(session, action)
        elif name == "logoff":
            self._reply(session, response_of("login-ok", "login-ok-2"), aid)
            session.close()
        elif not session.authenticated:
            self._error(session, aid, "Permission denied")
        elif not name:
            self._error(session, aid, "Missing action in request")
        elif name in self.refuse:
            self._error(session, aid, self.refuse[name])
        elif self.booting > 0 and name in self.booting_actions:
            self.booting -= 1
            self._unknown(session, action, aid)
        elif handler := getattr(self, f"_action_{name}", None):
            handler(session, action, aid)
        else:
            self._unknown(session, action, aid)

    def _reply(self, session: Session, template: AmiMessage, aid: str | None, **values: object) -> None:
        items = [(k, str(values[k]) if k in values else v) for k, v in template.items
                 if k != "ActionID" or aid is not None]
        session.send(replaced(AmiMessage(items), ActionID=aid).to_bytes())

    def _error(self, session: Session, aid: str | None, message: str) -> None:
        self._reply(session, response_of("queue-admin", "queue-admin-10"), aid, Message=message)

    def _success(self, session: Session, aid: str | None, message: str) -> None:
        self._reply(session, response_of("queue-admin", "queue-admin-2"), aid, Message=message)

    async def _login(self, session: Session, action: AmiMessage) -> None:
        aid = action.action_id
        if action.get("Username") != self.username or action.get("Secret") != self.secret:
            await asyncio.sleep(self.auth_fail_delay)
            self._reply(session, response_of("login-bad-secret", "login-bad-1"), aid)
            session.close()
            return
        session.authenticated = True
        session.events = (action.get("Events") or "on").lower() != "off"
        self.logins += 1
        self._reply(session, response_of("login-ok", "login-ok-1"), aid)
        if session.events:
            uptime = str(int(self.clock() - self._booted))
            session.send(replaced(event_of("login-ok", "FullyBooted"), Uptime=uptime, LastReload=uptime).to_bytes())
            local = session.writer.get_extra_info("sockname")
            peer = session.writer.get_extra_info("peername")
            auth = replaced(event_of("login-ok", "SuccessfulAuth"), Timestamp=self._stamp(), AccountID=self.username,
                            SessionID=f"0x{id(session):x}", LocalAddress=f"IPV4/TCP/{local[0]}/{local[1]}",
                            RemoteAddress=f"IPV4/TCP/{peer[0]}/{peer[1]}")
            session.send(auth.to_bytes())

    def _unknown(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._reply(session, response_of("queue-admin", "queue-admin-13"), aid,
                    Message=f"Invalid/unknown command: {action.get('Action')}. "
                            "Use Action: ListCommands to show available commands.")
        peer = session.writer.get_extra_info("peername")
        self.emit(replaced(event_of("queue-admin", "RequestBadFormat"), Timestamp=self._stamp(),
                           SessionID=f"0x{id(session):x}", RemoteAddress=f"IPV4/TCP/{peer[0]}/{peer[1]}",
                           RequestType=f"Action: {action.get('Action')}", AccountID=self.username))

    def _action_ping(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._reply(session, response_of("ping", "ping-2"), aid, Timestamp=self._stamp())

    # -- queues ------------------------------------------------------------------------------

    def _reset_members(self) -> None:
        for queue in self.queues:
            self.queues[queue] = {}
            for interface, name in self._static.get(queue, []):
                self.queues[queue][interface] = self._member_fields(interface, name, "static", "0", "false", "")

    def _member_fields(self, interface: str, name: str | None, membership: str, penalty: str,
                       paused: str, reason: str) -> dict[str, str]:
        now = str(int(self.clock()))
        return {"MemberName": name or interface, "Interface": interface, "StateInterface": interface,
                "Membership": membership, "Penalty": penalty or "0", "CallsTaken": "0", "LastCall": "0",
                "LastPause": now if _truthy(paused) else "0", "LoginTime": now, "InCall": "0", "Status": "1",
                "Paused": "1" if _truthy(paused) else "0", "PausedReason": reason if _truthy(paused) else "",
                "Ringinuse": "0", "Wrapuptime": "0"}

    def _member_event(self, event: str, queue: str, member: dict[str, str]) -> AmiMessage:
        template = event_of("queue-admin", event)
        return replaced(template, Timestamp=self._stamp(), Queue=queue, **member)

    def _device(self, device: str, state: str) -> AmiMessage:
        return replaced(event_of("queue-admin", "DeviceStateChange"), Timestamp=self._stamp(),
                        Device=device, State=state)

    def _avail(self, queue: str) -> str:
        free = any(m["Paused"] == "0" for m in self.queues[queue].values())
        return "NOT_INUSE" if free else "INUSE"

    def _action_queueadd(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        queue, interface = action.get("Queue"), action.get("Interface")
        if not queue or not interface:
            return self._error(session, aid, "'Queue' and 'Interface' not specified.")
        if queue not in self.queues:
            return self._error(session, aid, "Unable to add interface to queue: No such queue")
        if interface in self.queues[queue]:
            return self._error(session, aid, "Unable to add interface: Already there")
        before = self._avail(queue)
        member = self._member_fields(interface, action.get("MemberName"), "dynamic", action.get("Penalty", "0"),
                                     action.get("Paused", "false"), action.get("Reason", ""))
        if action.get("StateInterface"):
            member["StateInterface"] = action.get("StateInterface")
        self._success(session, aid, "Added interface to queue")
        self.emit(self._device(f"Queue:{queue}_pause_{interface}", "INUSE" if member["Paused"] == "1" else "NOT_INUSE"))
        self.emit(self._member_event("QueueMemberAdded", queue, member))
        if self._avail(queue) != before:
            self.emit(self._device(f"Queue:{queue}_avail", self._avail(queue)))

    def _action_queueremove(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        queue, interface = action.get("Queue"), action.get("Interface")
        if not queue or not interface:
            return self._error(session, aid, "'Queue' and 'Interface' not specified.")
        if queue not in self.queues:
            return self._error(session, aid, "Unable to remove interface from queue: No such queue")
        member = self.queues[queue].get(interface)
        if member is None:
            return self._error(session, aid, "Unable to remove interface: Not there")
        if member["Membership"] != "dynamic":
            return self._error(session, aid, "Member not dynamic")
        before = self._avail(queue)
        self._success(session, aid, "Removed interface from queue")
        self.emit(self._member_event("QueueMemberRemoved", queue, member))
        if self._avail(queue) != before:
            self.emit(self._device(f"Queue:{queue}_avail", self._avail(queue)))

    def _action_queuepause(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        interface, paused = action.get("Interface"), action.get("Paused")
        if not interface or paused is None:
            return self._error(session, aid, "Need 'Interface' and 'Paused' headers.")
        queues = [action.get("Queue")] if action.get("Queue") else list(self.queues)
        targets = [(q, self.queues[q][interface]) for q in queues if interface in self.queues.get(q, {})]
        if not targets:
            return self._error(session, aid, "Interface not found")
        on = _truthy(paused)
        self._success(session, aid, "Interface paused successfully" if on else "Interface unpaused successfully")
        for queue, member in targets:
            before = self._avail(queue)
            member.update(Paused="1" if on else "0", PausedReason=action.get("Reason", "") if on else "")
            if on:
                member["LastPause"] = str(int(self.clock()))
            self.emit(self._device(f"Queue:{queue}_pause_{interface}", "INUSE" if on else "NOT_INUSE"))
            if self._avail(queue) != before:
                self.emit(self._device(f"Queue:{queue}_avail", self._avail(queue)))
            self.emit(self._member_event("QueueMemberPause", queue, member))

    def _list(self, session: Session, aid: str | None, message: str, items: list[AmiMessage], complete: str) -> None:
        start = response_of("queue-admin", "queue-admin-5")
        self._reply(session, start, aid, Message=message)
        for item in items:
            session.send(item.to_bytes())
        done = [("Event", complete), ("ActionID", aid), ("EventList", "Complete"), ("ListItems", str(len(items)))]
        session.send(AmiMessage([(k, v) for k, v in done if v is not None]).to_bytes())

    def _action_queuestatus(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        wanted = action.get("Queue")
        params = event_of("queue-admin", "QueueParams")
        member_t = event_of("queue-admin", "QueueMember")
        items: list[AmiMessage] = []
        for queue, members in self.queues.items():
            if wanted and queue != wanted:
                continue
            items.append(replaced(params, Queue=queue, Calls=len(self.callers[queue]), ActionID=aid))
            for m in members.values():
                items.append(replaced(member_t, Queue=queue, Name=m["MemberName"], Location=m["Interface"],
                                      ActionID=aid, **{k: v for k, v in m.items() if k in member_t}))
            for position, caller in enumerate(self.callers[queue].values(), 1):
                items.append(_queue_entry(queue, position, caller, self.clock(), aid))
        self._list(session, aid, "Queue status will follow", _drop_none_ids(items, aid), "QueueStatusComplete")

    def _action_queuesummary(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        wanted = action.get("Queue")
        template = event_of("queue-admin", "QueueSummary")
        items = []
        for queue, members in self.queues.items():
            if wanted and queue != wanted:
                continue
            free = sum(1 for m in members.values() if m["Paused"] == "0" and m["InCall"] == "0")
            items.append(replaced(template, Queue=queue, LoggedIn=len(members), Available=free,
                                  Callers=len(self.callers[queue]), ActionID=aid))
        self._list(session, aid, "Queue summary will follow", _drop_none_ids(items, aid), "QueueSummaryComplete")

    def _action_coreshowchannels(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        items = []
        for channel in self.channels.values():
            seconds = int(self.clock() - channel["created"])
            duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            head = [("Event", "CoreShowChannel")] + ([("ActionID", aid)] if aid is not None else [])
            items.append(AmiMessage([*head, *channel["snapshot"], ("Application", channel["app"]),
                                     ("ApplicationData", channel["data"]), ("Duration", duration),
                                     ("BridgeId", channel["bridge"])]))
        self._list(session, aid, "Channels will follow", items, "CoreShowChannelsComplete")

    # -- PJSIP registrations (as res_pjsip sends them; no capture has these: the captured agents
    # registered before the captures started) ------------------------------------------------

    def register(self, endpoint: str, uri: str | None = None) -> None:
        """The endpoint's phone registers: `ContactStatus: Created` to every client."""
        uri = uri or f"sip:{endpoint}@127.0.0.1:5062"
        self.contacts[endpoint] = uri
        self.emit(self._contact_status(endpoint, uri, "Created"))

    def unregister(self, endpoint: str) -> None:
        """The endpoint's phone unregisters (or its registration expires): `ContactStatus: Removed`."""
        uri = self.contacts.pop(endpoint, f"sip:{endpoint}@127.0.0.1:5062")
        self.emit(self._contact_status(endpoint, uri, "Removed"))

    def _contact_status(self, endpoint: str, uri: str, status: str) -> AmiMessage:
        return AmiMessage([("Event", "ContactStatus"), ("Privilege", "system,all"), ("Timestamp", self._stamp()),
                           ("URI", uri), ("ContactStatus", status), ("AOR", endpoint), ("EndpointName", endpoint),
                           ("RoundtripUsec", "0"), ("UserAgent", "Helpline test phone"),
                           ("RegExpire", str(int(self.clock()) + 3600)), ("ViaAddress", "127.0.0.1:5062"),
                           ("CallID", f"{endpoint}-registration")])

    def _action_pjsipshowcontacts(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        items = []
        for endpoint, uri in sorted(self.contacts.items()):
            head = [("Event", "ContactList")] + ([("ActionID", aid)] if aid is not None else [])
            items.append(AmiMessage([*head, ("ObjectType", "contact"), ("ObjectName", f"{endpoint};@{abs(hash(uri)):x}"),
                                     ("ViaAddr", "127.0.0.1"), ("ViaPort", "5062"), ("QualifyTimeout", "3.000000"),
                                     ("CallId", f"{endpoint}-registration"), ("RegExpire", str(int(self.clock()) + 3600)),
                                     ("QualifyFrequency", "60"), ("OutboundProxy", ""), ("Path", ""),
                                     ("UserAgent", "Helpline test phone"), ("Uri", uri), ("Endpoint", endpoint),
                                     ("Status", "Reachable"), ("RoundtripUsec", "1000")]))
        self._list(session, aid, "A listing of Contacts follows, presence data will follow", items,
                   "ContactListComplete")

    # -- call control (answers as manager.c / res_parking send them; no capture has these) ------

    def _has_channel(self, name: str | None) -> bool:
        return any(dict(c["snapshot"]).get("Channel") == name for c in self.channels.values())

    def _channel_action(self, session: Session, action: AmiMessage, aid: str | None, message: str,
                        *headers: str) -> None:
        for header in headers or ("Channel",):
            if not action.get(header):
                return self._error(session, aid, f"No {header.lower()} specified" if header == "Channel"
                                   else f"{header} not specified")
            if header.startswith("Channel") and not self._has_channel(action.get(header)):
                return self._error(session, aid, "No such channel")
        self._success(session, aid, message)

    def _action_hangup(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._channel_action(session, action, aid, "Channel Hungup")

    def _action_redirect(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        extra = action.get("ExtraChannel")
        if extra and not self._has_channel(extra):
            return self._error(session, aid, "ExtraChannel does not exist!")
        self._channel_action(session, action, aid, "Dual Redirect successful" if extra else "Redirect successful")

    def _action_atxfer(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._channel_action(session, action, aid, "Atxfer successfully queued")

    def _action_cancelatxfer(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._channel_action(session, action, aid, "CancelAtxfer successfully queued")

    def _action_setvar(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._channel_action(session, action, aid, "Variable Set")

    def _action_bridge(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        self._channel_action(session, action, aid, "Channels have been bridged", "Channel1", "Channel2")

    # -- originate ---------------------------------------------------------------------------

    def _action_originate(self, session: Session, action: AmiMessage, aid: str | None) -> None:
        channel = action.get("Channel")
        if not channel:
            return self._error(session, aid, "Channel not specified")
        outcome = self.originate(action) if callable(self.originate) else self.originate
        if "/" not in channel or outcome == "invalid-channel":
            return self._error(session, aid, "Invalid channel")
        is_async = _truthy(action.get("Async", "false"))
        if outcome not in ORIGINATE_OUTCOMES:
            if not is_async:
                return self._error(session, aid, "Originate failed")
            outcome = "unregistered"
        if is_async:
            self._success(session, aid, "Originate successfully queued")
        events = self._originate_events(outcome, action, aid)
        if self.time_scale <= 0:
            for msg in events:
                self.emit(replaced(msg, Timestamp=self._stamp()))
            self._originate_done(session, outcome, aid, is_async)
            return
        task = asyncio.create_task(self._finish_originate(session, events, outcome, aid, is_async))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_originate(self, session: Session, events: list[AmiMessage], outcome: str,
                                aid: str | None, is_async: bool) -> None:
        await self._play(Restamper.from_now(events, self.clock()), self.time_scale)
        self._originate_done(session, outcome, aid, is_async)

    def _originate_done(self, session: Session, outcome: str, aid: str | None, is_async: bool) -> None:
        if not is_async:
            if outcome == "answered":
                self._success(session, aid, "Originate successfully queued")
            else:
                self._error(session, aid, "Originate failed")

    def _originate_events(self, outcome: str, action: AmiMessage, aid: str | None) -> list[AmiMessage]:
        chan_id = action.get("ChannelId")
        name = "originate-busy-channelid" if outcome == "busy" and chan_id else f"originate-{outcome}"
        original = next(a for a in capture_actions(name) if a.get("Action") == "Originate")
        messages = capture(name)
        first = next(i for i, m in enumerate(messages) if m.action_id == original.action_id) + 1
        events = [m for m in messages[first:] if m.event is not None]
        dial = action.get("Channel", "")
        tech, _, resource = dial.partition("/")
        endpoint = resource.rpartition("@")[2] or resource
        seq = next(self._seq)
        uid = chan_id or f"{int(self.clock())}.{seq}"
        mapping = {original.get("Channel"): f"{tech}/{endpoint}", original.action_id: aid or ""}
        created = next((m for m in events if m.event == "Newchannel"), None)
        if created is not None:
            mapping[created.get("Uniqueid")] = uid
            mapping[created.get("Channel")] = f"{tech}/{endpoint}-{seq:08x}"
        caller_name, caller_num = _caller_id(action.get("CallerID"))
        variables = action.getall("Variable")
        original_vars = {v.partition("=")[0] for v in original.getall("Variable")}
        out: list[AmiMessage] = []
        for msg in events:
            if msg.event == "VarSet" and msg.get("Variable") in original_vars:
                if msg.get("Variable") == original.getall("Variable")[-1].partition("=")[0]:
                    for var in reversed(variables):
                        key, _, value = var.partition("=")
                        out.append(_substitute(replaced(msg, Variable=key, Value=value), mapping))
                continue
            msg = _substitute(msg, mapping)
            if msg.event == "OriginateResponse":
                fixes = {"ActionID": aid or "", "CallerIDNum": caller_num, "CallerIDName": caller_name}
                if msg.get("Channel") == f"{tech}/{endpoint}":
                    fixes["Channel"] = dial
                if msg.get("Uniqueid") == "<unknown>" and chan_id:
                    fixes["Uniqueid"] = chan_id
                msg = replaced(msg, **fixes)
            elif msg.get("DialString") is not None:
                msg = replaced(msg, DialString=resource)
            out.append(msg)
        return out

    # -- state tracking from the events sent -------------------------------------------------------

    def _track(self, msg: AmiMessage) -> None:
        event = msg.event
        uid = msg.get("Uniqueid")
        if event == "Newchannel" and uid:
            self.channels[uid] = {"snapshot": _snapshot(msg), "created": self.clock(), "app": "",
                                  "data": "", "bridge": ""}
        elif event == "Hangup" and uid:
            self.channels.pop(uid, None)
        elif uid in self.channels and "Linkedid" in msg and "Channel" in msg:
            channel = self.channels[uid]
            channel["snapshot"] = _snapshot(msg)
            if event == "Newexten":
                channel["app"], channel["data"] = msg.get("Application", ""), msg.get("AppData", "")
            elif event == "BridgeEnter":
                channel["bridge"] = msg.get("BridgeUniqueid", "")
            elif event == "BridgeLeave":
                channel["bridge"] = ""
        queue = msg.get("Queue")
        if event == "QueueCallerJoin" and queue in self.callers and uid:
            self.callers[queue][uid] = msg
        elif event == "QueueCallerLeave" and queue in self.callers:
            self.callers[queue].pop(uid, None)
        elif event in ("QueueMemberAdded", "QueueMemberPause", "QueueMemberStatus") and queue in self.queues:
            fields = self._member_fields(msg.get("Interface", ""), None, "dynamic", "0", "false", "")
            fields.update({k: v for k, v in msg.items if k in fields})
            self.queues[queue][fields["Interface"]] = fields
        elif event == "QueueMemberRemoved" and queue in self.queues:
            self.queues[queue].pop(msg.get("Interface", ""), None)


def _caller_id(value: str | None) -> tuple[str, str]:
    """'"Helpline 1076" <1076>' -> ('Helpline 1076', '1076'); missing parts are '<unknown>'."""
    if not value:
        return "<unknown>", "<unknown>"
    name, _, rest = value.partition("<")
    number = rest.rstrip(">").strip() if rest else name.strip()
    name = name.strip().strip('"') if rest else ""
    return name or "<unknown>", number or "<unknown>"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "1", "on")


def _snapshot(msg: AmiMessage) -> list[tuple[str, str]]:
    """The channel block of an event: its headers from Channel to Linkedid."""
    keys = [k for k, _ in msg.items]
    start, end = keys.index(SNAPSHOT_FIRST), keys.index(SNAPSHOT_LAST)
    return list(msg.items[start:end + 1])


def _substitute(msg: AmiMessage, mapping: dict[str | None, str]) -> AmiMessage:
    return AmiMessage([(k, mapping.get(v, v)) for k, v in msg.items])


def _drop_none_ids(items: list[AmiMessage], aid: str | None) -> list[AmiMessage]:
    if aid is not None:
        return items
    return [AmiMessage([(k, v) for k, v in m.items if k != "ActionID"]) for m in items]


def _queue_entry(queue: str, position: int, caller: AmiMessage, now: float, aid: str | None) -> AmiMessage:
    """A waiting caller in QueueStatus (shape from app_queue.c; no capture has one)."""
    items = [("Event", "QueueEntry"), ("Queue", queue), ("Position", str(position)),
             ("Channel", caller.get("Channel", "")), ("Uniqueid", caller.get("Uniqueid", "")),
             ("CallerIDNum", caller.get("CallerIDNum", "")), ("CallerIDName", caller.get("CallerIDName", "")),
             ("ConnectedLineNum", caller.get("ConnectedLineNum", "")),
             ("ConnectedLineName", caller.get("ConnectedLineName", "")),
             ("Wait", str(max(0, int(now - float(caller.get("Timestamp") or now))))), ("Priority", "0")]
    if aid is not None:
        items.append(("ActionID", aid))
    return AmiMessage(items)

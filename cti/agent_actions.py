"""What an agent (or supervisor) asks the PBX to do, with validation and clear refusals.

Each action is sent once through the AMI client (an action whose answer is lost is reported,
never re-sent: a second Originate would be a second call). Queue membership is Helpline's:
login/pause/ready/logout also update `agent_logins`, from which the CTI puts agents back
after an Asterisk restart.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cti import dispositions
from cti import screen_pop as sp
from cti.ami.client import AmiClient
from cti.ami.errors import ActionFailed, ActionTimeout, AmiError, NotConnected
from cti.service import CtiService, queue_add_headers
from grievance.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from grievance.phones import dial_digits, normalise_phone
from common.privacy import mask_phone
from storage.queries import agents as agent_q
from storage.queries import reference
from storage.queries import users as user_q
from ivr.scripts import AGENT_EXTENSION

log = logging.getLogger(__name__)

AGENT_CONTEXT = "helpline-agents"
CLICK_TO_CALL_TIMEOUT_MS = 30_000
SPY_OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}


class PbxUnavailable(DomainError):
    error_id = "pbx_disconnected"
    status = 503


class PbxTimeout(DomainError):
    error_id = "pbx_timeout"
    status = 504


class PbxRefused(DomainError):
    error_id = "pbx_refused"
    status = 502


class NotLoggedIn(DomainError):
    error_id = "not_logged_in"
    status = 409


@dataclass(frozen=True)
class Actor:
    """Who asks: the user's id, name, role and extension."""
    user_id: int
    username: str
    role: str
    extension: str | None


def queue_for(language: str) -> str:
    return f"helpline-{language}"


class AgentActions:
    """Agent and supervisor actions on one CtiService (and its database)."""

    def __init__(self, cti: CtiService | None) -> None:
        self.cti = cti

    # -- helpers -------------------------------------------------------------------------

    def _service(self) -> CtiService:
        if self.cti is None or not self.cti.pool.any_connected:
            raise PbxUnavailable("PBX disconnected: no Asterisk server is connected; try again shortly")
        return self.cti

    def _clients(self) -> list[AmiClient]:
        clients = [c for c in self._service().pool.clients if c.connected]
        if not clients:
            raise PbxUnavailable("PBX disconnected: no Asterisk server is connected; try again shortly")
        return clients

    def _clients_for(self, extension: str, *, members_too: bool = False) -> list[AmiClient]:
        """The connected servers where the agent's phone is registered (cti.registrations), and
        with `members_too` those whose queues have the agent as a member anyway."""
        service = self._service()
        names = set(service.agent_servers(extension))
        if members_too:
            interface = sp.interface_of(extension)
            names |= {n for n, s in service.servers.items() if s.agents.memberships(interface)}
        clients = [c for c in self._clients() if c.name in names]
        if not clients:
            if not names:
                raise PbxUnavailable(f"your phone ({extension}) is not registered on any Asterisk server: "
                                     "switch it on, or check its SIP account, and try again")
            raise PbxUnavailable("PBX disconnected: the server your phone is registered on is not connected; "
                                 "try again shortly")
        return clients

    @staticmethod
    def _own_extension(actor: Actor) -> str:
        if not actor.extension:
            raise Forbidden("your account has no extension; ask an administrator to set one")
        return actor.extension

    async def _send(self, client: AmiClient, action: str, *, variables: dict[str, object] | None = None,
                    **headers: Any) -> None:
        try:
            await client.send(action, variables=variables, **headers)
        except ActionFailed as exc:
            raise PbxRefused(f"the PBX refused {action}: {exc.message}") from exc
        except ActionTimeout as exc:
            raise PbxTimeout(f"the PBX did not answer {action} in time; it may still have been done") from exc
        except NotConnected as exc:
            raise PbxUnavailable(f"PBX disconnected while sending {action}") from exc
        except AmiError as exc:
            raise PbxRefused(f"{action} failed: {exc}") from exc

    async def _login_row(self, extension: str):  # type: ignore[no-untyped-def]
        assert self.cti is not None
        async with self.cti.db.sessions() as session:
            return await agent_q.login_of(session, extension)

    async def _require_login(self, actor: Actor) -> Any:
        extension = self._own_extension(actor)
        row = await self._login_row(extension)
        if row is None:
            raise NotLoggedIn("you are not logged in to the queues; log in first")
        return row

    # -- queue membership ----------------------------------------------------------------

    async def login(self, actor: Actor, extension: str | None = None) -> dict[str, Any]:
        """QueueAdd to helpline-<lang> for each of the user's queues (hi, en, video; idempotent)."""
        own = self._own_extension(actor)
        if extension is not None and extension != own:
            if not AGENT_EXTENSION.fullmatch(extension):
                raise InvalidInput("extension: lowercase letters and digits starting with a letter, or 2XXX", field="extension")
            raise Forbidden(f"extension {extension!r} is not yours; your extension is {own!r}",
                            field="extension")
        clients = self._clients_for(own)  # the queues of the agent's pod
        assert self.cti is not None
        async with self.cti.db.sessions() as session:
            user = await user_q.by_id(session, actor.user_id)
        if user is None:
            raise NotFound("your account no longer exists")
        queues = [queue_for(lang) for lang in user.languages.split(",") if lang]
        if user.sign_language and queue_for("video") not in queues:  # the admin's sign-language skill
            queues.append(queue_for("video"))
        current = await self._login_row(own)
        paused = bool(current and current.paused)
        reason = current.pause_reason if current else None
        for client in clients:
            for queue in queues:
                try:
                    await client.send("QueueAdd", **queue_add_headers(queue, own, actor.username, paused, reason))
                except ActionFailed as exc:
                    if "Already there" not in exc.message:
                        raise PbxRefused(f"the PBX refused to add you to {queue}: {exc.message}") from exc
                except ActionTimeout as exc:
                    raise PbxTimeout(f"the PBX did not answer QueueAdd for {queue} in time") from exc
                except AmiError as exc:
                    raise PbxUnavailable(f"PBX disconnected while adding you to {queue}") from exc
        async with self.cti.db.session_scope() as session:
            await agent_q.save_login(session, extension=own, user_id=actor.user_id, member_name=actor.username,
                                     queues=queues, paused=paused, pause_reason=reason, at=_now())
        log.info("agent %s logged in to %s", own, ",".join(queues))
        return {"extension": own, "queues": queues, "paused": paused, "reason": reason}

    async def pause(self, actor: Actor, reason: str) -> dict[str, Any]:
        clients = self._clients_for(self._own_extension(actor), members_too=True)
        assert self.cti is not None
        async with self.cti.db.sessions() as session:
            codes = [r.code for r in await reference.pause_reasons(session)]
        if reason not in codes:
            raise InvalidInput(f"unknown pause reason {reason!r}; use one of: {', '.join(codes)}", field="reason")
        row = await self._require_login(actor)
        await self._pause_all(clients, row, True, reason)
        async with self.cti.db.session_scope() as session:
            await agent_q.set_paused(session, row.extension, True, reason, _now())
        await self._confirm(clients, row.extension, paused=True)
        return {"extension": row.extension, "paused": True, "reason": reason}

    async def ready(self, actor: Actor) -> dict[str, Any]:
        clients = self._clients_for(self._own_extension(actor), members_too=True)
        row = await self._require_login(actor)
        assert self.cti is not None
        async with self.cti.db.sessions() as session:
            await dispositions.require_coded(session, row.extension, _now())
        await self._pause_all(clients, row, False, None)
        async with self.cti.db.session_scope() as session:
            await agent_q.set_paused(session, row.extension, False, None, _now())
        return {"extension": row.extension, "paused": False, "reason": None}

    def _member_queues(self, client: AmiClient, row: Any) -> list[str]:
        """The queues Helpline put the agent in, and any other the PBX has it in (a static member)."""
        own = [q for q in row.queues.split(",") if q]
        assert self.cti is not None
        server = self.cti.servers.get(client.name)
        known = server.agents.memberships(sp.interface_of(row.extension)) if server is not None else {}
        return own + sorted(q for q in known if q not in own)

    async def _confirm(self, clients: list[AmiClient], extension: str, *, paused: bool,
                       timeout: float = 2.0) -> None:
        """Wait for the PBX's QueueMemberPause events; refuse if a queue still has the agent ready."""
        assert self.cti is not None
        interface = sp.interface_of(extension)
        left: list[str] = []
        try:
            async with asyncio.timeout(timeout):
                while True:
                    left = sorted({q for c in clients if (s := self.cti.servers.get(c.name)) is not None
                                   for q, p in s.agents.memberships(interface).items() if p != paused})
                    if not left:
                        return
                    await asyncio.sleep(0.02)
        except TimeoutError:
            pass
        raise PbxRefused(f"the PBX still has you taking calls in {', '.join(left)}: the pause did not take "
                         "effect there; ask a supervisor to check that queue's members")

    async def _pause_all(self, clients: list[AmiClient], row: Any, paused: bool, reason: str | None) -> None:
        interface = sp.interface_of(row.extension)
        own = [q for q in row.queues.split(",") if q]
        for client in clients:
            for queue in self._member_queues(client, row):
                try:
                    await client.send("QueuePause", Queue=queue, Interface=interface, Paused=paused,
                                      Reason=reason if paused else None)
                except ActionFailed as exc:
                    if "Interface not found" not in exc.message:
                        raise PbxRefused(f"the PBX refused QueuePause in {queue}: {exc.message}") from exc
                    if queue not in own:  # not ours to add back; the confirmation below tells the agent
                        continue
                    await self._send(client, "QueueAdd", **queue_add_headers(
                        queue, row.extension, row.member_name, paused, reason))
                except ActionTimeout as exc:
                    raise PbxTimeout("the PBX did not answer QueuePause in time") from exc
                except AmiError as exc:
                    raise PbxUnavailable("PBX disconnected while pausing") from exc

    async def logout(self, actor: Actor) -> dict[str, Any]:
        clients = self._clients()
        row = await self._require_login(actor)
        interface = sp.interface_of(row.extension)
        for client in clients:
            for queue in [q for q in row.queues.split(",") if q]:
                try:
                    await client.send("QueueRemove", Queue=queue, Interface=interface)
                except ActionFailed as exc:
                    if "Not there" not in exc.message:
                        raise PbxRefused(f"the PBX refused QueueRemove: {exc.message}") from exc
                except AmiError as exc:
                    raise PbxUnavailable("PBX disconnected while logging you out") from exc
        assert self.cti is not None
        async with self.cti.db.session_scope() as session:
            await agent_q.remove_login(session, row.extension)
        return {"extension": row.extension, "logged_in": False}

    # -- calls ---------------------------------------------------------------------------

    async def originate(self, actor: Actor, number: str) -> dict[str, Any]:
        """Click-to-call: ring the agent's phone, then dial the citizen from helpline-agents."""
        phone = normalise_phone(number)
        service = self._service()
        extension = self._own_extension(actor)  # a phone is enough: no queue login needed to call out
        client = self._clients_for(extension)[0]  # the server the phone is registered on, only
        channel_id = f"helpline-c2c-{secrets.token_hex(6)}"
        action_id = f"c2c-{secrets.token_hex(6)}"
        log.info("click-to-call from %s to %s", extension, mask_phone(phone))
        await self._send(client, "Originate", ActionID=action_id,
                         Channel=sp.interface_of(extension), Context=AGENT_CONTEXT,
                         Exten=dial_digits(phone), Priority=1, CallerID=f'"Helpline" <{extension}>',
                         Timeout=CLICK_TO_CALL_TIMEOUT_MS, Async=True, ChannelId=channel_id,
                         variables={"HELPLINE_AGENT": extension})
        return {"call_id": channel_id, "number": phone, "extension": extension, "action_id": action_id}

    def _find(self, actor: Actor, call_id: str) -> tuple[AmiClient, Any]:
        """The live call `call_id` on whichever pod holds it. Two pods can hand out the same
        Linkedid when their Asterisks have no distinct `systemname` (docs/scale-out.md): then the
        actor's own call is meant, and if that does not settle it the action is refused."""
        service = self._service()
        found = [(s.client, r) for s in service.servers.values() if (r := s.calls.get(call_id)) is not None]
        if len(found) > 1 and actor.extension:
            interface = sp.interface_of(actor.extension)
            mine = [(c, r) for c, r in found if actor.extension in (sp.extension_of(r.agent), sp.extension_of(
                r.ringing_agent)) or r.channel.rsplit("-", 1)[0] == interface]
            found = mine or found
        if not found:
            raise NotFound(f"no live call {call_id!r}")
        if len(found) > 1:
            raise Conflict(f"call id {call_id!r} is live on {len(found)} Asterisk pods "
                           f"({', '.join(c.name for c, _ in found)}); give each pod its own systemname in "
                           "asterisk.conf so call ids are unique")
        return found[0]

    def _call(self, actor: Actor, call_id: str, *, own: bool) -> tuple[AmiClient, Any]:
        client, record = self._find(actor, call_id)
        if own and actor.role not in ("supervisor", "admin"):
            extension = self._own_extension(actor)
            own_leg = record.channel.rsplit("-", 1)[0] == sp.interface_of(extension)  # click-to-call
            if extension not in (sp.extension_of(record.agent), sp.extension_of(record.ringing_agent)) \
                    and not own_leg:
                raise Forbidden("this is not your call")
        if not client.connected:
            raise PbxUnavailable("PBX disconnected: the server holding this call is not connected")
        return client, record

    async def hangup(self, actor: Actor, call_id: str) -> dict[str, Any]:
        client, record = self._call(actor, call_id, own=True)
        await self._send(client, "Hangup", Channel=record.channel, Cause=16)
        return {"call_id": call_id, "hangup": True}

    async def spy(self, actor: Actor, call_id: str, mode: str) -> dict[str, Any]:
        """Supervisor listen/whisper: ring the supervisor's phone into ChanSpy on the agent."""
        if mode not in SPY_OPTIONS:
            raise InvalidInput("mode must be listen, whisper or barge", field="mode")
        if actor.role not in ("supervisor", "admin"):
            raise Forbidden("only supervisors may listen to calls")
        own = self._own_extension(actor)
        client, record = self._call(actor, call_id, own=False)
        agent = sp.extension_of(record.agent)
        if agent is None:
            raise Conflict("the call is not with an agent yet")
        if client.name not in self.cti.agent_servers(own):  # type: ignore[union-attr]
            raise Conflict(f"your phone ({own}) is not registered on the Asterisk server that holds this "
                           f"call ({client.name}); register it there to listen")
        await self._send(client, "Originate", Channel=sp.interface_of(own), Application="ChanSpy",
                         Data=f"{sp.interface_of(agent)},{SPY_OPTIONS[mode]}", CallerID=f'"Spy" <{own}>',
                         Timeout=CLICK_TO_CALL_TIMEOUT_MS, Async=True)
        return {"call_id": call_id, "mode": mode, "agent": agent, "supervisor": own}

    # -- reading -------------------------------------------------------------------------

    async def me(self, actor: Actor) -> dict[str, Any]:
        extension = self._own_extension(actor)
        row = await self._login_row(extension) if self.cti is not None else None
        view = self.cti.agent_view(extension) if self.cti is not None else {
            "agent": extension, "state": "logged_out", "reason": None, "since": None, "queues": [], "call": None}
        return {**view, "username": actor.username, "logged_in": row is not None,
                "login": None if row is None else {"queues": row.queues.split(","), "paused": row.paused,
                                                   "reason": row.pause_reason},
                "pbx_connected": bool(self.cti and self.cti.pool.any_connected)}


def _now() -> datetime:
    return datetime.now(timezone.utc)

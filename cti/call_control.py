"""Call control from the desk, through AMI: blind and attended transfer (to an agent, a queue, an
officer or a typed number), hold and resume, and handing the caller to the IVR feedback flow.

Every action names the live call by its id (the Linkedid of the screen pop) and is allowed to
the agent on the call, or to a supervisor. The dialplan side is in dialplans/extensions_helpline.conf
([helpline-agents], [helpline-transfer-queue], [helpline-hold], [helpline-desk-feedback]); an
attended transfer needs an `atxfer` feature code in features.conf (dialplans/README.md).

- Blind transfer: `Redirect` of the caller's channel. The agent's leg ends; the call moves. To an
  agent whose phone is registered on another pod (cti.registrations): `Setvar HELPLINE_POD_TRUNK`
  (the trunk to that pod, HELPLINE_POD_TRUNKS), then `Redirect` to [helpline-to-pod], which dials
  the agent over the trunk; without a trunk to that pod it is refused (409 agent_on_other_pod).
- Attended transfer: `Atxfer` on the agent's leg (to an agent named by letters, agent1002: `Setvar
  HELPLINE_ATXFER_TO` on that leg and `Atxfer` to [helpline-atxfer] extension 1, since Atxfer sends
  its extension as DTMF digits): the agent talks to the target first, then hangs
  up its own leg to complete it (`Hangup` of the agent's leg), or `CancelAtxfer` goes back to the caller.
  Within the call's pod only: to an agent on another pod it is refused (409), a blind one goes.
- Hold: `Redirect` of both legs (caller to music on hold, the agent's phone to a quiet wait);
  resume: `Bridge` of the two channels again.
- Feedback: `Setvar HELPLINE_COMPLAINT_NO` then `Redirect` of the caller to the feedback flow,
  which then asks only "1 satisfied / 2 not satisfied" — the citizen answers, not the agent.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from cti import screen_pop as sp
from cti.agent_actions import AGENT_CONTEXT, Actor, AgentActions, PbxRefused
from cti.ami.client import AmiClient
from grievance import numbers
from grievance.errors import Conflict, DomainError, InvalidInput, NotFound
from grievance.phones import dial_digits, normalise_phone
from common.privacy import mask_phone
from ivr.scripts import AGENT_EXTENSION
from ivr.variables import ATXFER_TO, POD_TRUNK, TRANSFER_TO
from storage.queries import reference
from storage.queries import users as user_q

log = logging.getLogger(__name__)

QUEUE_CONTEXT = "helpline-transfer-queue"
HOLD_CONTEXT = "helpline-hold"
FEEDBACK_CONTEXT = "helpline-desk-feedback"
TO_POD_CONTEXT = "helpline-to-pod"
ATXFER_CONTEXT = "helpline-atxfer"
QUEUES = {"helpline-hi": "hi", "helpline-en": "en", "helpline-video": "video"}
TARGET_KINDS = ("agent", "queue", "officer", "number")


class OtherPod(DomainError):
    """The target agent's phone is registered on another Asterisk pod than the call (issue 10) and
    no trunk leads there (HELPLINE_POD_TRUNKS), or the transfer is attended: a Redirect within this
    pod would ring an endpoint with no contact here and drop the caller."""
    error_id = "agent_on_other_pod"
    status = 409


@dataclass(frozen=True)
class Target:
    kind: str
    context: str
    exten: str
    label: str


class CallControl(AgentActions):
    """Transfers, hold, and the feedback hand-over, on top of the agent actions' checks."""

    async def target(self, kind: str, value: str, current_agent: str | None) -> Target:
        value = (value or "").strip()
        if kind == "agent":
            if not AGENT_EXTENSION.fullmatch(value):
                raise InvalidInput("extension: lowercase letters and digits starting with a letter, or 2XXX",
                                   field="target")
            if value == current_agent:
                raise InvalidInput("the call is already with that extension", field="target")
            assert self.cti is not None
            async with self.cti.db.sessions() as session:
                user = await user_q.by_extension(session, value)
            if user is None or not user.active:
                raise NotFound(f"no active user has extension {value!r}", field="target")
            return Target(kind, AGENT_CONTEXT, value, f"{user.username} ({value})")
        if kind == "queue":
            if value not in QUEUES:
                raise InvalidInput(f"queue must be one of {', '.join(QUEUES)}", field="target")
            return Target(kind, QUEUE_CONTEXT, QUEUES[value], value)
        if kind == "officer":
            assert self.cti is not None
            async with self.cti.db.sessions() as session:
                officer = await reference.get_officer(session, value)
            if officer is None or not officer.active:
                raise NotFound(f"no active officer {value!r}", field="target")
            if not officer.phone:
                raise Conflict(f"officer {value} has no phone number; an administrator can add it", field="target")
            return Target(kind, AGENT_CONTEXT, dial_digits(normalise_phone(officer.phone)),
                          f"{officer.name_en} ({officer.code})")
        if kind == "number":
            phone = normalise_phone(value)
            return Target(kind, AGENT_CONTEXT, dial_digits(phone), mask_phone(phone))
        raise InvalidInput(f"transfer to one of: {', '.join(TARGET_KINDS)}", field="kind")

    def _agent_leg(self, client_name: str, record: Any) -> str:
        """The channel of the agent's leg of an answered queue call (from the agent tracker)."""
        if record.agent is None:
            raise Conflict("the call is not answered yet; only an answered call can be moved")
        assert self.cti is not None
        channel = self.cti.servers[client_name].agents.channel_of(record.agent)
        if channel is None:
            raise Conflict("the agent's leg of this call is not known (yet); try again in a moment")
        return channel

    def _pod_trunk(self, server: str, target: Target, attended: bool) -> str | None:
        """None when the call moves within the Asterisk that holds it (the phone is there, or its
        contacts are not known, or it is registered nowhere: as before). For an agent whose phone
        is registered only on other pods: the PJSIP endpoint of the trunk to that pod
        (HELPLINE_POD_TRUNKS, docs/scale-out.md), or OtherPod when no trunk leads there or the
        transfer is attended."""
        assert self.cti is not None
        registrations = self.cti.registrations
        where = registrations.servers_of(target.exten)
        if server not in registrations.known or server in where or not where:
            return None
        trunks = [(pod, self.cti.pod_trunks[pod]) for pod in where if pod in self.cti.pod_trunks]
        if not trunks:
            raise OtherPod(f"{target.label}'s phone is registered on another Asterisk pod ({', '.join(where)}) "
                           f"than this call ({server}); a call cannot be moved between pods: transfer it to a "
                           "queue or to an agent of this pod, or ask the agent to register the phone here",
                           field="target")
        pod, trunk = trunks[0]
        if attended:
            raise OtherPod(f"{target.label}'s phone is registered on another Asterisk pod ({pod}) than this call "
                           f"({server}); an attended transfer cannot cross pods: use a blind transfer, which "
                           "goes over the trunk between the pods", field="target")
        return trunk

    async def transfer(self, actor: Actor, call_id: str, extension: str) -> dict[str, Any]:
        """The first-round API (`POST /calls/{id}/transfer {"extension"}`): blind, to an agent."""
        return await self.move(actor, call_id, "agent", extension, attended=False)

    async def move(self, actor: Actor, call_id: str, kind: str, value: str, *, attended: bool) -> dict[str, Any]:
        client, record = self._call(actor, call_id, own=True)
        if record.agent is None:
            raise Conflict("the call is not answered yet; only an answered call can be transferred")
        target = await self.target(kind, value, sp.extension_of(record.agent))
        trunk = self._pod_trunk(client.name, target, attended) if kind == "agent" else None
        if trunk is not None:
            # over the trunk: the caller's channel dials the agent on the other pod, where the
            # transferred leg is a new call ([helpline-to-pod] -> [helpline-from-pods])
            await self._marked_redirect(client, record.channel, POD_TRUNK, trunk, TO_POD_CONTEXT, target.exten)
        elif attended:
            leg = self._agent_leg(client.name, record)
            context, exten = target.context, target.exten
            if not exten.isdigit():
                # Atxfer plays its extension as DTMF digits: an endpoint name (agent1002) travels
                # as a variable on the agent's leg, and [helpline-atxfer] extension 1 reads it
                await self._send(client, "Setvar", Channel=leg, Variable=ATXFER_TO, Value=exten)
                context, exten = ATXFER_CONTEXT, "1"
            await self._send(client, "Atxfer", Channel=leg, Exten=exten, Context=context)
        elif target.context == AGENT_CONTEXT:
            # within the pod, to an agent, an officer or a number: the moving agent's pop ends as
            # `transferred` and an agent it names is popped (cti.calls); not answered, the caller
            # goes back to the queue ([helpline-transfer-back])
            await self._marked_redirect(client, record.channel, TRANSFER_TO, target.exten, target.context,
                                        target.exten)
        else:
            # to a queue: the moving agent's pop ends as `transferred` (HELPLINE_TRANSFER_TO names
            # the queue; no endpoint has that name) and the agent the queue connects takes the call
            await self._marked_redirect(client, record.channel, TRANSFER_TO, target.label, target.context,
                                        target.exten)
        log.info("call %s %s transfer to %s %s by %s", call_id, "attended" if attended else "blind", kind,
                 target.label if kind != "number" else mask_phone(target.exten), actor.username)
        return {"call_id": call_id, "kind": kind, "target": value if kind != "number" else target.label,
                "attended": attended, "transferred_to": target.exten if kind == "agent" else target.label}

    async def _marked_redirect(self, client: AmiClient, channel: str, variable: str, value: str,
                               context: str, exten: str) -> None:
        """Mark the caller's channel as moved by the desk (cti.calls reads the mark: the agent whose
        leg ends next leaves a call that goes on), then Redirect it; a refused Redirect clears the
        mark again, so the caller stays the agent's call."""
        await self._send(client, "Setvar", Channel=channel, Variable=variable, Value=value)
        try:
            await self._send(client, "Redirect", Channel=channel, Context=context, Exten=exten, Priority=1)
        except PbxRefused:
            with contextlib.suppress(DomainError):
                await self._send(client, "Setvar", Channel=channel, Variable=variable, Value="")
            raise

    async def complete_transfer(self, actor: Actor, call_id: str) -> dict[str, Any]:
        """The agent leaves an attended transfer: its own leg hangs up, the caller stays with the target."""
        client, record = self._call(actor, call_id, own=True)
        await self._send(client, "Hangup", Channel=self._agent_leg(client.name, record), Cause=16)
        return {"call_id": call_id, "completed": True}

    async def cancel_transfer(self, actor: Actor, call_id: str) -> dict[str, Any]:
        client, record = self._call(actor, call_id, own=True)
        await self._send(client, "CancelAtxfer", Channel=self._agent_leg(client.name, record))
        return {"call_id": call_id, "cancelled": True}

    async def hold(self, actor: Actor, call_id: str) -> dict[str, Any]:
        client, record = self._call(actor, call_id, own=True)
        leg = self._agent_leg(client.name, record)
        await self._send(client, "Redirect", Channel=record.channel, Context=HOLD_CONTEXT, Exten="s", Priority=1,
                         ExtraChannel=leg, ExtraContext=HOLD_CONTEXT, ExtraExten="agent", ExtraPriority=1)
        return {"call_id": call_id, "held": True}

    async def resume(self, actor: Actor, call_id: str) -> dict[str, Any]:
        client, record = self._call(actor, call_id, own=True)
        leg = self._agent_leg(client.name, record)
        await self._send(client, "Bridge", Channel1=record.channel, Channel2=leg, Tone="no")
        return {"call_id": call_id, "held": False}

    async def to_feedback(self, actor: Actor, call_id: str, complaint_number: str) -> dict[str, Any]:
        try:
            number = numbers.validate(complaint_number)
        except numbers.BadComplaintNumber as exc:
            raise InvalidInput(str(exc), field="complaint_number") from exc
        client, record = self._call(actor, call_id, own=True)
        await self._send(client, "Setvar", Channel=record.channel, Variable="HELPLINE_COMPLAINT_NO", Value=number)
        await self._send(client, "Redirect", Channel=record.channel, Context=FEEDBACK_CONTEXT, Exten="s", Priority=1)
        return {"call_id": call_id, "feedback_for": number}

"""A SIP registrar and caller over WebSocket (RFC 7118, subprotocol `sip`) for the desk softphone's
browser tests: what Asterisk's WebSocket transport does for a `webrtc = yes` endpoint, in the
parts the desk uses.

REGISTER is challenged (Digest, MD5) and accepted only with the endpoint's password; `invite()`
calls the registered browser with a WebRTC audio offer (ulaw and telephone-event, DTLS-SRTP, ICE)
as Asterisk would for a queue call; the browser's 180/200 are answered with ACK; requests inside
the dialog (BYE, INFO, REFER, a re-INVITE for hold) are answered and kept. `drop()` closes every
socket, as a PBX restart or a network cut would.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.server import Server, ServerConnection, serve

REALM = "helpline"
FINGERPRINT = ":".join(f"{b:02X}" for b in hashlib.sha256(b"helpline fake pbx").digest())


def offer_sdp(direction: str = "sendrecv", setup: str = "actpass", video: bool = False) -> str:
    lines = [
        "v=0", "o=- 4242 2 IN IP4 127.0.0.1", "s=Asterisk", "t=0 0", f"a=group:BUNDLE 0{' 1' if video else ''}",
        "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 0 101", "c=IN IP4 127.0.0.1", "a=rtcp:9 IN IP4 127.0.0.1",
        "a=ice-ufrag:fk1uf2ag", "a=ice-pwd:fakepbxicepassword012345", f"a=fingerprint:sha-256 {FINGERPRINT}",
        f"a=setup:{setup}", "a=mid:0", f"a={direction}", "a=rtcp-mux",
        "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20",
        "a=ssrc:424242 cname:fakepbx",
    ]
    if video:  # VP8 passed through from the video page's caller
        lines += [
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 127.0.0.1", "a=rtcp:9 IN IP4 127.0.0.1",
            "a=ice-ufrag:fk1uf2ag", "a=ice-pwd:fakepbxicepassword012345", f"a=fingerprint:sha-256 {FINGERPRINT}",
            f"a=setup:{setup}", "a=mid:1", f"a={direction}", "a=rtcp-mux", "a=rtpmap:96 VP8/90000",
            "a=ssrc:434343 cname:fakepbx"]
    return "\r\n".join(lines) + "\r\n"


@dataclass
class SipMessage:
    start: str
    headers: list[tuple[str, str]]
    body: str = ""

    @property
    def is_request(self) -> bool:
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0] if self.is_request else self.header("CSeq").split()[-1]

    @property
    def status(self) -> int:
        return int(self.start.split()[1]) if not self.is_request else 0

    def header(self, name: str, default: str = "") -> str:
        values = self.all(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        short = {"via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m", "content-type": "c",
                 "content-length": "l", "refer-to": "r"}.get(name.lower())
        return [v for k, v in self.headers if k.lower() == name.lower() or (short and k.lower() == short)]

    def text(self) -> str:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        head = [self.start, *(f"{k}: {v}" for k, v in headers), f"Content-Length: {len(self.body.encode())}"]
        return "\r\n".join(head) + "\r\n\r\n" + self.body


def parse(data: str) -> SipMessage:
    head, _, body = data.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return SipMessage(lines[0], headers, body)


def _params(value: str) -> dict[str, str]:
    return {k.lower(): v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', value)}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@dataclass
class Call:
    call_id: str
    from_tag: str
    invite: SipMessage
    responses: list[SipMessage] = field(default_factory=list)
    requests: list[SipMessage] = field(default_factory=list)  # from the browser inside the dialog
    to_tag: str = ""
    remote_target: str = ""
    cseq: int = 1
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    final: int = 0

    def requests_named(self, method: str) -> list[SipMessage]:
        return [r for r in self.requests if r.method == method]


@dataclass
class GuestCall:
    """A call the browser made (the video page): its authenticated INVITE and what happened."""
    ws: ServerConnection
    invite: SipMessage
    to_tag: str
    requests: list[SipMessage] = field(default_factory=list)
    final: int = 0

    @property
    def call_id(self) -> str:
        return self.invite.header("Call-ID")


def answer_sdp(offer: str) -> str:
    """An answer to a browser's offer: every m-line accepted with one codec (PCMU, VP8), DTLS active."""
    sections = offer.split("\r\nm=")
    mids, media = [], []
    for section in sections[1:]:
        lines = ("m=" + section).split("\r\n")
        kind = lines[0].split()[0][2:]
        mid = next((ln[6:] for ln in lines if ln.startswith("a=mid:")), str(len(mids)))
        codec = "PCMU/8000" if kind == "audio" else "VP8/90000"
        pt = next((ln.split()[0][9:] for ln in lines if ln.startswith("a=rtpmap:") and codec in ln), None)
        if pt is None:
            media.append(f"m={kind} 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:{mid}\r\na=inactive")
            continue
        mids.append(mid)
        media.append("\r\n".join([
            f"m={kind} 9 UDP/TLS/RTP/SAVPF {pt}", "c=IN IP4 127.0.0.1", "a=rtcp:9 IN IP4 127.0.0.1",
            "a=ice-ufrag:fk1uf2ag", "a=ice-pwd:fakepbxicepassword012345", f"a=fingerprint:sha-256 {FINGERPRINT}",
            "a=setup:active", f"a=mid:{mid}", "a=sendrecv", "a=rtcp-mux", f"a=rtpmap:{pt} {codec}",
            f"a=ssrc:{4000 + len(mids)} cname:fakepbx"]))
    head = ["v=0", "o=- 4343 2 IN IP4 127.0.0.1", "s=Asterisk", "t=0 0", f"a=group:BUNDLE {' '.join(mids)}",
            "a=msid-semantic: WMS"]
    return "\r\n".join(head + media) + "\r\n"


class FakeSipServer:
    """`passwords`: extension -> SIP password the REGISTER must prove."""

    def __init__(self, passwords: dict[str, str], domain: str = "helpline.test",
                 ticket_ok: Callable[[str], bool] | None = None) -> None:
        self.passwords = passwords
        self.domain = domain
        self.port = 0
        self.registrations: list[SipMessage] = []  # accepted REGISTERs
        self.refused: list[SipMessage] = []
        self.calls: dict[str, Call] = {}
        self.contact: dict[str, tuple[ServerConnection, str]] = {}  # extension -> (socket, contact uri)
        self._sockets: set[ServerConnection] = set()
        self._server: Server | None = None
        self._nonce = secrets.token_hex(8)
        self._refuse_until = 0.0
        self._seq = itertools.count(1)
        self.changed = asyncio.Condition()
        self.ticket_ok = ticket_ok  # the dialplan's video-ticket check, for calls from the video page
        self.guest_calls: list[GuestCall] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def __aenter__(self) -> "FakeSipServer":
        self._server = await serve(self._handle, "127.0.0.1", 0, subprotocols=["sip"])  # type: ignore[list-item]
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def until(self, check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
        """Wait until `check()` is true (re-checked at every message)."""
        async with asyncio.timeout(timeout):
            async with self.changed:
                while not (result := check()):
                    await self.changed.wait()
        return result

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def drop(self, refuse_s: float = 0.0) -> None:
        """Close every socket; refuse new ones for `refuse_s` seconds (a PBX that is restarting)."""
        self._refuse_until = asyncio.get_running_loop().time() + refuse_s
        for ws in list(self._sockets):
            ws.transport.abort()
        self.contact.clear()

    # -- the socket ------------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        if asyncio.get_running_loop().time() < self._refuse_until:
            ws.transport.abort()
            return
        self._sockets.add(ws)
        try:
            async for data in ws:
                msg = parse(data if isinstance(data, str) else data.decode())
                if msg.is_request:
                    await self._request(ws, msg)
                else:
                    self._response(msg)
                await self._notify()
        except Exception:  # noqa: BLE001 - a dropped socket ends the session
            pass
        finally:
            self._sockets.discard(ws)
            await self._notify()

    def _reply(self, req: SipMessage, status: int, reason: str, *extra: tuple[str, str], body: str = "",
               to_tag: str | None = None) -> SipMessage:
        to = req.header("To")
        if to_tag and ";tag=" not in to:
            to += f";tag={to_tag}"
        headers = [("Via", v) for v in req.all("Via")] + [("From", req.header("From")), ("To", to),
                                                           ("Call-ID", req.header("Call-ID")), ("CSeq", req.header("CSeq"))]
        headers += list(extra)
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return SipMessage(f"SIP/2.0 {status} {reason}", headers, body)

    async def _request(self, ws: ServerConnection, req: SipMessage) -> None:
        if req.method == "REGISTER":
            await ws.send(self._register(ws, req).text())
            return
        guest = next((g for g in self.guest_calls if g.call_id == req.header("Call-ID")), None)
        if req.method == "INVITE" and guest is None and req.header("Call-ID") not in self.calls:
            await self._guest_invite(ws, req)
            return
        if guest is not None:
            if req.method != "ACK":
                guest.requests.append(req)
                await ws.send(self._reply(req, 200, "OK").text())
            return
        call = self.calls.get(req.header("Call-ID"))
        if req.method == "ACK":
            return
        if call is None:
            await ws.send(self._reply(req, 481, "Call/Transaction Does Not Exist").text())
            return
        call.requests.append(req)
        if req.method == "BYE":
            call.ended.set()
            await ws.send(self._reply(req, 200, "OK").text())
        elif req.method == "REFER":
            await ws.send(self._reply(req, 202, "Accepted").text())
        elif req.method == "INVITE":  # hold / resume: mirror the direction the browser offers
            direction = {"sendonly": "recvonly", "inactive": "inactive", "recvonly": "sendonly"}.get(
                next((d for d in ("sendonly", "recvonly", "inactive") if f"a={d}" in req.body), ""), "sendrecv")
            answer = offer_sdp(direction, setup="passive")
            await ws.send(self._reply(req, 200, "OK", ("Contact", f"<sip:pbx@127.0.0.1:{self.port};transport=ws>"),
                                      body=answer).text())
        else:
            await ws.send(self._reply(req, 200, "OK").text())

    def _digest_ok(self, req: SipMessage, user: str) -> bool:
        p = _params(req.header("Authorization") or req.header("Proxy-Authorization"))
        password = self.passwords.get(user)
        ha1 = _md5(f"{p.get('username')}:{REALM}:{password}")
        ha2 = _md5(f"{req.method}:{p.get('uri')}")
        expected = _md5(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}") \
            if p.get("qop") else _md5(f"{ha1}:{p.get('nonce')}:{ha2}")
        return password is not None and p.get("username") == user and p.get("response") == expected

    async def _guest_invite(self, ws: ServerConnection, req: SipMessage) -> None:
        """A call from the video page: challenged, then admitted only with the guest's password and a
        ticket the application accepts (the dialplan's video-ticket), then ringing until the test answers."""
        user = re.search(r"sip:([^@>;]+)@", req.header("From"))
        if not (req.header("Authorization") or req.header("Proxy-Authorization")):
            await ws.send(self._reply(req, 401, "Unauthorized", ("WWW-Authenticate",
                          f'Digest realm="{REALM}", nonce="{self._nonce}", algorithm=MD5'), to_tag="auth").text())
            return
        if not user or not self._digest_ok(req, user.group(1)):
            self.refused.append(req)
            await ws.send(self._reply(req, 403, "Forbidden", to_tag="auth").text())
            return
        guest = GuestCall(ws, req, secrets.token_hex(4))
        self.guest_calls.append(guest)
        if self.ticket_ok is None or not self.ticket_ok(req.header("X-Helpline-Ticket")):
            guest.final = 403  # Hangup(21) in [helpline-video-web]
            await ws.send(self._reply(req, 403, "Forbidden", to_tag=guest.to_tag).text())
            return
        await ws.send(self._reply(req, 180, "Ringing", ("Contact", f"<sip:video@127.0.0.1:{self.port};transport=ws>"),
                                  to_tag=guest.to_tag).text())

    async def guest_answer(self, guest: GuestCall, status: int = 200) -> None:
        """The queue's outcome for a video-page call: 200 (an agent answered), 503 (FULL), 486 (no agent)."""
        reason = {200: "OK", 486: "Busy Here", 503: "Service Unavailable", 480: "Temporarily Unavailable",
                  502: "Bad Gateway"}[status]
        extra = [("Contact", f"<sip:video@127.0.0.1:{self.port};transport=ws>")] if status == 200 else []
        body = answer_sdp(guest.invite.body) if status == 200 else ""
        guest.final = status
        await guest.ws.send(self._reply(guest.invite, status, reason, *extra, body=body, to_tag=guest.to_tag).text())
        await self._notify()

    def _register(self, ws: ServerConnection, req: SipMessage) -> SipMessage:
        user = re.search(r"sip:([^@>;]+)@", req.header("To"))
        extension = user.group(1) if user else ""
        auth = req.header("Authorization")
        if not auth:
            return self._reply(req, 401, "Unauthorized", ("WWW-Authenticate",
                               f'Digest realm="{REALM}", nonce="{self._nonce}", algorithm=MD5'), to_tag="reg")
        p = _params(auth)
        password = self.passwords.get(extension)
        ha1 = _md5(f"{p.get('username')}:{REALM}:{password}")
        ha2 = _md5(f"REGISTER:{p.get('uri')}")
        expected = _md5(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}") \
            if p.get("qop") else _md5(f"{ha1}:{p.get('nonce')}:{ha2}")
        if password is None or p.get("username") != extension or p.get("response") != expected:
            self.refused.append(req)
            return self._reply(req, 403, "Forbidden", to_tag="reg")
        contact = req.header("Contact")
        expires = req.header("Expires", "120")
        if "expires=0" in contact or expires == "0":
            self.contact.pop(extension, None)
        else:
            self.contact[extension] = (ws, re.search(r"<([^>]+)>", contact).group(1))  # type: ignore[union-attr]
            self.registrations.append(req)
        return self._reply(req, 200, "OK", ("Contact", f"{contact};expires={expires}"), to_tag="reg")

    def _response(self, resp: SipMessage) -> None:
        call = self.calls.get(resp.header("Call-ID"))
        if call is None or resp.method != "INVITE":
            return
        call.responses.append(resp)
        if resp.status >= 200 and call.final == 0 and resp.header("CSeq").startswith("1 "):
            call.final = resp.status
            tag = re.search(r";tag=([^;]+)", resp.header("To"))
            call.to_tag = tag.group(1) if tag else ""
            if resp.status == 200:
                target = re.search(r"<([^>]+)>", resp.header("Contact"))
                call.remote_target = target.group(1) if target else ""
                call.answered.set()
            else:
                call.ended.set()
            asyncio.get_running_loop().create_task(self._ack(call, resp))

    async def _ack(self, call: Call, resp: SipMessage) -> None:
        ws, contact = self.contact.get(self._extension_of(call), (None, ""))
        if ws is None:
            return
        target = call.remote_target or contact
        ack = SipMessage(f"ACK {target} SIP/2.0", [
            ("Via", f"SIP/2.0/WSS fake.invalid;branch=z9hG4bK{secrets.token_hex(6)}"), ("Max-Forwards", "70"),
            ("From", call.invite.header("From")), ("To", resp.header("To")), ("Call-ID", call.call_id),
            ("CSeq", "1 ACK")])
        await ws.send(ack.text())

    def _extension_of(self, call: Call) -> str:
        return re.search(r"sip:([^@>;]+)@", call.invite.header("To")).group(1)  # type: ignore[union-attr]

    # -- calling the browser ---------------------------------------------------------------------

    async def invite(self, extension: str, caller: str = "919812345678", name: str = "Caller",
                     video: bool = False, headers: dict[str, str] | None = None) -> Call:
        """Call the registered browser; `headers` are added to the INVITE (X-Helpline-Call, as the
        dialplan's predial handler adds it)."""
        ws, contact = self.contact[extension]
        call_id = f"fakepbx-{next(self._seq)}-{secrets.token_hex(4)}"
        tag = secrets.token_hex(4)
        invite = SipMessage(f"INVITE {contact} SIP/2.0", [
            ("Via", f"SIP/2.0/WSS fake.invalid;branch=z9hG4bK{secrets.token_hex(6)}"), ("Max-Forwards", "70"),
            ("From", f'"{name}" <sip:{caller}@{self.domain}>;tag={tag}'), ("To", f"<sip:{extension}@{self.domain}>"),
            ("Contact", f"<sip:{caller}@127.0.0.1:{self.port};transport=ws>"), ("Call-ID", call_id),
            ("CSeq", "1 INVITE"), ("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, NOTIFY"),
            *(headers or {}).items(), ("Content-Type", "application/sdp")], offer_sdp(video=video))
        call = Call(call_id, tag, invite)
        self.calls[call_id] = call
        await ws.send(invite.text())
        return call

    async def hang_up(self, call: Call) -> None:
        ws, _ = self.contact[self._extension_of(call)]
        call.cseq += 1
        bye = SipMessage(f"BYE {call.remote_target} SIP/2.0", [
            ("Via", f"SIP/2.0/WSS fake.invalid;branch=z9hG4bK{secrets.token_hex(6)}"), ("Max-Forwards", "70"),
            ("From", call.invite.header("From")), ("To", f"{call.invite.header('To')};tag={call.to_tag}"),
            ("Call-ID", call.call_id), ("CSeq", f"{call.cseq} BYE")])
        await ws.send(bye.text())

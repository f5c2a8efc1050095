"""SIP pieces the tests play themselves: a REGISTER with digest auth (agents' phones and the
trunk point their contact at a SIPp process), and SIPp scenarios written per call.

SIPp (Debian `sip-tester`) plays citizens dialling 1076 and pressing digits (RFC 2833 events
replayed from Debian's `dtmf_2833_<d>.pcap`), agents' phones answering queue calls (UAS), and
the far end of the dialer's calls. Every SIPp process gets a fresh local SIP and media port
(Asterisk retransmits a BYE for ~32 s to a port that went away).
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import re
import secrets
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from tests.integration.harness.priority import SIPP_PRIORITY, realtime

PCAP_DIRS = (Path("/usr/share/sip-tester"), Path("/usr/share/sipp"), Path("/usr/local/share/sipp"))


def free_port(kind: int = socket.SOCK_DGRAM, *, both: bool = True) -> int:
    """A port free on 127.0.0.1 for UDP and TCP alike (SIP is UDP, AMI/AGI/HTTP are TCP)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, kind) as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if not both:
                return port
            other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
            try:
                with socket.socket(socket.AF_INET, other) as second:
                    second.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def free_pair() -> int:
    """An even UDP port whose successor is free too (RTP + RTCP for a SIPp media port)."""
    for _ in range(200):
        port = free_port()
        if port % 2 or port > 65000:
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free RTP port pair on 127.0.0.1")


def dtmf_pcap(digit: str) -> Path:
    name = {"*": "star", "#": "pound"}.get(digit, digit)
    for folder in PCAP_DIRS:
        path = folder / f"dtmf_2833_{name}.pcap"
        if path.is_file():
            return path
    raise FileNotFoundError(f"dtmf_2833_{name}.pcap not found in {', '.join(map(str, PCAP_DIRS))} "
                            "(Debian package sip-tester)")


# ------------------------------------------------------------------------------------- REGISTER

async def register(sip_port: int, user: str, password: str, contact_port: int, *, expires: int = 3600,
                   timeout: float = 10.0) -> None:
    """REGISTER `user` with Asterisk at 127.0.0.1:`sip_port`, contact sip:user@127.0.0.1:`contact_port`
    (the endpoint keeps that Contact: rewrite_contact = no), answering the digest challenge."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    local = sock.getsockname()[1]
    call_id = secrets.token_hex(8)
    tag = secrets.token_hex(4)
    uri = f"sip:127.0.0.1:{sip_port}"

    def request(cseq: int, auth: str = "") -> bytes:
        lines = [f"REGISTER {uri} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{local};rport;branch=z9hG4bK{secrets.token_hex(6)}",
                 "Max-Forwards: 70",
                 f"From: <sip:{user}@127.0.0.1>;tag={tag}", f"To: <sip:{user}@127.0.0.1>",
                 f"Call-ID: {call_id}", f"CSeq: {cseq} REGISTER",
                 f"Contact: <sip:{user}@127.0.0.1:{contact_port}>", f"Expires: {expires}"]
        if auth:
            lines.append(auth)
        lines += ["Content-Length: 0", "", ""]
        return "\r\n".join(lines).encode()

    async def exchange(data: bytes) -> str:
        for _ in range(5):
            await loop.sock_sendto(sock, data, ("127.0.0.1", sip_port))
            try:
                async with asyncio.timeout(timeout / 5):
                    while True:
                        reply = (await loop.sock_recv(sock, 65535)).decode(errors="replace")
                        if not reply.startswith("SIP/2.0 1"):
                            return reply
            except TimeoutError:
                continue
        raise AssertionError(f"REGISTER {user}: no answer from 127.0.0.1:{sip_port}")

    try:
        reply = await exchange(request(1))
        if reply.startswith("SIP/2.0 401"):
            challenge = re.search(r"^WWW-Authenticate:\s*Digest\s+(.*)$", reply, re.M | re.I)
            assert challenge, reply
            params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.group(1)))
            realm, nonce = params["realm"], params["nonce"]
            ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
            ha2 = hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
            auth = f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            if "qop" in params:
                cnonce = secrets.token_hex(4)
                digest = hashlib.md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
                auth += f'response="{digest}", algorithm=MD5, qop=auth, nc=00000001, cnonce="{cnonce}"'
            else:
                digest = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
                auth += f'response="{digest}", algorithm=MD5'
            if "opaque" in params:
                auth += f', opaque="{params["opaque"]}"'
            reply = await exchange(request(2, auth))
        assert reply.startswith("SIP/2.0 200"), f"REGISTER {user}: {reply.splitlines()[0]}"
    finally:
        sock.close()


# ------------------------------------------------------------------------------------- scenarios

_SDP = """v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
"""


def _send(text: str, *, retrans: bool = True, extra: str = "") -> str:
    attr = ' retrans="500"' if retrans else ""
    return f'  <send{attr}{extra}><![CDATA[\n{text.strip()}\n\n]]></send>\n'


def _invite(number: str, caller: str) -> str:
    body = _SDP.strip()
    return _send(f"""
INVITE sip:{number}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{caller}" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:{number}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

{body}
""")


_ACK = """
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
"""

_BYE = """
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: [cseq] BYE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
"""

# A BYE from the answering side: its own tag in From, the caller's From (with tag) as To.
_UAS_BYE = """
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
To: [$caller]
Call-ID: [call_id]
CSeq: 1 BYE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
"""

_OK_TO_BYE = """
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0
"""


def _dtmf(digit: str) -> str:
    return (f'  <nop><action><exec play_pcap_audio="{dtmf_pcap(digit)}"/></action></nop>\n'
            '  <pause milliseconds="400"/>\n')


_CALLER_SDP = """v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 96
a=rtpmap:0 PCMU/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-15
a=ptime:20
a=sendrecv
"""


@dataclass
class Caller:
    """A citizen's call to `number`: `steps` after the answer, then hang up (or, with
    `wait_bye`, wait up to `max_wait_ms` for Asterisk to hang up). Asterisk's BYE at any
    point ends the call cleanly (answered 200 OK).

    steps: ("pause", ms) or ("dtmf", "123") (the next step starts once the digits are sent,
    ~400 ms each). The caller offers telephone-event on payload
    type 96, so SIPp's own `play_dtmf` (RFC 2833 events on PT 96) reaches the dialplan."""

    number: str = "1076"
    caller: str = "9812345678"
    steps: list[tuple[str, object]] = field(default_factory=list)
    wait_bye: bool = False
    max_wait_ms: int = 120000

    def xml(self) -> str:
        invite = _invite(self.number, self.caller).replace(_SDP.strip(), _CALLER_SDP.strip())
        out = ['<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="helpline caller">\n',
               invite,
               '  <recv response="100" optional="true"/>\n  <recv response="180" optional="true"/>\n'
               '  <recv response="183" optional="true"/>\n  <recv response="200" rrs="true"/>\n',
               _send(_ACK, retrans=False)]
        for n, (kind, value) in enumerate(self.steps):
            if kind == "pause":
                out.append(f'  <recv request="BYE" timeout="{int(value)}" ontimeout="s{n}" next="got_bye"/>\n'  # type: ignore[call-overload]
                           f'  <label id="s{n}"/>\n')
            elif kind == "dtmf":
                # play_dtmf queues the events and returns: wait until they are sent (~400 ms each)
                out.append(f'  <nop><action><exec play_dtmf="{value}"/></action></nop>\n'
                           f'  <recv request="BYE" timeout="{400 * len(str(value))}" ontimeout="d{n}" next="got_bye"/>\n'
                           f'  <label id="d{n}"/>\n')
            else:
                raise ValueError(kind)
        if self.wait_bye:
            out.append(f'  <recv request="BYE" timeout="{self.max_wait_ms}" next="got_bye"/>\n')
        else:
            out.append(_send(_BYE) + '  <recv response="200" next="end"/>\n')
        out.append('  <label id="got_bye"/>\n' + _send(_OK_TO_BYE, retrans=False)
                   + '  <label id="end"/>\n  <timewait milliseconds="300"/>\n</scenario>\n')
        return "".join(out)


@dataclass
class Answerer:
    """A phone that answers every INVITE (agents, the dialer's far end).

    mode: "answer" (ring `ring_ms`, answer, then `steps` (as Caller's), then wait for BYE or,
    with `hangup_after_ms`, hang up), "busy" (486), "reject" (ring `ring_ms`, then `code`:
    480 is what a carrier sends when nobody answers), "ring" (180 and never answer; the caller
    cancels). Digits are RFC 2833 events replayed from Debian's pcaps (Asterisk's offer puts
    telephone-event on PT 101, which SIPp's play_dtmf cannot use)."""

    mode: str = "answer"
    code: int = 480
    reason: str = "Temporarily Unavailable"
    ring_ms: int = 300
    steps: list[tuple[str, object]] = field(default_factory=list)
    hangup_after_ms: int | None = None

    def xml(self) -> str:
        keep_from = ('  <recv request="INVITE" crlf="true" rrs="true">\n    <action>\n'
                     '      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>\n'
                     '    </action>\n  </recv>\n')
        out = ['<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="helpline phone">\n',
               keep_from if self.mode == "answer" and self.hangup_after_ms is not None
               else '  <recv request="INVITE" crlf="true" rrs="true"/>\n']
        head = "[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\n[last_CSeq:]\n"
        contact = "Contact: <sip:[local_ip]:[local_port];transport=[transport]>\n"
        if self.mode in ("busy", "reject"):
            code = "486 Busy Here" if self.mode == "busy" else f"{self.code} {self.reason}"
            if self.mode == "reject":  # rings, then the network gives up (a carrier's "no answer")
                out.append(_send(f"SIP/2.0 180 Ringing\n{head}{contact}Content-Length: 0", retrans=False))
                out.append(f'  <pause milliseconds="{self.ring_ms}"/>\n')
            out.append(_send(f"SIP/2.0 {code}\n{head}{contact}Content-Length: 0", retrans=False))
            out.append('  <recv request="ACK"/>\n')
        elif self.mode == "ring":
            out.append(_send(f"SIP/2.0 180 Ringing\n{head}{contact}Content-Length: 0", retrans=False))
            out.append('  <recv request="CANCEL" timeout="180000"/>\n')
            out.append(_send(_OK_TO_BYE, retrans=False))
            out.append(_send(f"SIP/2.0 487 Request Terminated\n[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\nCSeq: [cseq] INVITE\n{contact}Content-Length: 0", retrans=False))
            out.append('  <recv request="ACK"/>\n')
        elif self.mode == "answer":
            out.append(_send(f"SIP/2.0 180 Ringing\n{head}{contact}Content-Length: 0", retrans=False))
            if self.ring_ms:
                out.append(f'  <pause milliseconds="{self.ring_ms}"/>\n')
            out.append(_send(f"SIP/2.0 200 OK\n{head}{contact}Content-Type: application/sdp\n"
                             f"Content-Length: [len]\n\n{_SDP.strip()}", retrans=False))
            out.append('  <recv request="ACK" rtd="true" crlf="true"/>\n')
            for kind, value in self.steps:
                if kind == "pause":
                    out.append(f'  <pause milliseconds="{int(value)}"/>\n')  # type: ignore[call-overload]
                elif kind == "dtmf":
                    out.extend(_dtmf(d) for d in str(value))
                else:
                    raise ValueError(kind)
            if self.hangup_after_ms is not None:
                out.append(f'  <pause milliseconds="{self.hangup_after_ms}"/>\n')
                out.append(_send(_UAS_BYE) + '  <recv response="200" crlf="true"/>\n')
            else:
                out.append('  <recv request="BYE" timeout="600000"/>\n' + _send(_OK_TO_BYE, retrans=False))
        else:
            raise ValueError(self.mode)
        out.append('  <timewait milliseconds="500"/>\n</scenario>\n')
        return "".join(out)


_seq = itertools.count(1)


class Sipp:
    """One SIPp process on its own local SIP and media ports; `await sipp.finished()` for its
    exit code (0: every call went as the scenario says)."""

    def __init__(self, workdir: Path, sip_port: int, scenario: Caller | Answerer, *, calls: int = 1,
                 name: str = "sipp", rate: float | None = None) -> None:
        self.workdir = workdir
        self.asterisk_port = sip_port
        self.scenario = scenario
        self.calls = calls
        self.rate = rate  # callers: new calls a second (SIPp's -r; its default is 10), all of them in flight at once
        self.name = f"{name}-{next(_seq)}"
        self.port = free_port()
        self.media_port = free_pair()
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def uas(self) -> bool:
        return isinstance(self.scenario, Answerer)

    async def start(self) -> Sipp:
        binary = shutil.which("sipp")
        if binary is None:
            raise RuntimeError("sipp not found (Debian package sip-tester)")
        xml = self.workdir / f"{self.name}.xml"
        xml.write_text(self.scenario.xml(), encoding="latin-1")
        args = [binary, "-sf", str(xml), "-i", "127.0.0.1", "-p", str(self.port), "-mi", "127.0.0.1",
                "-mp", str(self.media_port), "-nostdin", "-trace_err", "-error_file",
                str(self.workdir / f"{self.name}.errors.log"), "-timeout_error", "-max_recv_loops", "1000"]
        if self.uas:
            args += ["-m", str(self.calls)]
        else:
            overall = 300 if self.rate is None else 300 + int(self.calls / self.rate)
            args += [f"127.0.0.1:{self.asterisk_port}", "-s", self.scenario.number, "-m", str(self.calls),
                     "-timeout", str(overall)]
            if self.rate is not None:
                args += ["-r", str(self.rate), "-l", str(self.calls)]
        out = open(self.workdir / f"{self.name}.out", "wb")  # noqa: SIM115 - closed with the process
        self.proc = await asyncio.create_subprocess_exec(*args, stdout=out, stderr=asyncio.subprocess.STDOUT,
                                                         stdin=asyncio.subprocess.DEVNULL,
                                                         env={**os.environ, "TERM": "dumb"})
        out.close()
        realtime(self.proc.pid, SIPP_PRIORITY)
        return self

    async def finished(self, timeout: float = 120.0) -> int:
        assert self.proc is not None
        async with asyncio.timeout(timeout):
            return await self.proc.wait()

    def errors(self) -> str:
        path = self.workdir / f"{self.name}.errors.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(5):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def escape_xml(text: str) -> str:
    return escape(text)

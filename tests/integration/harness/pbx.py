"""A throwaway Asterisk with the project's own dialplans/, installed the way dialplans/README.md
tells an administrator, on ports of its own on 127.0.0.1.

    pbx = Pbx(root, asterisk_dir, prompts_dir, agi_port=...)
    pbx.start()            # ../shared/asterisk/run-asterisk start ETC STATE (~2 s)
    pbx.rx("queue show")   # a CLI command
    pbx.full_log()         # STATE/log/full (verbose lines, DTMF, files played)
    pbx.queue_log()        # STATE/log/queue_log
    pbx.restart(); pbx.stop()

Configuration written to ETC (everything else comes from the repository):
- extensions.conf: [globals] + `#include extensions_helpline_globals.conf` (HELPLINE_AGI set to
  the FastAGI port of the tests' `helpline serve`), `#include extensions_helpline.conf` (install step 1/2)
- queues.conf: the [general] of step 1 + `#include queues_helpline.conf` (periodic-announce
  start delay shortened so the callback offer comes within seconds, see QUEUE_TUNING)
- pjsip.conf: UDP transport on SIP_PORT; the trunk and the agents from the templates of
  pjsip_helpline.conf.sample with the rules of ../shared/asterisk/README.md for SIPp
  (qualify_frequency = 0, send_connected_line = no, rewrite_contact = no so a REGISTER can point
  the contact at a SIPp process); both register (harness.sip.register)
- manager.conf: the least-privilege user of manager_helpline.conf.sample (what `helpline serve`
  uses) and an `observer` user (read all) for the tests' own eyes
- features.conf (step 6), musiconhold.conf, logger.conf/modules.conf from ../shared/asterisk/etc-sample
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.integration.harness.priority import ASTERISK_PRIORITY, pid_file, realtime
from tests.integration.harness.sip import free_port

REPO = Path(__file__).resolve().parents[3]
DIALPLANS = REPO / "dialplans"
DEBIAN_EN = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
MOH = Path("/usr/share/asterisk/moh")

HELPLINE_SECRET = "helpline-integration-secret"
OBSERVER_SECRET = "observer-secret"
AGENT_PASSWORD = "agent-pw-{ext}"
AGENTS = ("agent1001", "agent1002", "agent1003", "agent1004", "agent1005", "agent1006", "agent1007", "agent1008",
          "agent1009", "agent1010",
          "sup2001", "sup2002")
TRUNK = "trunk"
POD_TRUNK_PASSWORD = "pod-trunk-secret"
# Desk softphones (WebRTC over the ws transport): endpoints from the sample's helpline-agent-webrtc
# template, with the password Helpline derives for them (agent_console.softphone).
WEBRTC_AGENTS = ("agent3001", "agent3002", "agent3003", "agent3004")

# Values an administrator may tune in queues_helpline.conf, shortened so a test need not wait
# 90 s for the in-queue callback offer.
QUEUE_TUNING = {"periodic-announce-startdelay": "6", "periodic-announce-frequency": "20"}


class PbxError(RuntimeError):
    pass


class Pbx:
    def __init__(self, root: Path, asterisk_dir: Path, prompts: Path, *, agi_port: int,
                 agi2_port: int | None = None, rtp_range: tuple[int, int] | None = None,
                 systemname: str | None = None, agents: tuple[str, ...] = AGENTS) -> None:
        self.root = root
        self.agents = agents  # the SIP agent endpoints declared (bench.pbx_peak adds its own 30)
        self.asterisk_dir = asterisk_dir
        self.run_asterisk = asterisk_dir / "run-asterisk"
        self.etc = root / "etc"
        self.state = root / "state"
        self.prompts = prompts
        self.agi_port = agi_port
        self.agi2_port = agi2_port  # HELPLINE_AGI2, the second FastAGI host (several pods, tests/integration/harness/pods.py)
        self.sip_port = free_port()
        self.ami_port = free_port(socket.SOCK_STREAM, both=False)
        base = 20000 + (os.getpid() % 200) * 100  # its own RTP range per test run
        self.rtp_range = rtp_range or (base, base + 99)
        self.http_port = free_port(socket.SOCK_STREAM, both=False)  # the softphones' WebSocket
        # asterisk.conf `systemname`: Asterisk prefixes every Uniqueid/Linkedid with it, so call ids
        # stay unique across pods (docs/scale-out.md); run-asterisk writes asterisk.conf without it
        self.systemname = systemname
        # trunks to peer pods (pjsip_helpline.conf.sample [helpline-pod]): peer name -> its SIP
        # port on 127.0.0.1; set before start() (tests/integration/harness/pods.py)
        self.peers: dict[str, int] = {}
        self.running = False

    # ---------------------------------------------------------------------------- config
    @property
    def ami_url(self) -> str:
        return f"ami://helpline:{HELPLINE_SECRET}@127.0.0.1:{self.ami_port}"

    @property
    def observer_url(self) -> str:
        return f"ami://observer:{OBSERVER_SECRET}@127.0.0.1:{self.ami_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}/ws"

    def install(self) -> None:
        if not self.run_asterisk.is_file():
            raise PbxError(f"no {self.run_asterisk}: the real-Asterisk tests need ../shared/asterisk "
                           "(or HELPLINE_TEST_ASTERISK_DIR)")
        self.etc.mkdir(parents=True, exist_ok=True)
        sample = self.asterisk_dir / "etc-sample"
        for name in ("modules.conf", "logger.conf"):
            shutil.copyfile(sample / name, self.etc / name)
        # step 1: the three files, next to extensions.conf
        for name in ("extensions_helpline.conf",):
            shutil.copyfile(DIALPLANS / name, self.etc / name)
        # step 2: the globals, set once
        globals_text = (DIALPLANS / "extensions_helpline_globals.conf").read_text()
        globals_text = _set_line(globals_text, "HELPLINE_AGI", f"agi://127.0.0.1:{self.agi_port}")
        if self.agi2_port is not None:
            globals_text = _set_line(globals_text, "HELPLINE_AGI2", f"agi://127.0.0.1:{self.agi2_port}")
        globals_text = _set_line(globals_text, "HELPLINE_TRUNK", TRUNK)
        globals_text = _set_line(globals_text, "HELPLINE_QUEUE_MAX_WAIT", "120")
        (self.etc / "extensions_helpline_globals.conf").write_text(globals_text)
        queues = (DIALPLANS / "queues_helpline.conf").read_text()
        for key, value in QUEUE_TUNING.items():
            queues, n = re.subn(rf"^{re.escape(key)}\s*=\s*\S+", f"{key} = {value}", queues, count=1, flags=re.M)
            if n != 1:
                raise PbxError(f"queues_helpline.conf has no {key} line to tune")
        (self.etc / "queues_helpline.conf").write_text(queues)
        (self.etc / "extensions.conf").write_text(
            "[general]\nstatic = yes\nwriteprotect = yes\nclearglobalvars = no\n\n"
            "[globals]\n#include extensions_helpline_globals.conf\n\n#include extensions_helpline.conf\n")
        (self.etc / "queues.conf").write_text(
            "[general]\npersistentmembers = no\nautofill = yes\nlog_membername_as_agent = yes\n"
            "#include queues_helpline.conf\n")
        (self.etc / "pjsip.conf").write_text(self._pjsip())
        (self.etc / "manager.conf").write_text(self._manager())
        (self.etc / "features.conf").write_text("[featuremap]\natxfer => *2\n")
        (self.etc / "musiconhold.conf").write_text(
            f"[general]\n[default]\nmode = files\ndirectory = {MOH}\nsort = alpha\n")
        (self.etc / "rtp.conf").write_text(
            f"[general]\nrtpstart = {self.rtp_range[0]}\nrtpend = {self.rtp_range[1]}\nrtpchecksums = no\n"
            "dtmftimeout = 3000\nstrictrtp = yes\nicesupport = yes\n" + _ice_host_candidates())
        (self.etc / "http.conf").write_text(
            f"[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = {self.http_port}\nenablestatic = no\n")
        self._sounds()

    def _pjsip(self) -> str:
        sample = (DIALPLANS / "pjsip_helpline.conf.sample").read_text()
        agent_tpl = _section(sample, "helpline-agent](!)") + \
            "\nsend_connected_line = no\nmedia_address = 127.0.0.1\nbind_rtp_to_media_address = yes"
        templates = "\n\n".join([agent_tpl] + [_section(sample, name) for name in
                                                  ("helpline-agent-aor](!)", "helpline-agent-auth](!)")])
        templates = _set_line(templates, "transport", "transport-udp", sep=" = ")
        templates = _set_line(templates, "qualify_frequency", "0", sep=" = ")
        templates = _set_line(templates, "rewrite_contact", "no", sep=" = ")
        agents = "".join(
            f"\n[{ext}](helpline-agent)\nauth = {ext}\naors = {ext}\ncallerid = \"{ext}\" <{ext}>\n"
            f"[{ext}](helpline-agent-aor)\n[{ext}](helpline-agent-auth)\nusername = {ext}\n"
            f"password = {AGENT_PASSWORD.format(ext=ext)}\n" for ext in self.agents)
        from agent_console.softphone import password
        from tests.integration.harness.serve import SECRET_KEY

        webrtc_tpl = "\n\n".join(_section(sample, name) for name in
                                  ("helpline-agent-webrtc](!,helpline-agent)", "helpline-agent-webrtc-aor](!,helpline-agent-aor)"))
        webrtc_tpl = _set_line(webrtc_tpl, "transport", "transport-ws", sep=" = ")
        webrtc_tpl = _set_line(webrtc_tpl, "qualify_frequency", "0", sep=" = ")
        webrtc = "".join(
            f"\n[{ext}](helpline-agent-webrtc)\nauth = {ext}\naors = {ext}\ncallerid = \"{ext}\" <{ext}>\n"
            f"[{ext}](helpline-agent-webrtc-aor)\n[{ext}](helpline-agent-auth)\nusername = {ext}\n"
            f"password = {password(SECRET_KEY, ext)}\n" for ext in WEBRTC_AGENTS)
        guest = sample[sample.index("[video-guest]\ntype = endpoint"):]
        guest = _set_line(guest, "transport", "transport-ws", sep=" = ")
        guest = _set_line(guest, "password", password(SECRET_KEY, "video-guest"), sep=" = ")
        guest = guest.replace("context = helpline-video-web\n", "context = helpline-video-web\n"
                              "media_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n")
        webrtc += "\n" + guest
        pods = self._pod_trunks(sample)
        trunk = _section(sample, "trunk]\ntype = endpoint")
        trunk = "\n".join(line for line in trunk.splitlines() if not line.startswith("outbound_auth"))
        trunk = _set_line(trunk, "rewrite_contact", "no", sep=" = ")
        return f"""; written by tests/integration/harness/pbx.py
[global]
type = global
endpoint_identifier_order = username,ip
keep_alive_interval = 0

[system]
type = system
disable_tcp_switch = yes

[transport-udp]
type = transport
protocol = udp
bind = 127.0.0.1:{self.sip_port}

{trunk}
send_connected_line = no
media_address = 127.0.0.1
bind_rtp_to_media_address = yes

[{TRUNK}]
type = aor
max_contacts = 1
remove_existing = yes
qualify_frequency = 0

[{TRUNK}]
type = identify
endpoint = {TRUNK}
match = 127.0.0.1

[transport-ws]
type = transport
protocol = ws
bind = 127.0.0.1

{templates}
{agents}

{webrtc_tpl}
{webrtc}
{pods}
"""

    def _pod_trunks(self, sample: str) -> str:
        """The sample's inter-pod trunk, one endpoint per peer, as an administrator copies it: the
        sample's pod-a/pod-b pair renamed to this pod and the peer. No identify section: the pods
        share 127.0.0.1 with the carrier trunk's identify, so a peer is known by its From user
        (endpoint_identifier_order = username,ip, as the sample says for a lab)."""
        if not self.peers:
            return ""
        template = _section(sample, "helpline-pod](!)")
        template = _set_line(template, "transport", "transport-udp", sep=" = ")
        template += "\nmedia_address = 127.0.0.1\nbind_rtp_to_media_address = yes"
        start = sample.index("[pod-b](helpline-pod)")
        end = sample.index("\n\n", sample.index("[pod-b-out]"))
        block = "\n\n".join(part for part in sample[start:end].split("\n\n") if "type = identify" not in part)
        block = _set_line(block, "password", POD_TRUNK_PASSWORD, sep=" = ")
        block = _set_line(block, "qualify_frequency", "0", sep=" = ")
        me = self.systemname or "pod"
        out = [template]
        for peer, port in sorted(self.peers.items()):
            text = block.replace("pod-a", "\0ME\0").replace("pod-b", peer).replace("\0ME\0", me)
            out.append(_set_line(text, "contact", f"sip:127.0.0.1:{port}", sep=" = "))
        return "\n\n".join(out) + "\n"

    def _manager(self) -> str:
        sample = (DIALPLANS / "manager_helpline.conf.sample").read_text()
        user = sample[sample.index("[helpline]"):]
        user = _set_line(user, "secret", HELPLINE_SECRET, sep=" = ")
        return (f"[general]\nenabled = yes\nport = {self.ami_port}\nbindaddr = 127.0.0.1\nwebenabled = no\n"
                "timestampevents = yes\nauthtimeout = 10\nauthlimit = 50\n\n"
                f"{user}\n\n[observer]\nsecret = {OBSERVER_SECRET}\ndeny = 0.0.0.0/0.0.0.0\n"
                "permit = 127.0.0.1/255.255.255.255\nread = all\nwrite = all\nwritetimeout = 5000\n")

    def _sounds(self) -> None:
        """STATE/sounds/<lang>: the prompts `helpline prompts build` wrote (Hindi with its
        `digits` links), English beside Debian's English sounds."""
        prefix = self.state / "prefix"
        if not (prefix / "sbin" / "asterisk").exists():  # unpacked as run-asterisk does, then ours on top
            prefix.mkdir(parents=True, exist_ok=True)
            tarball = next(self.asterisk_dir.glob("asterisk-*.tar.xz"))
            subprocess.run(["tar", "-xJf", str(tarball), "-C", str(prefix), "--strip-components=1"],
                           check=True, timeout=300)
        sounds = prefix / "var" / "lib" / "asterisk" / "sounds"
        sounds.mkdir(parents=True, exist_ok=True)
        for lang_dir in sorted(self.prompts.iterdir()):
            if not lang_dir.is_dir():
                continue
            target = sounds / lang_dir.name
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.is_dir():
                shutil.rmtree(target)
            if lang_dir.name == "en" and DEBIAN_EN.is_dir():
                target.mkdir()
                for entry in DEBIAN_EN.iterdir():
                    (target / entry.name).symlink_to(entry)
                for entry in lang_dir.iterdir():
                    if entry.is_dir():
                        (target / entry.name).symlink_to(entry.resolve())
            else:
                target.symlink_to(lang_dir.resolve())

    # ---------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        if not (self.etc / "extensions.conf").exists():
            self.install()
        result = subprocess.run([str(self.run_asterisk), "start", str(self.etc), str(self.state)],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PbxError(f"run-asterisk start failed ({result.returncode}): {result.stderr[-2000:]}"
                           f"\n{self.tail('messages.log')}")
        self.running = True
        if self.systemname is not None:
            self._restart_with_systemname()
        pid = pid_file(self.state / "run" / "asterisk.pid")
        if pid is not None:
            realtime(pid, ASTERISK_PRIORITY)
        self._wait_ami()

    def _restart_with_systemname(self) -> None:
        """Stop the Asterisk run-asterisk started, add `systemname` to the asterisk.conf it wrote,
        and start the same binary on it again (run-asterisk would write the file afresh)."""
        subprocess.run([str(self.run_asterisk), "stop", str(self.state)], capture_output=True, timeout=60)
        conf = self.state / "asterisk.conf"
        text = conf.read_text()
        conf.write_text(re.sub(r"^\[options\]\n", f"[options]\nsystemname = {self.systemname}\n", text, count=1,
                               flags=re.M))
        prefix = self.state / "prefix"
        env = {**os.environ, "LD_LIBRARY_PATH": str(prefix / "lib")}
        binary = [str(prefix / "sbin" / "asterisk"), "-C", str(conf)]
        subprocess.run(binary, env=env, capture_output=True, timeout=60, check=True)  # forks into the background
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if subprocess.run([*binary, "-rx", "core waitfullybooted"], env=env, capture_output=True,
                              timeout=30).returncode == 0:
                return
            time.sleep(0.2)
        raise PbxError(f"Asterisk with systemname {self.systemname} did not boot\n{self.tail('messages.log')}")

    def _wait_ami(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.ami_port), timeout=1) as s:
                    if s.recv(64).startswith(b"Asterisk Call Manager"):
                        return
            except OSError:
                time.sleep(0.1)
        raise PbxError(f"AMI did not answer on 127.0.0.1:{self.ami_port}\n{self.tail('messages.log')}")

    def stop(self) -> None:
        if self.state.exists():
            subprocess.run([str(self.run_asterisk), "stop", str(self.state)], capture_output=True, timeout=60)
        self.running = False

    def restart(self) -> None:
        self.stop()
        self.start()

    def rx(self, command: str) -> str:
        result = subprocess.run([str(self.run_asterisk), "rx", str(self.state), command],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise PbxError(f"asterisk -rx {command!r}: {result.stderr}")
        return result.stdout

    # ---------------------------------------------------------------------------- evidence
    def log_path(self, name: str) -> Path:
        return self.state / "log" / name

    def full_log(self) -> str:
        path = self.log_path("full")
        return path.read_text(errors="replace") if path.exists() else ""

    def queue_log(self) -> list[list[str]]:
        path = self.log_path("queue_log")
        if not path.exists():
            return []
        return [line.split("|") for line in path.read_text(errors="replace").splitlines() if line]

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log_path(name)
        if not path.exists():
            return f"({path} missing)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _set_line(text: str, key: str, value: str, *, sep: str = "=") -> str:
    """Replace the value of every `key = …` / `key=…` line (comments after it dropped)."""
    new, n = re.subn(rf"^{re.escape(key)}\s*=.*$", f"{key}{sep}{value}", text, flags=re.M)
    if n == 0:
        raise PbxError(f"no {key} line to set")
    return new


def _section(text: str, head: str) -> str:
    """The section of a .conf sample starting at `[head` up to the next blank-line-separated header."""
    start = text.index("[" + head)
    rest = text[start:]
    nxt = re.search(r"\n\s*\n(?=\[|;)", rest)
    return rest[: nxt.start()] if nxt else rest


def _ice_host_candidates() -> str:
    """Asterisk never offers 127.0.0.0/8 host candidates and advertises the interface address, where
    its RTP socket (bound to 127.0.0.1) does not listen: map every interface address to loopback
    (rtp_helpline.conf.sample; the browser runs with --allow-loopback-in-peer-connection)."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, timeout=10).stdout
    addresses = [a for a in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out) if not a.startswith("127.")]
    if not addresses:
        return ""
    return "\n[ice_host_candidates]\n" + "".join(f"{a} => 127.0.0.1\n" for a in addresses)

"""Several real `helpline serve` processes sharing one database and one Redis (issue 10).

    async with ServeCluster(3, db_url, [ami_a, ami_b], tmp_path, redis_url=REDIS_URL) as cluster:
        owners = await cluster.owners()            # {"127.0.0.1:port": ServeProcess}
        owners[ami_a.name].kill()                   # SIGKILL
        ...

Each process gets its own web and FastAGI port, the same HELPLINE_SECRET_KEY, a Redis channel
of its own test (so tests running at once never share pops) and logs to `serve-N.log`.
"""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.ami_server import FakeAmiServer

REPO = Path(__file__).resolve().parents[2]
SECRET = "cluster-test-secret-key-0123456789"


ID_RE = re.compile(rb"^((?:Dest)?(?:Uniqueid|Linkedid)): (\d+)\.(\d+)\r$", re.M)


def fresh(data: bytes, n: int) -> bytes:
    """A capture with call ids no other `n` uses (its calls are new calls to the CTI)."""
    return ID_RE.sub(lambda m: m.group(1) + b": " + str(int(m.group(2)) + 1_000_000 * n).encode() + b"." +
                     m.group(3) + b"\r", data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ami_name(ami: FakeAmiServer) -> str:
    return f"{ami.host}:{ami.port}"


class ServeProcess:
    def __init__(self, number: int, env: dict[str, str], folder: Path) -> None:
        self.number = number
        self.web_port = free_port()
        self.env = {**env, "HELPLINE_WEB_PORT": str(self.web_port), "HELPLINE_AGI_PORT": str(free_port())}
        self.log_path = folder / f"serve-{number}.log"
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve"], cwd=self.folder,
                                         env=self.env, stdout=log_file, stderr=subprocess.STDOUT)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flush, no lease released by hand."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def health(self) -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(base_url=self.base, timeout=5) as client:
                response = await client.get("/api/v1/health")
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None


class ServeCluster:
    def __init__(self, count: int, database_url: str, amis: list[FakeAmiServer], folder: Path, *,
                 redis_url: str, **env: str) -> None:
        base = {**os.environ, "HELPLINE_DATABASE_URL": database_url, "HELPLINE_SECRET_KEY": SECRET,
                "HELPLINE_REDIS_URL": redis_url, "HELPLINE_REDIS_CHANNEL": f"helpline:test:{uuid.uuid4().hex}",
                "HELPLINE_AMI_URLS": ",".join(f"ami://{a.username}:{a.secret}@{a.host}:{a.port}" for a in amis),
                "PYTHONPATH": str(REPO), **env}
        self.amis = amis
        self.processes = [ServeProcess(n, base, folder) for n in range(count)]

    async def __aenter__(self) -> ServeCluster:
        for process in self.processes:
            process.start()
        await self.wait_ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for process in self.processes:
            process.stop()

    @property
    def alive(self) -> list[ServeProcess]:
        return [p for p in self.processes if p.alive]

    def logs(self) -> str:
        return "\n".join(f"--- serve-{p.number}\n{p.log()[-4000:]}" for p in self.processes)

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Every live process answers /health with every PBX connected, each stream owned once."""
        async with asyncio.timeout(timeout):
            while True:
                for process in self.processes:
                    assert process.proc is None or process.alive or process.proc.returncode == -9, self.logs()
                healths = [await p.health() for p in self.alive]
                if all(h is not None and all(link["connected"] for link in h["pbx"]) for h in healths):
                    owners = await self.owners()
                    if len(owners) == len(self.amis):
                        return
                await asyncio.sleep(0.1)

    async def owners(self) -> dict[str, ServeProcess]:
        """Server name -> the live process owning its stream; fails if two processes own one."""
        out: dict[str, ServeProcess] = {}
        for process in self.alive:
            health = await process.health()
            for link in (health or {}).get("pbx", []):
                if link.get("owner"):
                    name = link["url"].split("@")[-1].removeprefix("ami://")
                    assert name not in out, f"two owners of {name}\n{self.logs()}"
                    out[name] = process
        return out

    async def wait_owner(self, name: str, timeout: float) -> tuple[ServeProcess, float]:
        """The live process that owns `name`, and how long it took to appear."""
        started = time.monotonic()
        async with asyncio.timeout(timeout):
            while True:
                owner = (await self.owners()).get(name)
                if owner is not None:
                    return owner, time.monotonic() - started
                await asyncio.sleep(0.05)

"""`helpline prompts build` and a real `helpline serve` in a subprocess, configured by the
environment only (HELPLINE_*), the way an administrator runs them."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.harness.sip import free_port

REPO = Path(__file__).resolve().parents[3]
HELPLINE = Path(sys.executable).with_name("helpline")


SECRET_KEY = "integration-secret-key-0123456789abcdef"


def helpline_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    env.update({"HELPLINE_DATABASE_URL": database_url, "HELPLINE_SECRET_KEY": SECRET_KEY,
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def build_prompts(out: Path, database_url: str, workdir: Path) -> str:
    """`helpline prompts build --out OUT` (Hindi and English, with the Hindi `digits` links)."""
    result = subprocess.run([str(HELPLINE), "prompts", "build", "--out", str(out)], cwd=workdir,
                            env=helpline_env(database_url), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"helpline prompts build failed: {result.stdout}{result.stderr}")
    return result.stdout


class HelplineServer:
    """`helpline serve` on its own web and FastAGI ports, talking to the test Asterisk."""

    def __init__(self, workdir: Path, database_url: str, *, agi_port: int | None = None) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.web_port = free_port(socket.SOCK_STREAM, both=False)
        self.agi_port = agi_port or free_port(socket.SOCK_STREAM, both=False)
        self.log = workdir / "helpline-serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.extra: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self, ami_url: str, **extra: str) -> None:
        self.extra = extra
        env = helpline_env(self.database_url, HELPLINE_WEB_PORT=str(self.web_port),
                           HELPLINE_AGI_PORT=str(self.agi_port), HELPLINE_AGI_HOST="127.0.0.1",
                           HELPLINE_AMI_URLS=ami_url, **extra)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([str(HELPLINE), "serve"], cwd=self.workdir, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"helpline serve exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                health = httpx.get(f"{self.url}/api/v1/health", timeout=2).json()
                if health.get("pbx") and all(p.get("connected") for p in health["pbx"]):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"helpline serve did not connect to Asterisk within 60 s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, lines: int = 60) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

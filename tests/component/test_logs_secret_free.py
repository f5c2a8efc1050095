"""`helpline serve` as a process: a login, a websocket (token in the URL and by cookie), a DNC
change and failed logins leave no token, password, cookie, secret or full phone number in its
log at INFO (issue #11)."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from tests.fakes.console import form_login
from tests.helpers import PASSWORD, make_user
from storage.db import Database

REPO = Path(__file__).resolve().parents[2]
SECRET = "log-test-secret-key-0123456789"
AMI_SECRET = "ami-s3cret-word"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_logs_nothing_secret(sqlite_url: str, tmp_path: Path) -> None:
    db = Database(sqlite_url)
    await make_user(db, "admin1", "admin")
    await make_user(db, "agent1", "agent", extension="agent1001")
    await db.dispose()
    web, agi, ami = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "HELPLINE_DATABASE_URL": sqlite_url, "HELPLINE_SECRET_KEY": SECRET,
           "HELPLINE_WEB_PORT": str(web), "HELPLINE_AGI_PORT": str(agi), "HELPLINE_REDIS_URL": "",
           "HELPLINE_AMI_URLS": f"ami://helpline:{AMI_SECRET}@127.0.0.1:{ami}"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve"], cwd=tmp_path, env=env,
                                stdout=log_file, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{web}"
            async with httpx.AsyncClient(base_url=base, timeout=10) as c:
                async with asyncio.timeout(30):
                    while True:
                        try:
                            if (await c.get("/api/v1/health")).status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        assert proc.poll() is None, log_path.read_text()
                        await asyncio.sleep(0.1)
                token = (await c.post("/api/v1/auth/token", json={"username": "admin1", "password": PASSWORD})).json()[
                    "access_token"]
                agent_token = (await c.post("/api/v1/auth/token",
                                            json={"username": "agent1", "password": PASSWORD})).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                assert (await c.post("/api/v1/dnc", json={"phone": "+91 98765 43277", "reason": "asked"},
                                     headers=headers)).status_code == 201
                assert (await c.delete("/api/v1/dnc/9876543277", headers=headers)).status_code == 200
                assert (await c.delete("/api/v1/dnc/9876543277", headers=headers)).status_code == 404
                await c.post("/api/v1/auth/token", json={"username": "Pa55word-typed-here", "password": "x1y2z3w4"})
                await c.post("/api/v1/auth/token", json={"username": "agent1", "password": "wrong-Secret-77"})
                assert (await form_login(c, "agent1")).status_code == 303
                cookie = c.cookies.get("helpline_session")
            async with connect(f"ws://127.0.0.1:{web}/ws/agent?token={agent_token}") as ws:
                await asyncio.wait_for(ws.recv(), 10)
            async with connect(f"ws://127.0.0.1:{web}/ws/agent",
                               additional_headers={"Cookie": f"helpline_session={cookie}"}) as ws:
                await asyncio.wait_for(ws.recv(), 10)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert "WebSocket /ws/agent" in text and "/api/v1/dnc/" in text  # the lines are there, masked
    for secret in (token, agent_token, cookie, token.split(".")[1], PASSWORD, "x1y2z3w4", "Pa55word-typed-here",
                   "wrong-Secret-77", SECRET, AMI_SECRET, "9876543277", "98765 43277"):
        assert secret and secret not in text, f"{secret[:12]}… in the log:\n{text[-3000:]}"
    assert not re.search(r"(?<![0-9X])[6-9][0-9]{9}(?![0-9])", text), text[-3000:]

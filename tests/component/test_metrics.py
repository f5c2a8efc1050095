"""GET /metrics (issue 10): Prometheus text of one process, not public; JSON log lines."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from helpline.metrics import render
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.cti_stack import CtiStack, receive_json, receive_until

REPO = Path(__file__).resolve().parents[2]


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_of_a_call(db_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(db_url, ami) as stack:
        pod = f"{ami.host}:{ami.port}"
        ws = await stack.socket("/ws/agent", await stack.user("agent1", extension="agent1001"))
        assert (await receive_json(ws))["type"] == "agent.state"  # the socket is live: pops reach it
        await ami.replay("inbound-answered")
        await receive_until(ws, "call.ended", timeout=15)
        await ws.close()
        async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
            r = await http.get("/metrics")
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
            assert (await http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).status_code == 403
        got = _samples(r.text)
        assert got[("helpline_ami_connected", (("pod", pod),))] == 1.0
        assert got[("helpline_ami_owner", (("pod", pod),))] == 1.0
        assert got[("helpline_calls_ended_total", (("outcome", "answered"), ("pod", pod), ("queue", "helpline-hi")))] == 1
        assert got[("helpline_pops_sent_total", ())] >= 3  # ringing, answered, ended (and agent states)
        latency = {labels: v for (name, labels), v in got.items() if name == "helpline_pop_latency_seconds_count"}
        assert sum(latency.values()) >= 3
        assert {dict(labels)["kind"] for labels in latency} >= {"call.ringing", "call.answered", "call.ended"}
        assert latency[(("kind", "agent.state"), ("state", "wrap_up"))] == 1  # an agent.state pop by its state
        for labels, count in latency.items():
            assert got[("helpline_pop_latency_seconds_bucket", tuple(sorted((*labels, ("le", "+Inf")))))] == count
        assert sum(v for (name, labels), v in got.items() if name == "helpline_agents") >= 1
        assert ("helpline_dialer_attempts_total", ()) not in got  # no samples: no dialer in this stack
        assert "# TYPE helpline_outbound_messages gauge" in r.text


async def test_metrics_need_the_token_when_one_is_set(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack:
        stack.ctx.settings = stack.ctx.settings.model_copy(update={"metrics_token": "scrape-me-0123456789"})
        async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
            r = await http.get("/metrics")
            assert r.status_code == 403 and r.json()["error"]["id"] == "forbidden"
            assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
            r = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
            assert r.status_code == 200 and "helpline_pops_sent_total" in r.text


def test_agi_dialer_and_outbox_figures() -> None:
    services = {"fastagi": SimpleNamespace(sessions=7, errors=2, active=1),
                "dialer": SimpleNamespace(outcomes=Counter(answered=3, busy=1))}
    backlog = {"rows": [("sms", "pending", 4, None), ("whatsapp", "sent", 9, None)], "undelivered": 1}
    got = _samples(render(services, backlog).decode())
    assert got[("helpline_agi_sessions_total", ())] == 7 and got[("helpline_agi_errors_total", ())] == 2
    assert got[("helpline_agi_active", ())] == 1
    assert got[("helpline_dialer_attempts_total", (("outcome", "answered"),))] == 3
    assert got[("helpline_outbound_messages", (("channel", "sms"), ("state", "pending")))] == 4
    assert got[("helpline_outbound_undelivered", ())] == 1


def test_json_log_lines_are_masked(tmp_path: Path) -> None:
    code = ("import logging; from helpline.cli import setup_logging; setup_logging(); "
            "logging.getLogger('helpline.test').warning('caller %s rang', '+919876543210')")
    env = {**os.environ, "HELPLINE_LOG_FORMAT": "json", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "helpline.test" and line["pid"] > 0
    assert "9876543210" not in line["message"] and line["message"].startswith("caller ")
    bad = subprocess.run([sys.executable, "-m", "helpline.cli", "serve"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env={**env, "HELPLINE_LOG_FORMAT": "xml"})
    assert bad.returncode == 1 and "HELPLINE_LOG_FORMAT must be text or json" in bad.stderr

"""`GET /metrics`: this process's figures in the Prometheus text format (prometheus-client).

Built at each scrape from the parts `helpline serve` runs (`ctx.services`), nothing on the hot
paths but a few counters and the pop latency histogram the CTI keeps. Per-pod figures come only
from the process that owns that pod's event stream, so a sum over all processes counts each pod
once; the outbound message backlog is read from the database and is the same on every process
(take the max, not the sum).

| metric | labels | meaning |
|---|---|---|
| `helpline_calls_waiting` | pod, queue | callers waiting in a queue now |
| `helpline_calls_ended_total` | pod, queue, outcome | calls ended (answered, abandoned, timeout …) since start |
| `helpline_agents` | pod, state | agents by state (ready, ringing, on_call, wrap_up, paused, logged_out) |
| `helpline_pops_sent_total` | | screen pops published by this process |
| `helpline_pop_latency_seconds` | kind, state | Asterisk's event time (the end of a wrap-up: the moment it ran out) → pop published (histogram), by pop type (`call.ringing` …) and, for `agent.state`, the state |
| `helpline_agi_sessions_total`, `helpline_agi_errors_total`, `helpline_agi_active` | | FastAGI |
| `helpline_dialer_attempts_total` | outcome | dialer calls settled by this process |
| `helpline_ami_connected`, `helpline_ami_owner` | pod | AMI connection up; this process owns the pod's events |
| `helpline_outbound_messages` | channel, state | the notification outbox by channel and state |
| `helpline_outbound_undelivered` | | messages the provider reported as not delivered |
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from cti import agents as ag

__all__ = ["CONTENT_TYPE_LATEST", "render"]


class _Collector:
    def __init__(self, services: dict[str, Any], backlog: dict[str, Any] | None) -> None:
        self.services = services
        self.backlog = backlog

    def collect(self) -> Iterator[Metric]:
        yield from self._cti()
        yield from self._agi()
        yield from self._dialer()
        yield from self._outbox()

    def _cti(self) -> Iterator[Metric]:
        cti = self.services.get("cti")
        pool = self.services.get("ami")
        connected = GaugeMetricFamily("helpline_ami_connected", "AMI connection to the pod is up", labels=["pod"])
        owner = GaugeMetricFamily("helpline_ami_owner", "this process owns the pod's event stream", labels=["pod"])
        if pool is not None:
            owners = cti.owners() if cti is not None else {}
            for client in pool.clients:
                connected.add_metric([client.name], 1.0 if client.connected else 0.0)
                owner.add_metric([client.name], 1.0 if owners.get(client.name) else 0.0)
        yield connected
        yield owner
        if cti is None:
            return
        waiting = GaugeMetricFamily("helpline_calls_waiting", "callers waiting in a queue", labels=["pod", "queue"])
        agents = GaugeMetricFamily("helpline_agents", "agents by state", labels=["pod", "state"])
        for name, server in cti.servers.items():
            if not server.owner:
                continue
            by_queue: dict[str, int] = {}
            for record in server.calls.waiting():
                by_queue[record.queue or ""] = by_queue.get(record.queue or "", 0) + 1
            for queue, count in sorted(by_queue.items()):
                waiting.add_metric([name, queue], float(count))
            by_state = dict.fromkeys(ag.STATES, 0)
            for view in server.agents.snapshot(server.clock.now()).agents:
                by_state[view.state] += 1
            for state, count in by_state.items():
                agents.add_metric([name, state], float(count))
        yield waiting
        yield agents
        ended = CounterMetricFamily("helpline_calls_ended", "calls ended, by outcome",
                                    labels=["pod", "queue", "outcome"])
        for (pod, queue, outcome), count in sorted(cti.calls_ended.items()):
            ended.add_metric([pod, queue, outcome], float(count))
        yield ended
        yield CounterMetricFamily("helpline_pops_sent", "screen pops published", value=float(cti.pops_sent))
        yield from cti.pop_latency.collect()

    def _agi(self) -> Iterator[Metric]:
        agi = self.services.get("fastagi")
        if agi is None:
            return
        yield CounterMetricFamily("helpline_agi_sessions", "FastAGI sessions run", value=float(agi.sessions))
        yield CounterMetricFamily("helpline_agi_errors", "FastAGI sessions that failed", value=float(agi.errors))
        yield GaugeMetricFamily("helpline_agi_active", "FastAGI sessions running now", value=float(agi.active))

    def _dialer(self) -> Iterator[Metric]:
        dialer = self.services.get("dialer")
        attempts = CounterMetricFamily("helpline_dialer_attempts", "dialer calls settled, by outcome",
                                       labels=["outcome"])
        if dialer is not None:
            for outcome, count in sorted(dialer.outcomes.items()):
                attempts.add_metric([outcome], float(count))
        yield attempts

    def _outbox(self) -> Iterator[Metric]:
        if self.backlog is None:
            return
        messages = GaugeMetricFamily("helpline_outbound_messages", "notification outbox by channel and state",
                                     labels=["channel", "state"])
        for channel, state, count, _oldest in self.backlog["rows"]:
            messages.add_metric([channel, state], float(count))
        yield messages
        yield GaugeMetricFamily("helpline_outbound_undelivered", "messages the provider could not deliver",
                                value=float(self.backlog["undelivered"]))


def render(services: dict[str, Any], backlog: dict[str, Any] | None) -> bytes:
    """The Prometheus text of this process."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(services, backlog))  # type: ignore[arg-type]
    return generate_latest(registry)

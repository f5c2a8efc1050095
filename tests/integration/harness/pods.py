"""Scale-out on real Asterisk (issue 10): two throwaway Asterisk pods and two `helpline serve`
processes sharing one scratch PostgreSQL database and Redis, each process connected to both pods.

    pods = Pods.start(root, asterisk_dir)      # ~30 s: database, prompts, 2 Asterisks, 2 serves
    a, b = pods.labs                           # a Lab per pod: its Asterisk, and one serve as desk
    await a.phone("agent1001", Answerer())     # agent1001's phone registers on pod A only
    owner = await pods.owner_of(a.pbx)         # the serve owning pod A's event stream
    owner.proc.kill()                          # SIGKILL
    pods.stop()

Each pod has the inter-pod trunk of pjsip_helpline.conf.sample to the other (endpoints `pod-b`
on pod A and `pod-a` on pod B), and both serves are told so (HELPLINE_POD_TRUNKS), so a blind
transfer to the other pod's agent goes over it.
Pod A's dialplan names serve 1 as its FastAGI host and serve 2 as the second (HELPLINE_AGI,
HELPLINE_AGI2); pod B the other way round. Each Asterisk has its own SIP, AMI, HTTP and RTP
ports, and its own `systemname` (pod-a, pod-b) so call ids (Linkedid) never collide across pods. `Lab` (harness/lab.py) is reused as is: pod A's Lab talks to serve 1's web port, pod B's
to serve 2's, so a desk on one process follows calls of the pod the other may own.
"""
from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from storage.seed import migrate_and_seed
from tests import dbs
from tests.integration.harness.lab import Lab
from tests.integration.harness.pbx import Pbx
from tests.integration.harness.serve import HelplineServer, build_prompts

REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class PodsUnavailable(RuntimeError):
    """PostgreSQL or Redis, which scale-out needs, is not reachable."""


async def _create_database() -> str:
    name = f"helpline_pods_{uuid.uuid4().hex[:10]}"
    try:
        conn = await asyncpg.connect(dbs.PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        raise PodsUnavailable(f"PostgreSQL not reachable at {dbs.PG_ADMIN_URL}: {exc}") from exc
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = dbs._async_url(dbs.PG_ADMIN_URL, name)
    await migrate_and_seed(url)
    return url


async def _drop_database(url: str) -> None:
    conn = await asyncpg.connect(dbs.PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def _redis_ping() -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        raise PodsUnavailable(f"Redis not reachable at {REDIS_URL}: {exc}") from exc
    finally:
        await client.aclose()


def _rtp_ranges() -> tuple[tuple[int, int], tuple[int, int]]:
    """Two RTP ranges of 100 ports, per test process, away from the session lab's 20000-39999."""
    base = 40000 + (os.getpid() % 120) * 200
    return (base, base + 99), (base + 100, base + 199)


@dataclass
class Pods:
    root: Path
    database_url: str
    pbxs: list[Pbx]
    servers: list[HelplineServer]
    labs: list[Lab]

    @classmethod
    def start(cls, root: Path, asterisk_dir: Path, **serve_env: str) -> Pods:
        asyncio.run(_redis_ping())
        database_url = asyncio.run(_create_database())
        pbxs: list[Pbx] = []
        servers: list[HelplineServer] = []
        try:
            prompts = root / "prompts"
            build_prompts(prompts, database_url, root)
            for n in (1, 2):
                (root / f"serve-{n}").mkdir()
            servers = [HelplineServer(root / f"serve-{n}", database_url) for n in (1, 2)]
            ranges = _rtp_ranges()
            pbxs = [Pbx(root / "pod-a", asterisk_dir, prompts, agi_port=servers[0].agi_port,
                        agi2_port=servers[1].agi_port, rtp_range=ranges[0], systemname="pod-a"),
                    Pbx(root / "pod-b", asterisk_dir, prompts, agi_port=servers[1].agi_port,
                        agi2_port=servers[0].agi_port, rtp_range=ranges[1], systemname="pod-b")]
            # the inter-pod trunk (pjsip_helpline.conf.sample [helpline-pod]), one endpoint per peer
            pbxs[0].peers, pbxs[1].peers = {"pod-b": pbxs[1].sip_port}, {"pod-a": pbxs[0].sip_port}
            with ThreadPoolExecutor(2) as pool:
                for future in [pool.submit(pbx.start) for pbx in pbxs]:
                    future.result()
            urls = ",".join(pbx.ami_url for pbx in pbxs)
            env = {"HELPLINE_REDIS_URL": REDIS_URL, "HELPLINE_REDIS_CHANNEL": f"helpline:pods:{uuid.uuid4().hex}",
                   "HELPLINE_SOUNDS_DIR": str(prompts),
                   "HELPLINE_POD_TRUNKS": ",".join(f"{cls.server_name(pbx)}={pbx.systemname}" for pbx in pbxs),
                   **serve_env}
            with ThreadPoolExecutor(2) as pool:  # both wait for both pods connected
                for future in [pool.submit(server.start, urls, **env) for server in servers]:
                    future.result()
        except BaseException:
            for server in servers:
                server.stop()
            for pbx in pbxs:
                pbx.stop()
            asyncio.run(_drop_database(database_url))
            raise
        labs = [Lab(pbx.root, pbx, server, database_url) for pbx, server in zip(pbxs, servers)]
        return cls(root, database_url, pbxs, servers, labs)

    def restart(self, server: HelplineServer) -> None:
        """Start a (killed) serve again with the same settings; returns once both pods are connected."""
        server.start(",".join(pbx.ami_url for pbx in self.pbxs), **server.extra)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        for pbx in self.pbxs:
            pbx.stop()
        asyncio.run(_drop_database(self.database_url))

    @staticmethod
    def server_name(pbx: Pbx) -> str:
        """The pod's name in Helpline (`calls.server`, /health): host:port of its AMI."""
        return f"127.0.0.1:{pbx.ami_port}"

    async def owners(self) -> dict[str, HelplineServer]:
        """Pod name -> the live serve owning its event stream (asserts no pod has two owners)."""
        out: dict[str, HelplineServer] = {}
        for server in self.servers:
            if server.proc is None or server.proc.poll() is not None:
                continue
            try:
                async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
                    health = (await http.get("/api/v1/health")).json()
            except (httpx.HTTPError, ValueError):
                continue
            for link in health.get("pbx", []):
                if link.get("owner"):
                    name = link["url"].rsplit("@", 1)[-1]
                    assert name not in out, f"{name} has two owners"
                    out[name] = server
        return out

    async def owner_of(self, pbx: Pbx) -> HelplineServer | None:
        return (await self.owners()).get(self.server_name(pbx))

    def logs(self) -> str:
        return "\n".join(f"--- {s.workdir.name}\n{s.tail(40)}" for s in self.servers)

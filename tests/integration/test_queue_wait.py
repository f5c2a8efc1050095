"""(d) Waiting in the queue: the Hindi position announcement spoken with our number words from
sounds/hi/digits (made by `helpline prompts build`), and the in-queue callback offer: the
caller presses 1, leaves the queue, and the request is stored with the first join time."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from storage.models import CallbackRequest
from storage.queries import calls as call_q
from tests.integration.harness.lab import Lab, until
from tests.integration.harness.pbx import QUEUE_TUNING
from tests.integration.harness.sip import Answerer, Caller


async def test_position_in_hindi_and_callback_offer_keeps_the_join_time(lab: Lab) -> None:
    agent = await lab.user("qagent2", extension="agent1002")
    await lab.phone("agent1002", Answerer())
    await lab.login(agent)
    async with lab.http() as http:  # paused: callers join and wait (a break ends)
        r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=agent)
        assert r.status_code == 200, r.text
    first, second = "9876500021", "9876500022"
    to_queue = [("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"),
                ("pause", lab.prompt_ms("hi", "queue-connecting"))]
    offer_at = int(QUEUE_TUNING["periodic-announce-startdelay"]) * 1000
    async with lab.observer() as ami:
        a = await lab.call(Caller(caller=first, steps=[*to_queue, ("pause", offer_at + 1500), ("dtmf", "1")],
                                  wait_bye=True, max_wait_ms=60000))
        await ami.wait(lambda e: e.event == "Newchannel" and e.get("CallerIDNum") == first, 30, "first call")
        await ami.wait(lambda e: e.event == "DTMFEnd" and e.get("CallerIDNum") == first, 30, "first digit")
        b = await lab.call(Caller(caller=second, steps=[*to_queue, ("pause", 6000)]))
        join_a = await ami.wait(lambda e: e.event == "QueueCallerJoin" and e.get("CallerIDNum") == first, 30,
                                "first caller in the queue")
        join_b = await ami.wait(lambda e: e.event == "QueueCallerJoin" and e.get("CallerIDNum") == second, 30,
                                "second caller in the queue")
        assert (join_a.get("Queue"), join_a.get("Position")) == ("helpline-hi", "1")
        assert (join_b.get("Queue"), join_b.get("Position")) == ("helpline-hi", "2")
        leave = await ami.wait(lambda e: e.event == "QueueCallerLeave" and e.get("CallerIDNum") == first, 40,
                               "the first caller leaving the queue with 1")
        assert await a.finished(60) == 0, a.errors()
        assert await b.finished(60) == 0, b.errors()
        a_channel, b_channel = join_a.get("Channel"), join_b.get("Channel")
        joined = [e.get("Value") for e in ami.named("VarSet", Variable="HELPLINE_QUEUE_JOINED", Channel=a_channel)]
        cb_ids = [e.get("Value") for e in ami.named("VarSet", Variable="HELPLINE_CALLBACK", Channel=a_channel)]
    # Asterisk: the second caller heard "there are 2 callers ahead" with the Hindi word for 2
    played_b = lab.played(b_channel)
    names_b = [f for f, _ in played_b]
    pos = names_b.index("helpline/queue-position-before.slin")
    assert names_b[pos + 1] == "digits/2.slin", names_b  # .slin: our WAV, not Debian's English digits/2.gsm
    assert names_b[pos + 2] == "helpline/queue-position-after.slin"
    assert (lab.pbx.prompts / "hi" / "digits" / "2.wav").is_symlink()
    # the first caller: "you are next", the offer, then 1 pressed: out of the queue, request recorded
    names_a = [f for f, _ in lab.played(a_channel)]
    assert "helpline/queue-you-are-next.slin" in names_a
    offer = names_a.index("helpline/queue-callback-offer.slin")
    assert "helpline/callback-confirmed.slin" in names_a[offer:]
    assert leave.get("Queue") == "helpline-hi"
    exits = [row for row in lab.pbx.queue_log() if len(row) > 5 and row[1] == join_a.get("Uniqueid")]
    assert [row[4] for row in exits][-1] == "EXITWITHKEY" and exits[-1][5] == "1", exits
    assert cb_ids and cb_ids[-1]

    async def request() -> Any:
        async with lab.db() as db, db.sessions() as session:
            return (await session.execute(select(CallbackRequest).where(
                CallbackRequest.phone == "+91" + first))).scalars().first()
    stored = await until(request, 20, "callback request")
    assert str(stored.id) == cb_ids[-1]
    assert (stored.queue, stored.language, stored.kind, stored.state) == ("helpline-hi", "hi", "request", "open")
    assert stored.queue_joined_at == datetime.fromtimestamp(int(joined[0]), timezone.utc)
    assert stored.queue_joined_at < stored.requested_at

    async def row() -> Any:
        async with lab.db() as db, db.sessions() as session:
            return await call_q.by_linkedid(session, join_a.get("Linkedid"))
    [call] = await until(row, 30, "the first caller's calls row")
    assert call.outcome == "callback"

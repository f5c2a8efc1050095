"""pywa (the PyPI WhatsApp Cloud API library DESIGN §10 names) measured against messaging/whatsapp/.

    .venv/bin/pip install -e '.[bench]' && python -m bench.whatsapp_clients

Checks what decided docs/whatsapp.md: where pywa sends when its httpx session is given another
base URL (tests and HELPLINE_WHATSAPP_API_URL need a fake Graph API), what it does on a
temporary Graph error (503, code 2), whether it parses a webhook update whose contact has no
`user_id`, its import time, and webhook parsing speed next to ours.
"""
from __future__ import annotations

import asyncio
import json
import time
import timeit
from typing import Any

import httpx

from messaging.whatsapp import webhook as ours

CONTACT = {"profile": {"name": "Sita"}, "wa_id": "919812345678"}


def update(contact: dict[str, Any]) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "911076", "phone_number_id": "1234567890"},
        "contacts": [contact], "messages": [{"from": "919812345678", "id": "wamid.A", "timestamp": "1700000000",
                                             "type": "text", "text": {"body": "नमस्ते"}}]}, "field": "messages"}]}]}).encode()


async def sending(whatsapp_cls: Any) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if len(seen) <= 2:
            return httpx.Response(503, json={"error": {"message": "temporarily unavailable", "code": 2}})
        return httpx.Response(200, json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.X"}]})

    session = httpx.AsyncClient(base_url="http://fake-graph.test/v21.0", transport=httpx.MockTransport(handler))
    client = whatsapp_cls(phone_id="1234567890", token="t", session=session, server=None, verify_token=None)
    for attempt in range(3):
        try:
            await client.send_message(to="919812345678", text="नमस्ते")
            print(f"pywa send {attempt}: sent")
        except Exception as exc:  # noqa: BLE001 - what it raises is the finding
            print(f"pywa send {attempt}: raised {type(exc).__name__} (no retry)")
    print("pywa sent to:", sorted(set(seen)), "(asked for http://fake-graph.test/v21.0)")


def main() -> None:
    started = time.perf_counter()
    from pywa_async import WhatsApp
    from pywa_async.types import Message

    print(f"import pywa_async: {(time.perf_counter() - started) * 1000:.0f} ms")
    asyncio.run(sending(WhatsApp))
    client = WhatsApp(phone_id="1234567890", token="t", server=None, verify_token=None)
    try:
        Message.from_update(client=client, update=json.loads(update(CONTACT)))
        print("pywa: update without contacts[].user_id parsed")
    except KeyError as exc:
        print(f"pywa: update without contacts[].user_id raises KeyError {exc}")
    body = update({**CONTACT, "user_id": "IN.123"})
    n = 20000
    theirs = timeit.timeit(lambda: Message.from_update(client=client, update=json.loads(body)), number=n)
    mine = timeit.timeit(lambda: ours.parse(body), number=n)
    print(f"webhook text updates parsed: ours {n / mine:,.0f}/s, pywa {n / theirs:,.0f}/s")


if __name__ == "__main__":
    main()

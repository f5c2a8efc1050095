"""A fake SMS gateway speaking the JSON of messaging/sms/gateway.py over real HTTP: records each
accepted message; `down = True` answers 503 (nothing accepted), `refuse` answers 400."""
from __future__ import annotations

import itertools
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.http_peer import HttpPeer


class FakeSmsGateway(HttpPeer):
    def __init__(self, api_key: str = "sms-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.down = False
        self.refused = 0
        self._ids = itertools.count(1)

    @property
    def send_url(self) -> str:
        return f"{self.url}/v1/sms"

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.received)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/sms", self._send, methods=["POST"])])

    async def _send(self, request: Request) -> Response:
        if self.down:
            self.refused += 1
            return JSONResponse({"error": "service unavailable"}, status_code=503)
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": "bad api key"}, status_code=401)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "not JSON"}, status_code=400)
        if not str(body.get("to", "")).isdigit() or not body.get("text"):
            return JSONResponse({"error": "to and text are required"}, status_code=400)
        sms_id = f"sms-{next(self._ids)}"
        await self.record({**body, "id": sms_id})
        return JSONResponse({"id": sms_id, "status": "accepted"})

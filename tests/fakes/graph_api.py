"""A fake WhatsApp Cloud API (Graph API) speaking the documented JSON over real HTTP.

- POST /{version}/{phone-number-id}/messages with `Authorization: Bearer <token>`: a message
  (`messaging_product: whatsapp`, `to`, `type` text | interactive | template with its object)
  → `{"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],"messages":[{"id":"wamid…"}]}`;
  a read receipt (`status: read`, `message_id`) → `{"success": true}`.
  Wrong token → 401 `{"error":{"code":190,"type":"OAuthException",…}}`; a body that is not a
  valid message → 400 `{"error":{"code":100,…}}`.
- GET /{version}/{media-id} → `{"url","mime_type","sha256","file_size","id","messaging_product"}`,
  and GET on that url (with the token) → the bytes.
`fail(n, status, code)` makes the next n sends fail; `down = True` answers 503 to everything.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.http_peer import HttpPeer

VERSION = "v21.0"
TYPES = ("text", "interactive", "template", "image", "audio", "document")


def error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "OAuthException" if code == 190 else "GraphMethodException",
                                   "code": code, "fbtrace_id": "AbCdEf"}}, status_code=status)


class FakeGraphApi(HttpPeer):
    def __init__(self, token: str = "test-token", phone_number_id: str = "1234567890", sock: object = None) -> None:
        super().__init__(sock)  # type: ignore[arg-type]
        self.token, self.phone_number_id = token, phone_number_id
        self.media: dict[str, tuple[bytes, str]] = {}
        self.reads: list[str] = []
        self.down = False
        self._failures: list[tuple[int, int]] = []
        self._ids = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"{self.url}/{VERSION}"

    def fail(self, times: int, status: int = 500, code: int = 131000) -> None:
        self._failures.extend([(status, code)] * times)

    def add_media(self, media_id: str, data: bytes, mime: str) -> None:
        self.media[media_id] = (data, mime)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received]

    def to(self, number: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("to") == number]

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route(f"/{VERSION}/{{number_id}}/messages", self._messages, methods=["POST"]),
            Route("/media-bytes/{media_id}", self._media_bytes, methods=["GET"]),
            Route(f"/{VERSION}/{{media_id}}", self._media_info, methods=["GET"]),
        ])

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    async def _messages(self, request: Request) -> Response:
        if self.down:
            return error(503, 2, "Service temporarily unavailable")
        if not self._authorised(request):
            return error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.path_params["number_id"] != self.phone_number_id:
            return error(400, 100, "Unsupported post request. Object with ID does not exist")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, 100, "Invalid parameter")
        if body.get("messaging_product") != "whatsapp":
            return error(400, 100, "The parameter messaging_product is required.")
        if body.get("status") == "read":
            self.reads.append(str(body.get("message_id")))
            return JSONResponse({"success": True})
        kind = body.get("type", "text")
        if not body.get("to") or kind not in TYPES or not isinstance(body.get(kind), dict):
            return error(400, 100, "Invalid parameter")
        if self._failures:
            status, code = self._failures.pop(0)
            return error(status, code, "Something went wrong")
        wamid = f"wamid.FAKE{next(self._ids):06d}"
        await self.record({"body": body, "id": wamid})
        return JSONResponse({"messaging_product": "whatsapp",
                             "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                             "messages": [{"id": wamid}]})

    async def _media_info(self, request: Request) -> Response:
        if not self._authorised(request):
            return error(401, 190, "Invalid OAuth access token")
        media_id = request.path_params["media_id"]
        if media_id not in self.media:
            return error(400, 100, "Unsupported get request")
        data, mime = self.media[media_id]
        return JSONResponse({"messaging_product": "whatsapp", "url": f"{self.url}/media-bytes/{media_id}",
                             "mime_type": mime, "sha256": hashlib.sha256(data).hexdigest(),
                             "file_size": len(data), "id": media_id})

    async def _media_bytes(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response(status_code=401)
        data, mime = self.media.get(request.path_params["media_id"], (b"", ""))
        return Response(data, media_type=mime) if data else Response(status_code=404)

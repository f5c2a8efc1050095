"""The first thing every HTTP request meets: size limits, control characters, the last-resort 500.

A pure ASGI middleware (outermost but for the proxy-header one), so it acts before FastAPI
reads or parses anything:

- Body size per route (`LIMITS`, first match wins): a declared Content-Length over the limit is
  refused at once; a body sent without one is counted as it streams and refused when it
  passes the limit. Small bodies (JSON, forms) are read here in full and handed on; uploads
  (`STREAMED`) flow through, counted.
- Control characters (grievance.text) in the path, the query string, a JSON body's strings
  and keys, or a form's fields are refused with 422 and the usual error body, before any
  route sees them (NUL breaks PostgreSQL text columns; the rest is never typed on purpose).
- Any exception that escapes the app becomes a JSON 500 `{"error": {"id": "internal", …}}`,
  logged with its traceback; no request ever gets a plain-text 500.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from agent_console.errors import error_body
from dialer.csv_import import MAX_BYTES as CSV_MAX_BYTES
from grievance.text import has_control
from ivr.voices import UPLOAD_MAX_BYTES
from messaging.whatsapp.webhook import MAX_BODY as WEBHOOK_MAX_BYTES

log = logging.getLogger("helpline.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

KIB = 1024
DEFAULT_LIMIT = 64 * KIB
# (method, path pattern, limit in bytes): first match wins.
LIMITS: list[tuple[str, re.Pattern[str], int]] = [
    ("POST", re.compile(r"/api/v1/auth/token\Z"), 4 * KIB),
    ("POST", re.compile(r"/login\Z"), 4 * KIB),
    ("POST", re.compile(r"/api/v1/campaigns/[^/]+/contacts\Z"), CSV_MAX_BYTES + 64 * KIB),
    ("POST", re.compile(r"/webhooks/whatsapp\Z"), WEBHOOK_MAX_BYTES),
    ("PUT", re.compile(r"/api/v1/admin/prompts/[^/]+/[^/]+\Z"), UPLOAD_MAX_BYTES + 64 * KIB),
    ("POST", re.compile(r"/admin/prompts\Z"), UPLOAD_MAX_BYTES + 64 * KIB),
    ("POST", re.compile(r"/supervisor/emergency/recording\Z"), UPLOAD_MAX_BYTES + 64 * KIB),
]
# Streamed through, counted, never decoded here: uploads, and the WhatsApp webhook, whose exact
# bytes carry Meta's signature (it drops control characters itself: a refusal would be retried
# by Meta for days).
STREAMED = (re.compile(r"/api/v1/campaigns/[^/]+/contacts\Z"), re.compile(r"/webhooks/whatsapp\Z"),
            re.compile(r"/api/v1/admin/prompts/[^/]+/[^/]+\Z"), re.compile(r"/admin/prompts\Z"),
            re.compile(r"/supervisor/emergency/recording\Z"))


def body_limit(method: str, path: str) -> int:
    for m, pattern, limit in LIMITS:
        if m == method and pattern.match(path):
            return limit
    return DEFAULT_LIMIT


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {_size(limit)}")
        self.limit = limit


def _size(limit: int) -> str:
    return f"{limit // (1024 * KIB)} MB" if limit >= 1024 * KIB else f"{limit // KIB} KB"


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": payload})


def control_problem(value: Any, where: str = "") -> str | None:
    """The first place in a decoded JSON value holding a control character, or None.

    Iterative, so a deeply nested body cannot exhaust the stack."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            if has_control(item):
                return at or "body"
        elif isinstance(item, dict):
            for key, inner in item.items():
                if has_control(str(key), multiline=False):
                    return at or "body"
                stack.append((inner, f"{at}.{key}" if at else str(key)))
        elif isinstance(item, list):
            stack.extend((inner, f"{at}.{i}" if at else str(i)) for i, inner in enumerate(item))
    return None


def _url_problem(scope: Scope) -> str | None:
    path = scope.get("path", "")
    if has_control(path, multiline=False):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        for key, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="surrogateescape"):
            if has_control(key, multiline=False) or has_control(value, multiline=False):
                return f"query.{key}" if not has_control(key, multiline=False) else "query"
        if has_control(unquote(query, errors="surrogateescape"), multiline=False):
            return "query"
    return None


def _body_problem(content_type: str, body: bytes) -> str | None:
    if not body:
        return None
    if content_type.startswith("application/json") or content_type.endswith("+json"):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None  # FastAPI answers malformed JSON itself (422)
        return control_problem(data)
    if content_type.startswith("application/x-www-form-urlencoded"):
        text = body.decode("utf-8", "surrogateescape")
        for key, value in parse_qsl(text, keep_blank_values=True, errors="surrogateescape"):
            if has_control(key, multiline=False) or has_control(value):
                return key if not has_control(key, multiline=False) else "form"
    return None


class EdgeGuard:
    """ASGI middleware: body limits, control characters, and the JSON 500 of last resort."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._handle(scope, receive, tracked_send)
        except BodyTooLarge as exc:
            if not started:
                await _send_json(send, 413, error_body("too_large", str(exc), {"limit_bytes": exc.limit}),
                                 [(b"connection", b"close")])
        except Exception:
            log.exception("internal error on %s %s", scope.get("method"), _loggable_path(scope))
            if not started:
                await _send_json(send, 500, error_body(
                    "internal", "something went wrong on the server; the error is logged, please try again"))

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = _url_problem(scope)
        if problem is not None:
            await _refuse_control(send, problem)
            return
        method, path = scope.get("method", "GET"), scope.get("path", "")
        limit = body_limit(method, path)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit)
        if any(p.match(path) for p in STREAMED):
            await self.app(scope, _counting(receive, limit), send)
            return
        body = await _read_body(receive, limit)
        if body is None:
            return  # the client went away
        problem = _body_problem(headers.get(b"content-type", b"").decode("latin-1").lower(), body)
        if problem is not None:
            await _refuse_control(send, problem)
            return
        await self.app(scope, _replay(body, receive), send)


async def _refuse_control(send: Send, field: str) -> None:
    message = f"{field or 'body'}: control characters (or bytes that are not UTF-8) are not allowed"
    await _send_json(send, 422, error_body("invalid_input", message,
                                           {"fields": [{"field": field, "message": "control characters (or bytes that are not UTF-8) are not allowed"}]}))


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # waits for the disconnect, as the server's receive does

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


def _loggable_path(scope: Scope) -> str:
    from common.privacy import mask_text

    return mask_text(scope.get("path", ""))

"""The Graph API client for sending (text, reply buttons, lists, templates) and fetching media.

httpx, one connection pool. Sending is paced by a token bucket (the number's throughput) and
retried with exponential backoff (honouring Retry-After) on rate limits, 5xx and network
errors; after `retries` it raises `GraphError` with `retryable` set, so a durable outbox can try
again later. Tokens and message bodies never reach the logs.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

# Graph error codes worth retrying: throttling (4, 80007, 130429, 131048, 131056), temporary
# service errors (1, 2, 131000, 133004).
RETRYABLE_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131048, 131056, 133004})
MAX_MEDIA = 16_000_000


class GraphError(Exception):
    def __init__(self, message: str, *, status: int = 0, code: int = 0, retryable: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.retryable, self.retry_after = status, code, retryable, retry_after


@dataclass(frozen=True, slots=True)
class Media:
    data: bytes
    mime: str


class TokenBucket:
    """`rate` acquisitions per second on average, bursts up to `rate` (at least 1)."""

    def __init__(self, rate: float, clock: Any = time.monotonic) -> None:
        self.rate = max(rate, 0.001)
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class GraphClient:
    def __init__(self, *, api_url: str, token: str, phone_number_id: str, rate: float = 40.0,
                 retries: int = 2, backoff: float = 0.5, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self.retries, self.backoff = retries, backoff
        self.bucket = TokenBucket(rate)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport,
                                       headers={"Authorization": f"Bearer {token}"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, payload: dict[str, Any]) -> str:
        """Send one message body (see payloads.py); returns WhatsApp's message id (wamid)."""
        await self.bucket.acquire()
        data = await self._call("POST", f"{self.api_url}/{self.phone_number_id}/messages", json=payload)
        messages = data.get("messages") if isinstance(data, dict) else None
        if not messages or not isinstance(messages[0], dict) or not messages[0].get("id"):
            raise GraphError("the Graph API answered without a message id", status=200)
        return str(messages[0]["id"])

    async def download_media(self, media_id: str, max_bytes: int = MAX_MEDIA) -> Media:
        """GET /{media-id} for its URL, then the bytes (the URL also needs the token)."""
        info = await self._call("GET", f"{self.api_url}/{media_id}")
        url = info.get("url") if isinstance(info, dict) else None
        if not url:
            raise GraphError("the Graph API gave no URL for this media")
        size = int(info.get("file_size") or 0)
        if size > max_bytes:
            raise GraphError(f"media of {size} bytes is larger than {max_bytes}")
        response = await self._request("GET", url)
        if len(response.content) > max_bytes:
            raise GraphError(f"media larger than {max_bytes} bytes")
        mime = str(info.get("mime_type") or response.headers.get("content-type", "")).split(";")[0].strip()
        return Media(response.content, mime)

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        response = await self._request(method, url, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise GraphError(f"the Graph API answered {response.status_code} without JSON",
                             status=response.status_code) from exc

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, url, **kwargs)
                error = None if response.status_code < 400 else _error_of(response)
            except httpx.HTTPError as exc:
                error = GraphError(f"Graph API unreachable: {type(exc).__name__}", retryable=True)
            if error is None:
                return response
            if not error.retryable or attempt >= self.retries:
                raise error
            delay = error.retry_after if error.retry_after is not None else self.backoff * (2 ** attempt)
            delay = min(delay, 30.0) * (0.8 + 0.4 * random.random())
            log.warning("whatsapp: %s; retrying in %.1f s", error, delay)
            attempt += 1
            await asyncio.sleep(delay)


def _error_of(response: httpx.Response) -> GraphError:
    code, message = 0, f"HTTP {response.status_code}"
    try:
        err = response.json().get("error") or {}
        code = int(err.get("code") or 0)
        message = f"HTTP {response.status_code}, Graph error {code}: {str(err.get('message', ''))[:200]}"
    except (ValueError, AttributeError, TypeError):
        pass
    retry_after = None
    if response.headers.get("retry-after", "").isdigit():
        retry_after = float(response.headers["retry-after"])
    retryable = response.status_code == 429 or response.status_code >= 500 or code in RETRYABLE_CODES
    return GraphError(message, status=response.status_code, code=code, retryable=retryable, retry_after=retry_after)

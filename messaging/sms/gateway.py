"""The SMS gateway client: one JSON POST per message to `HELPLINE_SMS_URL`.

Request (Authorization: Bearer HELPLINE_SMS_API_KEY when set):
    {"to": "919812345678", "sender": "HLPUP1", "text": "…", "unicode": true, "parts": 2,
     "dlt_entity_id": "…", "dlt_template_id": "…", "reference": "helpline-42"}
Answer: 2xx with JSON `{"id": "…"}` (any 2xx counts as accepted); 429, 5xx and network errors
are temporary (retried by the outbox), any other 4xx is a refusal. `reference` is the same on a
retry of the same message, for gateways that de-duplicate.
Devanagari (anything outside the GSM 03.38 alphabet) goes as Unicode: 70 characters in one
part, 67 per part beyond; GSM text 160 / 153.
"""
from __future__ import annotations

from dataclasses import dataclass

import httpx

GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")


class SmsError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def is_unicode(text: str) -> bool:
    return any(ch not in GSM_BASIC and ch not in GSM_EXTENDED for ch in text)


def parts(text: str) -> int:
    """How many SMS parts `text` takes."""
    if is_unicode(text):
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)  # UCS-2/UTF-16 code units
        return 1 if units <= 70 else -(-units // 67)
    septets = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
    return 1 if septets <= 160 else -(-septets // 153)


@dataclass(frozen=True)
class SmsConfig:
    url: str
    api_key: str = ""
    sender: str = ""
    entity_id: str = ""
    templates: dict[str, str] | None = None


class SmsGateway:
    def __init__(self, config: SmsConfig, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, headers=headers)

    async def aclose(self) -> None:
        await self._http.aclose()

    def request_body(self, to: str, text: str, purpose: str, reference: str) -> dict[str, object]:
        return {"to": to.lstrip("+"), "sender": self.config.sender, "text": text, "unicode": is_unicode(text),
                "parts": parts(text), "dlt_entity_id": self.config.entity_id,
                "dlt_template_id": (self.config.templates or {}).get(purpose, ""), "reference": reference}

    async def send(self, to: str, text: str, purpose: str, reference: str) -> str:
        """Send one SMS; returns the gateway's id (or the reference when it gives none)."""
        try:
            response = await self._http.post(self.config.url, json=self.request_body(to, text, purpose, reference))
        except httpx.HTTPError as exc:
            raise SmsError(f"SMS gateway unreachable: {type(exc).__name__}", retryable=True) from exc
        if response.status_code >= 400:
            retryable = response.status_code == 429 or response.status_code >= 500
            raise SmsError(f"SMS gateway answered {response.status_code}", retryable=retryable)
        try:
            data = response.json()
        except ValueError:
            data = {}
        return str(data.get("id") or reference) if isinstance(data, dict) else reference

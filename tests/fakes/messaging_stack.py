"""The app and the messaging component against a fake Graph API and a fake SMS gateway.

    async with MessagingStack(db_url) as stack:
        await stack.send(meta.text("919812345678", "नमस्ते"))   # signed webhook POST
        await stack.graph.wait_for(lambda got: len(got) >= 1)
"""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

from agent_console.app import create_app
from common.context import AppContext
from messaging.run import build, run_messaging
from storage.db import Database
from tests.conftest import make_settings
from tests.fakes import whatsapp_meta as meta
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.sms_gateway import FakeSmsGateway

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me"


class MessagingStack:
    def __init__(self, db_url: str, *, whatsapp: bool = True, sms: bool = True, run: bool = True,
                 settings: dict[str, Any] | None = None, **component: Any) -> None:
        self.db_url, self.with_whatsapp, self.with_sms, self.run = db_url, whatsapp, sms, run
        self.overrides = settings or {}
        self.component = component
        self.graph = FakeGraphApi()
        self.sms = FakeSmsGateway()
        self.stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "MessagingStack":
        await self.graph.__aenter__()
        await self.sms.__aenter__()
        values: dict[str, Any] = {"quiet_hours": "", "whatsapp_app_secret": APP_SECRET,
                                  "whatsapp_verify_token": VERIFY_TOKEN}
        if self.with_whatsapp:
            values.update(whatsapp_token=self.graph.token, whatsapp_phone_number_id=self.graph.phone_number_id,
                          whatsapp_api_url=self.graph.api_url)
        if self.with_sms:
            values.update(sms_url=self.sms.send_url, sms_api_key=self.sms.api_key, sms_sender="UPHELP",
                          sms_dlt_entity_id="1101000000000001",
                          sms_dlt_templates="registered=1107000000000001,disposed=1107000000000002")
        values.update(self.overrides)
        self.settings = make_settings(self.db_url, **values)
        self.db = Database(self.db_url)
        self.ctx = AppContext.build(self.settings, self.db)
        self.app = create_app(self.ctx)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://helpline.test")
        self.parts: dict[str, Any] = {}
        if not self.run:  # driven by hand: tests call stack.deliver() / stack.notify()
            self.parts = build(self.ctx, **self.component)
        else:
            self.start()
            async with asyncio.timeout(10):
                while "delivery" not in self.ctx.services:
                    await asyncio.sleep(0.01)
        return self

    def start(self) -> None:
        self.stop = asyncio.Event()
        self._task = asyncio.create_task(run_messaging(self.ctx, self.stop, **self.component))

    async def halt(self, *, kill: bool = False) -> None:
        """Stop the component (kill: cancel it wherever it is, like a killed process)."""
        if self._task is None:
            return
        if kill:
            self._task.cancel()
        else:
            self.stop.set()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def deliver(self) -> int:
        """One delivery pass (a stack built with run=False)."""
        return await self.parts["delivery"].pass_once()

    async def notify(self) -> int:
        """Notifier passes until the trail is read, then delivery; returns messages sent."""
        while await self.parts["notifier"].pass_once():
            pass
        sent = 0
        while (n := await self.deliver()):
            sent += n
        return sent

    async def send(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        return await meta.post(self.client, APP_SECRET, payload, **kw)

    async def __aexit__(self, *exc: object) -> None:
        await self.halt()
        if self.parts:
            await self.parts["channels"].aclose()
        await self.client.aclose()
        await self.db.dispose()
        await self.sms.__aexit__()
        await self.graph.__aexit__()

"""`/ws/whatsapp`: the agents' WhatsApp page hears `{"type":"chat.changed","conversation","state"}`
whenever a conversation is queued, taken, written to or closed (any process, through the hub),
and then fetches it. Same authentication, session end and close codes as `/ws/agent`."""
from __future__ import annotations

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from agent_console import ws
from common.context import AppContext
from cti.hub import Subscriber, session_key
from messaging.chat.publish import WHATSAPP_KEY

router = APIRouter()
ROLES = ("agent", "supervisor", "admin")


@router.websocket("/ws/whatsapp")
async def whatsapp_socket(websocket: WebSocket) -> None:
    ctx: AppContext = websocket.app.state.ctx
    await websocket.accept()
    hub = ctx.services.get("hub")
    subscribers: list[Subscriber] = []
    try:
        user, claims = await ws._authenticate(ctx, websocket)
        if user.role not in ROLES:
            raise ws._Close(ws.AUTH_FAILED, "WhatsApp conversations are for agents")
        if hub is None:
            raise ws._Close(ws.TRY_AGAIN, "the CTI service is not running")
        ended = hub.subscribe(session_key(user.id))
        sub = hub.subscribe(WHATSAPP_KEY)
        subscribers += [ended, sub]
        await ws._run(ctx, websocket, sub, claims, ['{"type":"chat.hello"}'], ended)
    except ws._Close as close:
        if websocket.client_state == WebSocketState.CONNECTED:
            await websocket.close(close.code, close.reason[:120])
    except (WebSocketDisconnect, OSError):
        pass
    finally:
        for subscriber in subscribers:
            hub.unsubscribe(subscriber)


SOCKETS = {"/ws/whatsapp": whatsapp_socket}  # served before the middleware stack (agent_console.sockets_first)

"""Actions waiting for Asterisk's answer, matched by ActionID."""
from __future__ import annotations

import asyncio
import logging

from cti.ami.errors import ActionFailed, AmiError, NotConnected
from cti.ami.framing import AmiMessage

log = logging.getLogger(__name__)


class _Pending:
    __slots__ = ("action", "future", "items")

    def __init__(self, action: str, future: asyncio.Future, items: list[AmiMessage] | None) -> None:
        self.action = action
        self.future = future
        self.items = items


class PendingActions:
    """Futures of the actions sent on one client. A plain action resolves with its response;
    a list action (`listing=True`) with its events up to the `…Complete` one (excluded)."""

    def __init__(self) -> None:
        self._by_id: dict[str, _Pending] = {}
        self.lists = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, action_id: str, action: str, *, listing: bool = False) -> asyncio.Future:
        if action_id in self._by_id:
            raise AmiError(f"ActionID {action_id!r} is already waiting for a response")
        future = asyncio.get_running_loop().create_future()
        self._by_id[action_id] = _Pending(action, future, [] if listing else None)
        if listing:
            self.lists += 1
        return future

    def discard(self, action_id: str) -> None:
        pending = self._by_id.pop(action_id, None)
        if pending is not None and pending.items is not None:
            self.lists -= 1

    def resolve(self, msg: AmiMessage) -> None:
        """Handle a response."""
        action_id = msg.action_id
        pending = self._by_id.get(action_id) if action_id else None
        if pending is None or pending.future.done():
            log.debug("AMI response for unknown or finished ActionID %s", action_id)
            return
        if msg.response == "Error":
            pending.future.set_exception(ActionFailed(pending.action, msg.get("Message", ""), msg))
        elif pending.items is None:
            pending.future.set_result(msg)
        elif (msg.get("EventList") or "").lower() != "start":
            pending.future.set_result([])

    def collect(self, msg: AmiMessage) -> bool:
        """File an event under its pending list action; True if it was one of its items."""
        action_id = msg.get("ActionID")
        pending = self._by_id.get(action_id) if action_id else None
        if pending is None or pending.items is None:
            return False
        if msg.get("EventList") == "Complete" or (msg.event or "").endswith("Complete"):
            if not pending.future.done():
                pending.future.set_result(pending.items)
        else:
            pending.items.append(msg)
        return True

    def fail_all(self, reason: str) -> None:
        """Fail every waiting action with NotConnected; none is ever sent again."""
        for pending in self._by_id.values():
            if not pending.future.done():
                pending.future.set_exception(NotConnected(f"{reason}; {pending.action} not answered"))
                pending.future.exception()  # retrieved: the waiter may be gone already
        self._by_id.clear()
        self.lists = 0

"""The bot: one conversation, one input, the next step and the replies (in the caller's transaction).

A conversation in state `bot` has a `step` and `data`; each input runs the step's handler,
which may move to another step, add replies, or hand the conversation to an agent
(`queued`). Before any step: STOP / START (consent), "menu", "agent". Free text the bot cannot
place goes to an agent, never into a void; so does an error inside a step.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.lifecycle import Actor
from grievance.service import Policy, Who
from messaging.chat.texts import say
from messaging.outbox import Reply
from storage.models import ChatConversation, MessageContact

log = logging.getLogger(__name__)

STOP_WORDS = {"stop", "unsubscribe", "बंद", "रोकें"}
START_WORDS = {"start", "शुरू"}
MENU_WORDS = {"menu", "मेनू", "hi", "hello", "hey", "namaste", "नमस्ते", "नमस्कार", "helpline", "0", "#"}
AGENT_WORDS = {"agent", "एजेंट", "person", "human", "सहायक"}
MAX_TRIES = 3
GREETINGS = {"hi", "hello", "hey", "namaste", "नमस्ते", "नमस्कार", "प्रणाम", "good"}


def is_menu_word(word: str) -> bool:
    """"menu", or a short greeting ("hello again", "नमस्ते जी"): show the menu."""
    words = word.split()
    return word in MENU_WORDS or (0 < len(words) <= 3 and words[0] in GREETINGS)


@dataclass(frozen=True, slots=True)
class ChatInput:
    kind: str  # text | reply | media | location | other
    text: str = ""
    reply_id: str = ""
    media_id: str = ""
    media_kind: str = ""
    mime: str = ""
    voice: bool = False

    @property
    def word(self) -> str:
        return " ".join(self.text.lower().split()) if self.kind == "text" else ""


@dataclass
class Chat:
    """What a step works with: the conversation, the contact, and where replies go."""

    session: AsyncSession
    conversation: ChatConversation
    contact: MessageContact
    policy: Policy
    tz: ZoneInfo
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    handed_over: bool = False

    @property
    def lang(self) -> str:
        return self.conversation.language

    @property
    def phone(self) -> str:
        return self.conversation.phone

    @property
    def data(self) -> dict[str, Any]:
        return self.conversation.data

    @property
    def who(self) -> Who:
        return Who(Actor.CHAT, "whatsapp")

    def say(self, key: str, **values: object) -> str:
        return say(self.lang, key, **values)

    def reply(self, text: str, **kw: Any) -> None:
        self.replies.append(Reply(text, **kw))

    def goto(self, step: str, **data: Any) -> None:
        self.conversation.step = step
        self.conversation.data = data

    def update(self, **data: Any) -> None:
        self.conversation.data = {**self.conversation.data, **data}

    def failed_try(self) -> bool:
        """Count a wrong answer; True when it was the last allowed (the chat goes to an agent)."""
        tries = int(self.data.get("tries", 0)) + 1
        self.update(tries=tries)
        return tries >= MAX_TRIES

    def hand_over(self, key: str = "queued") -> None:
        self.conversation.state = "queued"
        self.conversation.queued_at = self.now
        self.conversation.step = "agent"
        self.handed_over = True
        self.reply(self.say(key))


Step = Callable[[Chat, ChatInput], Awaitable[None]]


def menu(chat: Chat) -> None:
    chat.goto("menu")
    rows = (("m:register", chat.say("opt_register"), ""), ("m:status", chat.say("opt_status"), ""),
            ("m:feedback", chat.say("opt_feedback"), ""), ("m:agent", chat.say("opt_agent"), ""),
            ("m:language", chat.say("opt_language"), ""))
    chat.reply(chat.say("menu"), list_button=chat.say("menu_button"), rows=rows)


def ask_language(chat: Chat) -> None:
    chat.goto("language")
    chat.reply(say("hi", "choose_language"), buttons=(("lang:hi", "हिन्दी"), ("lang:en", "English")))


async def step_language(chat: Chat, inp: ChatInput) -> None:
    word = inp.reply_id or inp.word
    chosen = {"lang:hi": "hi", "1": "hi", "hindi": "hi", "हिन्दी": "hi", "हिंदी": "hi",
              "lang:en": "en", "2": "en", "english": "en", "अंग्रेज़ी": "en"}.get(word)
    chat.conversation.language = chat.contact.language = chosen or "hi"
    if chosen is None and inp.kind != "reply" and not is_menu_word(inp.word):
        chat.hand_over("not_understood")  # what they wrote is for a person; Hindi, as the IVR's default
        return
    menu(chat)


async def step_menu(chat: Chat, inp: ChatInput) -> None:
    from messaging.chat import lookup, register

    choice = inp.reply_id or {"1": "m:register", "2": "m:status", "3": "m:feedback", "4": "m:agent",
                              "5": "m:language"}.get(inp.word, "")
    if choice == "m:register":
        await register.start(chat)
    elif choice == "m:status":
        await lookup.start_status(chat)
    elif choice == "m:feedback":
        await lookup.start_feedback(chat)
    elif choice == "m:agent":
        chat.hand_over()
    elif choice == "m:language":
        ask_language(chat)
    elif is_menu_word(inp.word):
        menu(chat)
    else:
        chat.hand_over("not_understood")


async def handle(chat: Chat, inp: ChatInput, steps: dict[str, Step]) -> None:
    """Run one input through the conversation (consent words and menu first)."""
    word = inp.word
    if word in STOP_WORDS:
        chat.contact.stopped, chat.contact.stopped_at = True, chat.now
        chat.reply(chat.say("stopped"))
        return
    if word in START_WORDS:
        chat.contact.stopped, chat.contact.stopped_at = False, None
        chat.reply(chat.say("started"))
        if chat.conversation.state == "bot":
            menu(chat)
        return
    if chat.conversation.state != "bot":
        return  # queued for or with an agent: the agent reads it
    if inp.reply_id.startswith("fb:"):  # a feedback button, from the bot or a notification
        from messaging.chat import lookup

        await lookup.feedback_button(chat, inp.reply_id)
        return
    if chat.conversation.step == "start":
        if chat.contact.language is None:
            ask_language(chat)
            return
        chat.conversation.language = chat.contact.language
        if is_menu_word(word) or inp.kind == "reply" or not word:
            menu(chat)
            return
        chat.goto("menu")
    if is_menu_word(word) and chat.conversation.step not in ("language", "reg_name", "reg_description"):
        menu(chat)
        return
    if word in AGENT_WORDS:
        chat.hand_over()
        return
    step = steps.get(chat.conversation.step, step_menu)
    await step(chat, inp)

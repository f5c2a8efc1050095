"""Lists to choose from in a chat: WhatsApp shows at most 10 rows, so long lists are paged
(9 rows and "More ▶") and can be searched by typing part of a name, in Hindi or English."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from messaging.chat.engine import Chat

PAGE = 9


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    name_hi: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_hi


def show(chat: Chat, prompt: str, options: Sequence[Option], prefix: str, page: int = 0) -> None:
    """Reply with one page of `options` as a list (row ids `prefix:code`, next page `prefix+p:N`)."""
    if len(options) <= PAGE + 1:
        shown, more = list(options), False
    else:
        pages = -(-len(options) // PAGE)
        page = page % pages
        shown, more = list(options[page * PAGE:(page + 1) * PAGE]), True
    rows = [(f"{prefix}:{o.code}", o.name(chat.lang), o.name("en" if chat.lang == "hi" else "hi")) for o in shown]
    if more:
        rows.append((f"{prefix}p:{page + 1}", chat.say("more"), chat.say("more_hint")))
    chat.reply(prompt, list_button=chat.say("choose"), rows=tuple(rows))


def search(options: Sequence[Option], text: str) -> list[Option]:
    """Options whose Hindi or English name (or code) starts with, then contains, `text`."""
    needle = " ".join(text.lower().split())
    if not needle:
        return []
    exact = [o for o in options if needle in (o.code.lower(), o.name_en.lower(), o.name_hi)]
    if exact:
        return exact
    starts = [o for o in options if o.name_en.lower().startswith(needle) or o.name_hi.startswith(needle)]
    contains = [o for o in options if o not in starts and (needle in o.name_en.lower() or needle in o.name_hi)]
    return starts + contains


def picked(reply_id: str, prefix: str, options: Sequence[Option]) -> Option | None:
    if not reply_id.startswith(prefix + ":"):
        return None
    code = reply_id[len(prefix) + 1:]
    return next((o for o in options if o.code == code), None)


def page_asked(reply_id: str, prefix: str) -> int | None:
    if reply_id.startswith(prefix + "p:") and reply_id[len(prefix) + 2:].isdigit():
        return int(reply_id[len(prefix) + 2:])
    return None


async def choose(chat: Chat, text_prompt: str, options: Sequence[Option], prefix: str, inp) -> Option | None:  # type: ignore[no-untyped-def]
    """The option the input names (a row, or typed text matching one), or None after replying
    with what to do next (another page, the matches, or "not found")."""
    found = picked(inp.reply_id, prefix, options)
    if found is not None:
        return found
    page = page_asked(inp.reply_id, prefix)
    if page is not None:
        show(chat, text_prompt, options, prefix, page)
        return None
    matches = search(options, inp.text) if inp.kind == "text" else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        show(chat, text_prompt, matches[: PAGE + 1], prefix)
        return None
    if chat.failed_try():
        chat.hand_over("not_understood")
        return None
    show(chat, chat.say("no_district") if prefix == "d" else text_prompt, options, prefix)
    return None

"""Registering a complaint by chat: name, district, department, category, description, photos or
voice notes, confirmation; then `grievance.service.register` (channel `whatsapp`)."""
from __future__ import annotations

from grievance import service
from grievance.errors import DomainError, LimitReached
from messaging.chat import choices
from messaging.chat.choices import Option
from messaging.chat.engine import Chat, ChatInput, menu
from storage.models import ChatMedia
from storage.queries import chat as chat_q
from storage.queries import reference

MAX_MEDIA = 5
MIN_DESCRIPTION = 10
KEPT_KINDS = ("image", "audio", "document", "video")


async def start(chat: Chat) -> None:
    chat.goto("reg_name")
    chat.reply(chat.say("ask_name"))


async def _districts(chat: Chat) -> list[Option]:
    return [Option(d.code, d.name_hi, d.name_en) for d in await reference.districts(chat.session)]


async def _departments(chat: Chat) -> list[Option]:
    return [Option(d.code, d.name_hi, d.name_en) for d in await reference.departments(chat.session)]


async def _categories(chat: Chat, department: str) -> list[Option]:
    return [Option(c.code, c.name_hi, c.name_en) for c in await reference.categories(chat.session)
            if c.department_code == department]


async def step_name(chat: Chat, inp: ChatInput) -> None:
    name = " ".join(inp.text.split()) if inp.kind == "text" else ""
    if not name or len(name) > 150 or not any(ch.isalpha() for ch in name):
        chat.reply(chat.say("bad_name"))
        return
    chat.goto("reg_district", name=name)
    choices.show(chat, chat.say("ask_district"), await _districts(chat), "d")


async def step_district(chat: Chat, inp: ChatInput) -> None:
    found = await choices.choose(chat, chat.say("ask_district"), await _districts(chat), "d", inp)
    if found is None:
        return
    chat.update(district=found.code, tries=0)
    chat.conversation.step = "reg_department"
    choices.show(chat, chat.say("ask_department"), await _departments(chat), "dep")


async def step_department(chat: Chat, inp: ChatInput) -> None:
    found = await choices.choose(chat, chat.say("ask_department"), await _departments(chat), "dep", inp)
    if found is None:
        return
    chat.update(department=found.code, tries=0)
    chat.conversation.step = "reg_category"
    choices.show(chat, chat.say("ask_category"), await _categories(chat, found.code), "cat")


async def step_category(chat: Chat, inp: ChatInput) -> None:
    options = await _categories(chat, chat.data.get("department", ""))
    found = await choices.choose(chat, chat.say("ask_category"), options, "cat", inp)
    if found is None:
        return
    chat.update(category=found.code, tries=0)
    chat.conversation.step = "reg_description"
    chat.reply(chat.say("ask_description"))


async def step_description(chat: Chat, inp: ChatInput) -> None:
    if inp.kind == "media" and inp.media_kind == "audio":
        await _keep_media(chat, inp)
        chat.update(description=chat.say("voice_description"))
    elif inp.kind == "text" and len(inp.text.strip()) >= MIN_DESCRIPTION:
        chat.update(description=inp.text.strip()[: service.MAX_DESCRIPTION])
    else:
        if inp.kind == "media":
            await _keep_media(chat, inp)
        chat.reply(chat.say("short_description"))
        return
    chat.conversation.step = "reg_media"
    chat.reply(chat.say("ask_media"), buttons=(("media:done", chat.say("continue")),))


async def step_media(chat: Chat, inp: ChatInput) -> None:
    if inp.kind == "media":
        if int(chat.data.get("media", 0)) >= MAX_MEDIA:
            chat.reply(chat.say("media_limit", count=MAX_MEDIA), buttons=(("media:done", chat.say("continue")),))
            return
        await _keep_media(chat, inp)
        chat.reply(chat.say("media_saved", count=chat.data["media"]), buttons=(("media:done", chat.say("continue")),))
        return
    await _confirm(chat)


async def _keep_media(chat: Chat, inp: ChatInput) -> None:
    if inp.media_kind not in KEPT_KINDS or not inp.media_id:
        return
    await chat_q.add_media(chat.session, ChatMedia(
        conversation_id=chat.conversation.id, media_id=inp.media_id, kind=inp.media_kind, mime=inp.mime,
        state="waiting", received_at=chat.now))
    chat.update(media=int(chat.data.get("media", 0)) + 1)


async def _confirm(chat: Chat) -> None:
    data = chat.data
    names = {o.code: o.name(chat.lang) for o in await _districts(chat) + await _departments(chat)
             + await _categories(chat, data.get("department", ""))}
    chat.conversation.step = "reg_confirm"
    chat.reply(chat.say("confirm", name=data.get("name", ""), district=names.get(data.get("district"), ""),
                        department=names.get(data.get("department"), ""), category=names.get(data.get("category"), ""),
                        description=str(data.get("description", ""))[:300], media=int(data.get("media", 0))),
               buttons=(("reg:yes", chat.say("register")), ("reg:no", chat.say("cancel"))))


async def step_confirm(chat: Chat, inp: ChatInput) -> None:
    if inp.reply_id == "reg:no" or inp.word in ("no", "नहीं", "cancel"):
        chat.reply(chat.say("cancelled"))
        menu(chat)
        return
    if inp.reply_id != "reg:yes" and inp.word not in ("yes", "हाँ", "हां", "register"):
        await _confirm(chat)
        return
    data = chat.data
    try:
        async with chat.session.begin_nested():
            complaint = await service.register(chat.session, service.NewComplaint(
                phone=chat.phone, name=data["name"], district=data["district"], department=data["department"],
                category=data["category"], description=data["description"], language=chat.lang, channel="whatsapp",
            ), chat.who, chat.policy, chat.now)
    except LimitReached:
        chat.reply(chat.say("limit"))
        menu(chat)
        return
    except DomainError:
        chat.hand_over("error")
        return
    await chat_q.attach_media(chat.session, chat.conversation.id, complaint.id, chat.now)
    due = complaint.due_at.astimezone(chat.tz).strftime("%d-%m-%Y") if complaint.due_at else ""
    chat.reply(chat.say("registered", number=complaint.number, due=due))
    menu(chat)


STEPS = {"reg_name": step_name, "reg_district": step_district, "reg_department": step_department,
         "reg_category": step_category, "reg_description": step_description, "reg_media": step_media,
         "reg_confirm": step_confirm}

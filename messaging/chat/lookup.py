"""Status of a complaint by its number (check digit first, like the IVR) and feedback on a
disposed complaint (buttons that drive the lifecycle through `grievance.service.record_feedback`,
as the feedback call does; taken only from the number that registered the complaint)."""
from __future__ import annotations

from grievance import numbers, routing, service
from grievance.errors import DomainError, NotFound
from messaging.chat.engine import Chat, ChatInput, menu
from messaging.chat.texts import state_name
from storage.models import Complaint
from storage.queries import complaints as complaint_q
from storage.queries import reference

AWAITING_FEEDBACK = ("disposed", "disposed_l2")
LISTED = 9


def _date(chat: Chat, value) -> str:  # type: ignore[no-untyped-def]
    return value.astimezone(chat.tz).strftime("%d-%m-%Y") if value else ""


async def _own(chat: Chat) -> list[Complaint]:
    return list(await complaint_q.search(chat.session, phone=chat.phone, limit=LISTED))


async def start_status(chat: Chat) -> None:
    chat.goto("status")
    own = await _own(chat)
    if not own:
        chat.reply(chat.say("ask_number"))
        return
    rows = tuple((f"st:{c.number}", c.number, state_name(chat.lang, c.state)) for c in own)
    chat.reply(chat.say("ask_number_or_pick"), list_button=chat.say("choose"), rows=rows)


async def step_status(chat: Chat, inp: ChatInput) -> None:
    typed = inp.reply_id[3:] if inp.reply_id.startswith("st:") else "".join(inp.text.split())
    try:
        number = numbers.validate(typed)
    except numbers.BadComplaintNumber as exc:
        if chat.failed_try():
            chat.hand_over("not_understood")
        else:
            chat.reply(chat.say("bad_number", reason=str(exc)))
        return
    try:
        complaint = await service.get(chat.session, number)
    except NotFound:
        chat.reply(chat.say("not_found", number=number))
        menu(chat)
        return
    chat.reply(await status_text(chat, complaint))
    menu(chat)


async def status_text(chat: Chat, complaint: Complaint) -> str:
    department = await reference.get_department(chat.session, complaint.department_code)
    dept = (department.name_en if chat.lang == "en" else department.name_hi) if department else complaint.department_code
    if complaint.state == "closed":
        when = chat.say("closed_on", date=_date(chat, complaint.closed_at))
    elif complaint.state in AWAITING_FEEDBACK:
        when = chat.say("disposed_on", date=_date(chat, complaint.disposed_at))
    elif routing.is_overdue(complaint.state, complaint.due_at, chat.now):
        when = chat.say("overdue", date=_date(chat, complaint.due_at))
    else:
        when = chat.say("due_on", date=_date(chat, complaint.due_at))
    return chat.say("status", number=complaint.number, state=state_name(chat.lang, complaint.state),
                    department=dept, level=complaint.level, when=when)


async def start_feedback(chat: Chat) -> None:
    waiting = [c for c in await complaint_q.search(chat.session, phone=chat.phone, limit=50)
               if c.state in AWAITING_FEEDBACK][:LISTED]
    if not waiting:
        chat.reply(chat.say("no_feedback_due"))
        menu(chat)
        return
    if len(waiting) == 1:
        ask_feedback(chat, waiting[0])
        return
    chat.goto("feedback_pick")
    rows = tuple((f"fbn:{c.number}", c.number, _date(chat, c.disposed_at)) for c in waiting)
    chat.reply(chat.say("pick_feedback"), list_button=chat.say("choose"), rows=rows)


def ask_feedback(chat: Chat, complaint: Complaint) -> None:
    report = (complaint.l2_report if complaint.level == 2 and complaint.l2_report else complaint.l1_report) or ""
    chat.goto("feedback")
    chat.reply(chat.say("ask_feedback", number=complaint.number, report=report[:600]),
               buttons=((f"fb:{complaint.number}:satisfied", chat.say("satisfied")),
                        (f"fb:{complaint.number}:dissatisfied", chat.say("dissatisfied"))))


async def step_feedback_pick(chat: Chat, inp: ChatInput) -> None:
    number = inp.reply_id[4:] if inp.reply_id.startswith("fbn:") else "".join(inp.text.split())
    try:
        complaint = await service.get(chat.session, number)
    except DomainError:
        if chat.failed_try():
            chat.hand_over("not_understood")
        else:
            await start_feedback(chat)
        return
    if complaint.phone != chat.phone:
        chat.reply(chat.say("fb_other_phone"))
        menu(chat)
        return
    ask_feedback(chat, complaint)


async def step_feedback(chat: Chat, inp: ChatInput) -> None:
    """Expecting a button: anything else is shown the question again, then goes to an agent."""
    if chat.failed_try():
        chat.hand_over("not_understood")
        return
    await start_feedback(chat)


async def feedback_button(chat: Chat, reply_id: str) -> None:
    """`fb:<number>:satisfied|dissatisfied` from a bot question or a notification's button."""
    _, number, result = (reply_id.split(":") + ["", ""])[:3]
    if result not in ("satisfied", "dissatisfied"):
        menu(chat)
        return
    try:
        complaint = await service.get(chat.session, number, for_update=True)
    except DomainError:
        menu(chat)
        return
    if complaint.phone != chat.phone:
        chat.reply(chat.say("fb_other_phone"))
        menu(chat)
        return
    if complaint.state not in AWAITING_FEEDBACK:
        chat.reply(chat.say("fb_not_waiting", number=complaint.number))
        menu(chat)
        return
    complaint = await service.record_feedback(chat.session, complaint.number, result, chat.who, chat.policy, chat.now,
                                              detail={"channel": "whatsapp"})
    key = {"closed": "fb_closed", "at_l1": "fb_reopened", "at_l2": "fb_escalated"}.get(complaint.state, "fb_closed")
    chat.reply(chat.say(key, number=complaint.number))
    menu(chat)


STEPS = {"status": step_status, "feedback_pick": step_feedback_pick, "feedback": step_feedback}

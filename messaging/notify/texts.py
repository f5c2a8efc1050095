"""What a notification says, in Hindi and English, per purpose.

The same text goes by WhatsApp (inside the 24 h window), SMS (register these texts as DLT
templates, the `{…}` parts as variables) and e-mail. Outside WhatsApp's window a notification
goes as the approved template `HELPLINE_WHATSAPP_TEMPLATE_PREFIX + purpose` with PARAMS, in order,
as its body variables {{1}}, {{2}}…
"""
from __future__ import annotations

from typing import Any

HELPLINE = {"hi": "1076 हेल्पलाइन", "en": "1076 Helpline"}

TEXTS: dict[str, dict[str, str]] = {
    "registered": {
        "hi": "1076 हेल्पलाइन: आपकी शिकायत दर्ज हो गई है। शिकायत संख्या {number}, विभाग: {department}। "
              "निस्तारण की अंतिम तिथि {due}। स्थिति जानने के लिए 1076 पर कॉल करें या यहाँ संख्या भेजें।",
        "en": "1076 Helpline: your complaint is registered. Complaint number {number}, department: {department}. "
              "Due by {due}. Call 1076 or send the number here to know its status.",
    },
    "disposed": {
        "hi": "1076 हेल्पलाइन: शिकायत {number} पर अधिकारी ने कार्यवाही कर निस्तारण किया है। "
              "अधिकारी की आख्या: {report}। हम आपसे संतुष्टि के बारे में पूछेंगे।",
        "en": "1076 Helpline: the officer has acted on complaint {number} and disposed it. "
              "Officer's report: {report}. We will ask whether you are satisfied.",
    },
    "reopened": {
        "hi": "1076 हेल्पलाइन: आपकी असंतुष्टि पर शिकायत {number} फिर से खोली गई है। नई अंतिम तिथि {due}।",
        "en": "1076 Helpline: complaint {number} is reopened as you were not satisfied. New due date {due}.",
    },
    "escalated": {
        "hi": "1076 हेल्पलाइन: शिकायत {number} उच्च अधिकारी (L2) को भेजी गई है। अंतिम तिथि {due}।",
        "en": "1076 Helpline: complaint {number} has been escalated to the senior officer (L2). Due by {due}.",
    },
    "transferred": {
        "hi": "1076 हेल्पलाइन: शिकायत {number} अब {department} के पास है। नई अंतिम तिथि {due}।",
        "en": "1076 Helpline: complaint {number} is now with {department}. New due date {due}.",
    },
    "interim": {
        "hi": "1076 हेल्पलाइन: शिकायत {number} पर कार्यवाही शुरू हो गई है: {report}। अपेक्षित तिथि {due}।",
        "en": "1076 Helpline: action has started on complaint {number}: {report}. Expected by {due}.",
    },
    "overdue_flag": {
        "hi": "1076 हेल्पलाइन: L1 पर शिकायत {number} समय-सीमा से {days} दिन अधिक हो गई है (अंतिम तिथि {due})। कृपया देखें।",
        "en": "1076 Helpline: complaint {number} is {days} days overdue at L1 (due {due}). Please look into it.",
    },
    "closed": {
        "hi": "1076 हेल्पलाइन: शिकायत {number} बंद कर दी गई है। हेल्पलाइन का उपयोग करने के लिए धन्यवाद।",
        "en": "1076 Helpline: complaint {number} is closed. Thank you for using the helpline.",
    },
    "feedback_request": {
        "hi": "1076 हेल्पलाइन: हमने शिकायत {number} पर आपकी राय के लिए कॉल किया पर बात नहीं हो सकी। "
              "अधिकारी की आख्या: {report}। क्या आप कार्यवाही से संतुष्ट हैं?",
        "en": "1076 Helpline: we called about complaint {number} but could not reach you. "
              "Officer's report: {report}. Are you satisfied with the action taken?",
    },
    "assigned": {
        "hi": "1076 हेल्पलाइन: नई शिकायत {number} आपको सौंपी गई ({category}, {district})। अंतिम तिथि {due}। {description}",
        "en": "1076 Helpline: complaint {number} is assigned to you ({category}, {district}). Due by {due}. {description}",
    },
    "due_tomorrow": {
        "hi": "1076 हेल्पलाइन: कल तक निस्तारण हेतु आपकी {count} शिकायतें: {numbers}",
        "en": "1076 Helpline: {count} of your complaints are due tomorrow: {numbers}",
    },
    "overdue_digest": {
        "hi": "1076 हेल्पलाइन: आपकी {count} शिकायतें समय-सीमा पार कर चुकी हैं: {numbers}",
        "en": "1076 Helpline: {count} of your complaints are overdue: {numbers}",
    },
}

PARAMS: dict[str, tuple[str, ...]] = {
    "registered": ("number", "department", "due"),
    "disposed": ("number", "report"),
    "reopened": ("number", "due"),
    "escalated": ("number", "due"),
    "transferred": ("number", "department", "due"),
    "closed": ("number",),
    "interim": ("number", "report", "due"),
    "overdue_flag": ("number", "days", "due"),
    "feedback_request": ("number", "report"),
    "assigned": ("number", "category", "district", "due", "description"),
    "due_tomorrow": ("count", "numbers"),
    "overdue_digest": ("count", "numbers"),
}

SUBJECTS = {
    "assigned": {"hi": "नई शिकायत {number}", "en": "New complaint {number}"},
    "due_tomorrow": {"hi": "कल देय शिकायतें ({count})", "en": "Complaints due tomorrow ({count})"},
    "overdue_flag": {"hi": "समय-सीमा पार: शिकायत {number}", "en": "Overdue at L1: complaint {number}"},
    "overdue_digest": {"hi": "समय-सीमा पार शिकायतें ({count})", "en": "Overdue complaints ({count})"},
}

FEEDBACK_BUTTONS = {"hi": (("fb:{number}:satisfied", "संतुष्ट"), ("fb:{number}:dissatisfied", "असंतुष्ट")),
                    "en": (("fb:{number}:satisfied", "Satisfied"), ("fb:{number}:dissatisfied", "Not satisfied"))}


def lang(language: str | None) -> str:
    return language if language in ("hi", "en") else "hi"


def render(purpose: str, language: str, params: dict[str, Any]) -> str:
    return TEXTS[purpose][lang(language)].format(**{k: _short(v) for k, v in params.items()})


def subject(purpose: str, language: str, params: dict[str, Any]) -> str:
    table = SUBJECTS.get(purpose) or {"hi": HELPLINE["hi"], "en": HELPLINE["en"]}
    return table[lang(language)].format(**params)


def template_params(purpose: str, params: dict[str, Any]) -> list[str]:
    return [_short(params.get(name, "")) for name in PARAMS[purpose]]


def _short(value: Any, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

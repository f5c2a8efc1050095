"""Every console text exists in Hindi and English, and every key the pages use is defined."""
from __future__ import annotations

import re
from pathlib import Path

from agent_console import i18n
from agent_console.routes.pages_agent import DISPOSITIONS
from grievance.lifecycle import State

CONSOLE = Path(i18n.__file__).resolve().parent


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(i18n.EN) == set(i18n.HI)
    for key, text in i18n.EN.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", i18n.HI[key])), key
    untranslated = [k for k, text in i18n.HI.items() if not re.search("[\u0900-\u097F]", text)]
    assert untranslated == ["lang.switch"]  # the switch offers English, in English


def test_every_key_used_by_templates_routes_and_scripts_exists() -> None:
    used: set[str] = set()
    for path in [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("routes/pages_*.py"), CONSOLE / "pages.py"]:
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z0-9_.]+)['"]""", path.read_text()))
    for path in CONSOLE.glob("static/*.js"):
        used |= set(re.findall(r"""\bt\(\s*"([a-z0-9_.]+)"\s*[,)]""", path.read_text()))
    used |= {f"disp.{d}" for d in DISPOSITIONS} | {f"state.{s.value}" for s in State}
    used |= {f"event.{a}" for a in ("register", "assign", "dispose", "reopen", "escalate", "feedback", "transfer")}
    used |= {f"rep.by.{g}" for g in ("department", "district", "officer")}
    missing = sorted(k for k in used if k not in i18n.EN and not k.endswith("."))  # 'x.' ~ suffix: prefixes
    assert missing == [] and len(used) > 100


def test_translator_fills_values_and_falls_back() -> None:
    assert i18n.translator("hi")("officer.days_overdue", n=3) == "3 दिन से समय-सीमा पार"
    assert i18n.translator("en")("officer.days_overdue", n=3) == "3 days overdue"
    assert i18n.translator("xx")("nav.logout") == "लॉग आउट"  # unknown language: the default, Hindi
    assert i18n.translator("en")("no.such.key") == "no.such.key"
    assert i18n.pick_language(None, "de", "en") == "en" and i18n.pick_language() == "hi"

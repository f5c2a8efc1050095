"""The dialplan ↔ application contract: scripts, channel variables, contexts, queues, prompts."""
from __future__ import annotations

import re
from pathlib import Path

from config.settings import Settings
from ivr import scripts, variables
from ivr.manifest import load_manifests

ROOT = Path(__file__).resolve().parents[2]
DIALPLANS = ROOT / "dialplans"
EXTENSIONS = (DIALPLANS / "extensions_helpline.conf").read_text(encoding="utf-8")
QUEUES = (DIALPLANS / "queues_helpline.conf").read_text(encoding="utf-8")
GLOBALS = (DIALPLANS / "extensions_helpline_globals.conf").read_text(encoding="utf-8")


def _code(text: str) -> str:
    return "\n".join(line.split(";", 1)[0] for line in text.splitlines())


def test_every_helpline_variable_the_dialplan_uses_is_documented() -> None:
    used = set(re.findall(r"\bHELPLINE_[A-Z_]+\b", _code(EXTENSIONS + GLOBALS)))
    assert used - set(variables.ALL) == set()
    assert len(set(variables.ALL)) == len(variables.ALL)
    assert all(name.startswith("HELPLINE_") for name in variables.ALL)


def test_every_global_the_dialplan_reads_is_set_in_the_globals_file() -> None:
    globals_set = set(re.findall(r"(?m)^(HELPLINE_[A-Z_]+)=", GLOBALS))
    assert globals_set == {variables.AGI, variables.TRUNK, variables.CALLERID, variables.QUEUE_MAX_WAIT,
                           variables.RECORDINGS}
    assert "HELPLINE_AGI=agi://127.0.0.1:4573\n" in GLOBALS


def test_every_agi_script_is_called_by_the_dialplan_and_has_a_meaning() -> None:
    called = set(re.findall(r"Gosub\(helpline-agi,s,1\(([a-z-]+)", EXTENSIONS))
    assert called == set(scripts.AGI_SCRIPTS)
    assert set(scripts.SCRIPT_MEANINGS) == set(scripts.AGI_SCRIPTS)
    assert scripts.AGI_SCRIPTS == (
        "caller-lookup", "complaint-status", "feedback", "feedback-call", "callback-request", "survey",
        "hours", "voice-complaint", "recording", "video-ticket")


def test_the_contexts_and_queues_the_application_names_exist() -> None:
    contexts = set(re.findall(r"(?m)^\[([\w-]+)\]", EXTENSIONS))
    for name in (scripts.FAILURE_CONTEXT, scripts.FEEDBACK_CONTEXT, scripts.SURVEY_CONTEXT,
                 scripts.CLICK_TO_CALL_CONTEXT):
        assert name in contexts
    assert f"[{scripts.FAILURE_CONTEXT}]\nexten => {scripts.FAILURE_EXTENSION},{scripts.FAILURE_PRIORITY}," \
        in EXTENSIONS
    assert Settings().outbound_context == scripts.FEEDBACK_CONTEXT
    queues = set(re.findall(r"(?m)^\[([\w-]+)\]\(helpline-common\)", QUEUES))
    assert queues == set(scripts.QUEUES)
    assert {f"helpline-{lang}" for lang in variables.LANGUAGES} <= queues


def test_menu_prompts_exist_in_both_languages_and_are_all_played() -> None:
    manifests = load_manifests(ROOT / "config" / "prompts")
    menu_names = {
        lang: set(re.findall(r"(?m)^([a-z0-9-]+):", (ROOT / "config" / "prompts" / lang / "menus.txt")
                             .read_text(encoding="utf-8")))
        for lang in ("hi", "en")
    }
    assert menu_names["hi"] == menu_names["en"]
    played = set(re.findall(r"helpline/([a-z0-9-]+)", _code(EXTENSIONS + QUEUES)))
    assert played == menu_names["hi"]
    for name in menu_names["hi"]:
        assert re.search("[\u0900-\u097f]", manifests["hi"][name]), f"Hindi text of {name} is not Devanagari"
        assert not re.search("[\u0900-\u097f]", manifests["en"][name]), f"English text of {name} has Devanagari"


def test_ivr_path_steps_split_the_documented_format() -> None:
    assert variables.ivr_path_steps("lang:hi>main:2>main:0") == [("lang", "hi"), ("main", "2"), ("main", "0")]
    assert variables.ivr_path_steps("lang:i>lang:en>queue:1>cbk:t") == [
        ("lang", "i"), ("lang", "en"), ("queue", "1"), ("cbk", "t")]
    assert variables.ivr_path_steps("") == []
    assert variables.ivr_path_steps("main:2>garbage>:1>x:") == [("main", "2")]
    menus_in_dialplan = set(re.findall(r"helpline-ivr-path,s,1\(([a-z]+):", EXTENSIONS))
    assert menus_in_dialplan == set(variables.IVR_MENUS)

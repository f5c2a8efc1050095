"""The dialplan checker on the shipped dialplans/ and on broken copies of it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ivr.dialplan_check import Problem, check_dialplan, run_asterisklint, split_args
from ivr.manifest import load_manifests

ROOT = Path(__file__).resolve().parents[2]
DIALPLANS = ROOT / "dialplans"
PROMPTS = ROOT / "config" / "prompts"
EXTENSIONS = "extensions_helpline.conf"


def broken_copy(tmp_path: Path, old: str, new: str, name: str = EXTENSIONS) -> tuple[Path, int]:
    """A copy of dialplans/ with `old` replaced by `new` once; returns it and the changed line."""
    target = tmp_path / "dialplans"
    shutil.copytree(DIALPLANS, target)
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {name}"
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target, line


def messages(problems: list[Problem]) -> list[str]:
    return [f"{p.file.name}:{p.line}: {p.message}" for p in problems]


def test_shipped_dialplans_pass_the_checks() -> None:
    assert check_dialplan(DIALPLANS) == []


def test_shipped_dialplans_pass_asterisklint() -> None:
    assert run_asterisklint(DIALPLANS) == []


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("Goto(helpline-schemes,s,1)", "Goto(helpline-schemez,s,1)",
     "Goto() target helpline-schemez,s,1: no context 'helpline-schemez'"),
    ("Goto(helpline-callback-offer,s,1)", "Goto(helpline-callback-offer,x,1)",
     "Goto() target helpline-callback-offer,x,1: no extension 'x' in helpline-callback-offer"),
    ("Goto(2,chosen)", "Goto(chosen)", "Goto() target helpline-language,1,chosen: no priority or label 'chosen'"),
    ("Goto(helpline-main,s,again)", "Goto(helpline-main,s,agian)",
     "Goto() target helpline-main,s,agian: no priority or label 'agian'"),
])
def test_a_bad_jump_target_is_reported_on_its_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    directory, line = broken_copy(tmp_path, old, new)
    assert messages(check_dialplan(directory)) == [f"{EXTENSIONS}:{line}: {expected}"]


def test_an_unknown_agi_script_passed_to_the_subroutine_is_reported_at_the_call(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "1(feedback))", "1(feedbak))")
    assert messages(check_dialplan(directory)) == [
        f"{EXTENSIONS}:{line}: AGI script 'feedbak' is not one of caller-lookup, complaint-status, "
        "feedback, feedback-call, callback-request, survey, hours, voice-complaint, recording, video-ticket"]


def test_an_agi_call_outside_the_application_server_is_reported(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "same => n,AGI(${HELPLINE_AGI}/${ARG1})",
                                  "same => n,AGI(/usr/local/bin/lookup.sh)")
    assert messages(check_dialplan(directory)) == [
        f"{EXTENSIONS}:{line}: AGI(/usr/local/bin/lookup.sh) is not the application's FastAGI "
        "(agi://HOST:4573/NAME or ${HELPLINE_AGI}/NAME)"]


def test_a_literal_agi_url_is_checked_against_the_scripts(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "same => n,AGI(${HELPLINE_AGI}/${ARG1})",
                                  "same => n,AGI(agi://10.0.0.5:4573/caller-lookup)")
    assert check_dialplan(directory) == []
    directory, line = broken_copy(tmp_path / "2", "same => n,AGI(${HELPLINE_AGI}/${ARG1})",
                                  "same => n,AGI(agi://10.0.0.5:4573/lookup?x=1)")
    assert [p.line for p in check_dialplan(directory)] == [line]


def test_a_prompt_missing_in_one_language_is_reported_where_it_is_played() -> None:
    prompts = {lang: set(names) for lang, names in load_manifests(PROMPTS).items()}
    prompts["en"].discard("goodbye")
    text = (DIALPLANS / EXTENSIONS).read_text(encoding="utf-8")
    line = text[:text.index("Playback(helpline/goodbye)")].count("\n") + 1
    assert messages(check_dialplan(DIALPLANS, prompts=prompts)) == [
        f"{EXTENSIONS}:{line}: prompt helpline/goodbye is missing in language 'en' (config/prompts/en/*.txt)"]


def test_prompts_named_in_the_queues_file_are_checked_too(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "helpline/queue-thank-you", "helpline/queue-thanks",
                                  name="queues_helpline.conf")
    problems = messages(check_dialplan(directory))
    assert f"queues_helpline.conf:{line}: prompt helpline/queue-thanks is missing in language 'hi' " \
           "(config/prompts/hi/*.txt)" in problems
    assert len(problems) == 2  # hi and en


def test_a_manifest_missing_a_prompt_in_one_language_is_a_problem(tmp_path: Path) -> None:
    shutil.copytree(PROMPTS, tmp_path / "prompts")
    menus = tmp_path / "prompts" / "en" / "menus.txt"
    menus.write_text(re.sub(r"(?m)^goodbye:.*\n", "", menus.read_text(encoding="utf-8")), encoding="utf-8")
    problems = messages(check_dialplan(DIALPLANS, prompts_root=tmp_path / "prompts"))
    assert len(problems) == 1
    assert "prompt 'goodbye' is missing in language 'en'" in problems[0]


def test_a_menu_without_i_is_reported(tmp_path: Path) -> None:
    directory, _ = broken_copy(tmp_path, "exten => i,1,Gosub(helpline-ivr-path,s,1(info:i))",
                               "exten => 8,1,Gosub(helpline-ivr-path,s,1(info:i))")
    text = (directory / EXTENSIONS).read_text(encoding="utf-8")
    context_line = text[:text.index("[helpline-schemes]")].count("\n") + 1
    assert messages(check_dialplan(directory)) == [
        f"{EXTENSIONS}:{context_line}: menu context helpline-schemes waits for digits but has no 'i' extension"]


def test_a_menu_without_t_is_reported(tmp_path: Path) -> None:
    directory, _ = broken_copy(tmp_path, "exten => t,1(keep)", "exten => 7,1(keep)")
    assert [p.message for p in check_dialplan(directory)] == [
        "menu context helpline-language waits for digits but has no 't' extension",
        "GotoIf() target helpline-language,t,keep: no extension 't' in helpline-language"]


def test_unfiltered_callerid_into_dial_is_reported(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "Dial(PJSIP/${HELPLINE_DIAL_NUMBER}@${HELPLINE_TRUNK},60)",
                                  "Dial(PJSIP/${CALLERID(num)}@${HELPLINE_TRUNK},60)")
    assert messages(check_dialplan(directory)) == [
        f"{EXTENSIONS}:{line}: caller-supplied ${{CALLERID(num)}} reaches Dial without FILTER()"]


def test_filtered_callerid_into_dial_is_accepted(tmp_path: Path) -> None:
    directory, _ = broken_copy(tmp_path, "Dial(PJSIP/${HELPLINE_DIAL_NUMBER}@${HELPLINE_TRUNK},60)",
                               "Dial(PJSIP/${FILTER(0-9,${CALLERID(num)})}@${HELPLINE_TRUNK},60)")
    assert check_dialplan(directory) == []


@pytest.mark.parametrize(("old", "new", "found", "sink"), [
    # ${EXTEN} of a pattern extension is what the caller dialled
    ("Dial(PJSIP/${FILTER(0-9,${EXTEN})},30,", "Dial(PJSIP/${EXTEN},30,", "${EXTEN}", "Dial"),
    # copied into a variable first
    ("Set(HELPLINE_DIAL_NUMBER=${FILTER(0-9,${EXTEN})})", "Set(HELPLINE_DIAL_NUMBER=${EXTEN})",
     "${HELPLINE_DIAL_NUMBER}", "Dial"),
    # typed with Read(), then copied
    ("Set(HELPLINE_DIAL_NUMBER=${FILTER(0-9,${EXTEN})})",
     "Read(TYPED,helpline/no-input,10)\n same => n,Set(HELPLINE_DIAL_NUMBER=${TYPED})",
     "${HELPLINE_DIAL_NUMBER}", "Dial"),
    # into the caller ID
    ("Set(CALLERID(num)=${HELPLINE_CALLERID})", "Set(CALLERID(num)=${EXTEN})", "${EXTEN}", "Set(CALLERID(num))"),
])
def test_caller_supplied_values_are_tracked_to_their_sinks(
        tmp_path: Path, old: str, new: str, found: str, sink: str) -> None:
    directory, _ = broken_copy(tmp_path, old, new)
    # a tainted variable is reported at every Dial that uses it (two outbound patterns share one)
    assert {p.message for p in check_dialplan(directory)} == {
        f"caller-supplied {found} reaches {sink} without FILTER()"}


def test_a_missing_queuestatus_outcome_is_reported_at_the_dispatch(tmp_path: Path) -> None:
    directory, _ = broken_copy(tmp_path, "exten => LEAVEUNAVAIL,1,Set(", "exten => LEAVE-UNAVAIL,1,Set(")
    text = (directory / EXTENSIONS).read_text(encoding="utf-8")
    line = text[:text.index("Goto(helpline-queue-exit,${QUEUESTATUS},1)")].count("\n") + 1
    assert messages(check_dialplan(directory)) == [
        f"{EXTENSIONS}:{line}: Goto() target helpline-queue-exit,${{QUEUESTATUS}},1: "
        "helpline-queue-exit has no extension for QUEUESTATUS LEAVEUNAVAIL"]


def test_a_pattern_covers_queuestatus_values(tmp_path: Path) -> None:
    directory, _ = broken_copy(tmp_path, "exten => LEAVEUNAVAIL,1,Set(HELPLINE_CALLBACK_REASON=unavailable)",
                               "exten => _LEA[V]E[A-Z].,1,Set(HELPLINE_CALLBACK_REASON=unavailable)")
    assert check_dialplan(directory) == []
    # N is a digit class [2-9] in any case, so a pattern spelling LEAVEUNAVAIL literally misses it
    directory, _ = broken_copy(tmp_path / "2", "exten => LEAVEUNAVAIL,1,Set(HELPLINE_CALLBACK_REASON=unavailable)",
                               "exten => _LEAVEUNAVAIL,1,Set(HELPLINE_CALLBACK_REASON=unavailable)")
    assert [p.message.rsplit(" ", 1)[-1] for p in check_dialplan(directory)] == ["LEAVEUNAVAIL"]


def test_return_outside_a_subroutine_is_reported(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "exten => s,1,Playback(helpline/goodbye)\n same => n,Hangup()",
                                  "exten => s,1,Playback(helpline/goodbye)\n same => n,Return()")
    assert messages(check_dialplan(directory)) == [
        f"{EXTENSIONS}:{line + 1}: Return() in helpline-goodbye, which no Gosub calls"]


def test_a_queue_context_missing_from_the_dialplan_is_reported(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "context = helpline-queue-keys", "context = helpline-keys",
                                  name="queues_helpline.conf")
    assert messages(check_dialplan(directory)) == [
        f"queues_helpline.conf:{line}: queue context 'helpline-keys' is not in the dialplan"]


def test_a_folder_without_a_dialplan_is_a_problem(tmp_path: Path) -> None:
    assert [p.message for p in check_dialplan(tmp_path)] == ["no extensions*.conf file"]
    assert [p.message for p in run_asterisklint(tmp_path)] == ["no extensions*.conf file"]


def test_asterisklint_reports_a_misspelled_application(tmp_path: Path) -> None:
    directory, line = broken_copy(tmp_path, "exten => s,1,Playback(helpline/goodbye)",
                                  "exten => s,1,Payback(helpline/goodbye)")
    assert [(p.file, p.line, p.message) for p in run_asterisklint(directory)] == [
        ((directory / EXTENSIONS).resolve(), line,
         "asterisklint E_APP_MISSING: app 'Payback' does not exist, dialplan will halt here!")]


def test_an_asterisklint_crash_is_a_problem(tmp_path: Path) -> None:
    # asterisklint dies on a malformed pattern; our own check names the pattern
    directory, _ = broken_copy(tmp_path, "exten => _2XXX,1,", "exten => _2XX[,1,")
    lint = run_asterisklint(directory)
    assert [p.line for p in lint] == [0]
    assert lint[0].message.startswith("asterisklint crashed: ")
    assert "malformed pattern '_2XX[' in helpline-agents" in [p.message for p in check_dialplan(directory)]


def test_split_args_keeps_nested_calls_and_expressions_whole() -> None:
    assert split_args("helpline-agi,s,1(feedback-call,${FILTER(0-9,${X})})") == [
        "helpline-agi", "s", "1(feedback-call,${FILTER(0-9,${X})})"]
    assert split_args('$[${A} = "x,y"]?a,1:b,2', ":") == ['$[${A} = "x,y"]?a,1', "b,2"]


def test_a_file_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    directory, _ = broken_copy(tmp_path, "NoOp(Helpline inbound call)", "NoOp(Helpline inbound call)")
    (directory / "extensions_local.conf").write_bytes(b"[local]\nexten => s,1,NoOp(\xff)\n")
    problems = check_dialplan(directory)
    assert [(p.file.name, p.line) for p in problems] == [("extensions_local.conf", 0)]
    assert problems[0].message.startswith("cannot read: ")

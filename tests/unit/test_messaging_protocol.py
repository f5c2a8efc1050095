"""WhatsApp and SMS protocol pieces, the notification rules and quiet hours, without I/O."""
from __future__ import annotations

import json
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from messaging.notify import rules
from messaging.quiet import quiet_until
from messaging.sms.gateway import is_unicode, parts
from messaging.whatsapp import payloads, signature, webhook
from tests.fakes import whatsapp_meta as meta

IST = ZoneInfo("Asia/Kolkata")


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    header = signature.sign("secret", body)
    assert header.startswith("sha256=") and len(header) == 71
    assert signature.check("secret", body, header) is None
    assert signature.check("secret", body, header.upper().replace("SHA256=", "sha256=")) is None  # hex case
    assert signature.check("secret", body + b" ", header) == "signature does not match the body"
    assert signature.check("other", body, header) == "signature does not match the body"
    assert signature.check("secret", body, None) == "no X-Hub-Signature-256 header"
    assert signature.check("secret", body, "sha1=abc") == "malformed X-Hub-Signature-256 header"
    assert signature.check("", body, header) == "no app secret is configured"


def test_handshake() -> None:
    assert signature.verify_handshake("tok", "subscribe", "tok", "12345") == "12345"
    assert signature.verify_handshake("tok", "subscribe", "bad", "12345") is None
    assert signature.verify_handshake("", "subscribe", "", "12345") is None
    assert signature.verify_handshake("tok", "subscribe", "tok", "<script>\n") is None


def test_parse_every_kind_of_message_and_status() -> None:
    def one(payload: dict) -> webhook.Inbound:
        return webhook.parse(json.dumps(payload).encode()).messages[0]

    text = one(meta.text("919812345678", "नमस्ते", name="सीता"))
    assert (text.kind, text.text, text.sender, text.profile_name) == ("text", "नमस्ते", "919812345678", "सीता")
    assert one(meta.button_reply("919812345678", "lang:hi", "हिन्दी")).reply_id == "lang:hi"
    assert one(meta.list_reply("919812345678", "d:LKO")).reply_id == "d:LKO"
    assert one(meta.template_button("919812345678", "fb:1:satisfied")).reply_id == "fb:1:satisfied"
    voice = one(meta.media("919812345678", "audio", "m1", "audio/ogg; codecs=opus", voice=True))
    assert (voice.kind, voice.media_kind, voice.mime, voice.voice) == ("media", "audio", "audio/ogg", True)
    odd = meta.text("919812345678", "x")
    odd["entry"][0]["changes"][0]["value"]["messages"][0].update(type="reaction", reaction={"emoji": "👍"})
    assert one(odd).kind == "other"
    status = webhook.parse(json.dumps(meta.status("wamid.1", "failed", "919812345678", 131026)).encode()).statuses[0]
    assert (status.id, status.status, status.error) == ("wamid.1", "failed", "131026 Message undeliverable")


@pytest.mark.parametrize("body", [b"", b"[]", b"null", b"\xff\xfe", b'{"object":"page"}',
                                  b'{"object":"whatsapp_business_account","entry":{}}'])
def test_parse_refuses_what_is_not_an_update(body: bytes) -> None:
    with pytest.raises(webhook.BadPayload):
        webhook.parse(body)


def test_parse_skips_garbage_inside_a_valid_envelope() -> None:
    payload = meta.envelope({"messages": [None, 3, {"id": "x", "from": "not-digits", "type": "text"}],
                             "statuses": ["bad", {"status": "read"}]})
    payload["entry"].append("junk")
    update = webhook.parse(json.dumps(payload).encode())
    assert update.messages == [] and update.statuses == []


def test_payloads_stay_within_whatsapp_limits() -> None:
    buttons = payloads.buttons("91", "x" * 2000, [("a", "a very long button title indeed")])
    assert len(buttons["interactive"]["body"]["text"]) == 1024
    assert len(buttons["interactive"]["action"]["buttons"][0]["reply"]["title"]) == 20
    menu = payloads.list_menu("91", "b", "choose one of these", [(str(i), "t" * 30, "d" * 100) for i in range(10)])
    row = menu["interactive"]["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) == 24 and len(row["description"]) == 72
    with pytest.raises(ValueError):
        payloads.list_menu("91", "b", "c", [("x", "y", "")] * 11)
    with pytest.raises(ValueError):
        payloads.buttons("91", "b", [("1", "a")] * 4)
    template = payloads.template("91", "helpline_registered", "hi", ["26120000012"], ["fb:1:satisfied"])
    assert template["template"]["components"][1]["parameters"][0]["payload"] == "fb:1:satisfied"


def test_sms_encoding_and_parts() -> None:
    assert not is_unicode("Complaint 26120000012 registered. Due 12-12-2026.")
    assert is_unicode("शिकायत दर्ज")
    assert parts("a" * 160) == 1 and parts("a" * 161) == 2
    assert parts("श" * 70) == 1 and parts("श" * 71) == 2 and parts("श" * 135) == 3
    assert parts("{" * 80) == 1 and parts("{" * 81) == 2  # GSM extension characters count twice


def test_quiet_hours_cross_midnight() -> None:
    span = (time(21), time(8))
    at = lambda h, m=0: datetime(2026, 12, 4, h, m, tzinfo=IST).astimezone(timezone.utc)  # noqa: E731
    assert quiet_until(at(12), span, IST) is None
    assert quiet_until(at(20, 59), span, IST) is None
    assert quiet_until(at(21), span, IST) == datetime(2026, 12, 5, 8, tzinfo=IST)
    assert quiet_until(at(3), span, IST) == datetime(2026, 12, 4, 8, tzinfo=IST)
    assert quiet_until(at(8), span, IST) is None
    assert quiet_until(at(13, 30), (time(13), time(14)), IST) == datetime(2026, 12, 4, 14, tzinfo=IST)
    assert quiet_until(at(3), None, IST) is None


def _complaint(**kw: object) -> rules.ComplaintFacts:
    values = dict(number="26120000012", officer_code="ELE-LKO-L1", due_at=None, department="ELE",
                  category="ELE-SUPPLY", district="LKO", description="d", report="r")
    values.update(kw)
    return rules.ComplaintFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("action,from_state,to_state,detail,expected", [
    ("register", None, "registered", {}, []),
    ("assign", "registered", "at_l1", {"officer": "O1"}, [("citizen", "registered"), ("officer", "assigned")]),
    ("dispose", "at_l1", "disposed", {"report": "done"}, [("citizen", "disposed")]),
    ("reopen", "disposed", "at_l1", {}, [("citizen", "reopened"), ("officer", "assigned")]),
    ("escalate", "disposed", "at_l2", {"officer": "O2"}, [("citizen", "escalated"), ("officer", "assigned")]),
    ("transfer", "at_l1", "at_l1", {"officer": "O3", "to_department": "PWD"},
     [("citizen", "transferred"), ("officer", "assigned")]),
    ("feedback", "disposed", "closed", {"feedback": "satisfied"}, [("citizen", "closed")]),
    ("feedback", "disposed_l2", "closed", {"feedback": "unreachable"}, [("citizen", "closed")]),
    ("feedback_call_failed", "disposed", "disposed", {}, [("citizen", "feedback_request")]),
    ("something_new", "at_l1", "at_l1", {}, []),
])
def test_who_is_told_what(action: str, from_state: str | None, to_state: str, detail: dict,
                          expected: list[tuple[str, str]]) -> None:
    notices = rules.decide(rules.EventFacts(1, action, from_state, to_state, detail), _complaint())
    assert [(n.to, n.purpose) for n in notices] == expected
    for notice in notices:
        if notice.to == "officer":
            assert notice.officer_code == detail.get("officer", "ELE-LKO-L1")
    if action == "feedback_call_failed":
        assert notices[0].whatsapp_only


def test_control_characters_in_what_a_phone_sends_are_dropped_not_refused() -> None:
    payload = meta.text("919812345678", "line one\nline two\tend\x00\x07\u2028!")
    inbound = webhook.parse(json.dumps(payload).encode()).messages[0]
    assert inbound.text == "line one\nline two\tend!"

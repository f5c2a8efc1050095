"""The video page's address as menu 9 speaks it, and the page's call tickets."""
from __future__ import annotations

from agent_console import video
from ivr.manifest import load_manifests
from ivr.video_page import spoken, with_video_page


def test_the_address_is_spelled_for_speech_in_both_languages() -> None:
    assert spoken("https://helpline.up.gov.in/video", "en") == "helpline dot up dot gov dot in slash video"
    assert spoken("https://helpline.up.gov.in/video/", "hi") == "helpline डॉट up डॉट gov डॉट in स्लैश video"
    assert spoken("", "en") == "the helpline's website" and spoken(" ", "hi") == "हेल्पलाइन की वेबसाइट"
    built = with_video_page(load_manifests(), "https://1076.example.in/video")
    assert "1076 dot example dot in slash video" in built["en"]["video-page"]
    assert "1076 डॉट example डॉट in स्लैश video" in built["hi"]["video-page"]
    assert not any("{video_page}" in text for prompts in built.values() for text in prompts.values())


def test_tickets_are_signed_and_expire() -> None:
    ticket = video.issue("k" * 20, now=1_000_000.0)
    assert video.valid("k" * 20, ticket, now=1_000_000.0 + video.TICKET_S - 1)
    assert not video.valid("k" * 20, ticket, now=1_000_000.0 + video.TICKET_S + 1)  # expired
    assert not video.valid("x" * 20, ticket, now=1_000_000.0)  # another key
    expiry, nonce, sig = ticket.split(".")
    assert not video.valid("k" * 20, f"{int(expiry) + 999}.{nonce}.{sig}", now=1_000_000.0)  # tampered
    assert not video.valid("k" * 20, "", now=0) and not video.valid("k" * 20, "1.2", now=0)

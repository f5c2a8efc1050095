"""The public video page's address as the IVR speaks it (menu 9, prompt `video-page`).

`config/prompts/<lang>/menus.txt` writes `{video_page}` where the address goes; `helpline prompts
build` fills it from HELPLINE_VIDEO_PAGE_URL, spelled for the speech engine ("helpline dot up dot
gov dot in slash video"), or "the helpline's website" when no address is set.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = "{video_page}"
WORDS = {
    "en": {".": "dot", "/": "slash", ":": "colon", "-": "dash", "_": "underscore", "": "the helpline's website"},
    "hi": {".": "डॉट", "/": "स्लैश", ":": "कोलन", "-": "डैश", "_": "अंडरस्कोर", "": "हेल्पलाइन की वेबसाइट"},
}


def spoken(url: str, lang: str) -> str:
    words = WORDS.get(lang, WORDS["en"])
    address = re.sub(r"^[a-z]+://", "", url.strip()).rstrip("/")
    if not address:
        return words[""]
    parts = re.split(r"([./:_-])", address)
    return " ".join(words.get(p, p) for p in parts if p)


def with_video_page(manifests: Mapping[str, Mapping[str, str]], url: str) -> dict[str, dict[str, str]]:
    return {lang: {name: text.replace(PLACEHOLDER, spoken(url, lang)) for name, text in prompts.items()}
            for lang, prompts in manifests.items()}

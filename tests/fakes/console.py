"""Helpers for console page tests: log in through the form, read the CSRF token of a page."""
from __future__ import annotations

import re

import httpx

from tests.helpers import PASSWORD

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
_PRELOGIN = re.compile(r'name="csrf_token" value="([^"]*)"')


async def form_login(client: httpx.AsyncClient, username: str, password: str = PASSWORD,
                     next_path: str = "") -> httpx.Response:
    """GET /login (for the form token), then POST the form; returns the POST's response."""
    page = await client.get("/login")
    match = _PRELOGIN.search(page.text)
    assert match, "login form has no csrf token"
    return await client.post("/login", data={"username": username, "password": password,
                                             "csrf_token": match.group(1), "next": next_path})


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match and match.group(1), "page has no CSRF token"
    return match.group(1)


async def page_csrf(client: httpx.AsyncClient, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text[:500]
    return csrf_of(response.text)

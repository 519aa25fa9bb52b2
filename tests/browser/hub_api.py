"""GraphQL calls to the hub under test (urllib, a bearer token), for the browser tests' worlds
and the figures they check the screens against; the console signed in on its 看板 tab."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import Page


def query(server: str, token: str, text: str, variables: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    """The answer's data; top-level errors fail the test."""
    body = json.dumps({"query": text, "variables": variables or {}}).encode()
    request = urllib.request.Request(server + "/graphql", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
    assert not answer.get("errors"), answer
    data: dict[str, Any] = answer["data"]
    return data


def call(server: str, token: str, text: str, variables: dict[str, Any]) -> dict[str, Any]:
    """A mutation's payload; its user errors fail the test."""
    payload: dict[str, Any] = next(iter(query(server, token, text, variables).values()))
    assert not payload.get("errors"), payload
    return payload


def open_dashboard(page: Page, server: str, token: str) -> None:
    """The console signed in with `token`, its 看板 tab opened."""
    page.goto(server + "/")
    page.wait_for_function("document.body.dataset.ready === '1'", polling=200, timeout=30_000)
    page.fill("#token", token)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#tabs button[data-tab=dashboard]:not([hidden])")
    page.click("#tabs button[data-tab=dashboard]")


def no_keys(page: Page, selector: str) -> None:
    """No untranslated text key (dashX, m_X …) shows in the element."""
    text = page.inner_text(selector)
    assert not re.search(r"\b(dash|sub_|tag_|m_|c_|d_|a_|l_|q_|k_|w_|s_|pt_)[A-Za-z_]+\b",
                         text), text

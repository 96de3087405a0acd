"""Every field a person can type into, in every audience's journey, is in no table in plain text.

The fields are not listed here: the walk reads each question page's form as a person's browser
would, types a unique marker into every text box and text area it finds, answers the choices as
tests.journey.ANSWERS does (or takes the first choice), follows wherever the service sends it,
and sends the report. Then every table is read with plain SQL for every marker, before and after
an advisor opens the report. A field added tomorrow is covered without editing this file.
"""

from __future__ import annotations

import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from haven.reporting.models import Report
from tests.journey import ANSWERS
from tests.test_raw_database import tables_holding

AUDIENCES = ["child", "parent", "member_of_public", "professional"]
NOT_TYPED = {"website", "csrfmiddlewaretoken", "action"}
# Choices that keep a page's follow-up text boxes (a "no" would rightly throw them away).
PREFER = {"already-told": {"told_statutory": "yes"}}


class _Page(HTMLParser):
    """The question form of a page: its text fields, its choices, and the page's buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.typed: dict[str, str] = {}  # name -> input type ("text", "email", "tel", "textarea")
        self.choices: dict[str, list[str]] = {}
        self.numbers: list[str] = []  # ages and date parts: numbers, not free text
        self.buttons: list[str] = []  # hrefs of link buttons (information pages)
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and not self.action:
            self.action, self._in_form = a.get("action", ""), True
        href = a.get("href", "")
        classes = a.get("class", "")
        # The page's own buttons, not the exit button (which leaves the service).
        if tag == "a" and "govuk-button" in classes and "exit-this-page" not in classes:
            if href.startswith("/") and not href.startswith("/exit"):
                self.buttons.append(href)
        if not self._in_form or not a.get("name") or a["name"] in NOT_TYPED:
            return
        name = a["name"]
        if tag == "textarea":
            self.typed[name] = "textarea"
        elif tag == "input" and a.get("type", "text") in ("radio", "checkbox"):
            self.choices.setdefault(name, []).append(a.get("value", ""))
        elif tag == "input" and a.get("type", "text") in ("text", "email", "tel"):
            if a.get("inputmode") == "numeric":
                self.numbers.append(name)
            else:
                self.typed[name] = a.get("type", "text")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def _read(client: Client, url: str) -> _Page:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = _Page()
    page.feed(response.content.decode())
    return page


def _marker_for(kind: str) -> tuple[str, str]:
    """A value to type, and the marker in it that must never be found in plain text."""
    if kind == "email":
        marker = secrets.token_hex(8)
        return f"m{marker}@example.org", marker
    if kind == "tel":
        marker = "07700" + "".join(secrets.choice("0123456789") for _ in range(6))
        return marker, marker
    marker = "Marker" + secrets.token_hex(8)
    return f"{marker} typed here", marker


def _answers_for(slug: str, page: _Page) -> tuple[dict[str, Any], dict[str, str]]:
    known = {**ANSWERS.get(slug, {}), **PREFER.get(slug, {})}
    data: dict[str, Any] = {}
    markers: dict[str, str] = {}
    for name, values in page.choices.items():
        wanted = known.get(name)
        if isinstance(wanted, list):
            data[name] = [v for v in wanted if v in values] or values[:1]
        else:
            data[name] = wanted if wanted in values else values[0]
    for name in page.numbers:
        data[name] = known.get(name, "")
    for name, kind in page.typed.items():
        value, marker = _marker_for(kind)
        data[name] = value
        markers[f"{slug}:{name}"] = marker
    if slug == "where":
        data["action"] = "continue"
    return data, markers


def _walk_and_send(client: Client, audience: str) -> dict[str, str]:
    """Answer every question the service asks, typing markers everywhere; send the report."""
    response = client.post(reverse("reporting:who"), {"audience": audience})
    assert response.status_code == 302
    url = _read(client, reverse("reporting:what_happens")).buttons[0]
    markers: dict[str, str] = {}
    check_answers = reverse("reporting:check_answers")
    for _ in range(40):
        path = urlsplit(url).path
        if path == check_answers:
            break
        page = _read(client, url)
        if not page.action:  # an information page: carry on as its button says
            url = page.buttons[0]
            continue
        data, typed = _answers_for(path.rstrip("/").rsplit("/", 1)[-1], page)
        markers.update(typed)
        response = client.post(page.action, data)
        assert response.status_code == 302, (url, response.content.decode()[:2000])
        url = response["Location"]
    else:
        pytest.fail("the journey never reached check answers")
    assert client.post(reverse("reporting:send")).status_code == 302
    assert client.get(reverse("reporting:sent")).status_code == 200
    return markers


@pytest.mark.django_db
@pytest.mark.parametrize("audience", AUDIENCES)
def test_nothing_typed_into_any_field_is_stored_in_plain_text(
    audience: str, staff_client: Client
) -> None:
    client = Client()
    markers = _walk_and_send(client, audience)
    # Every audience types at least what happened, a platform, and contact details.
    assert len(markers) >= 6, markers

    assert {f: tables_holding(m) for f, m in markers.items()} == {f: [] for f in markers}

    report = Report.objects.get()
    opened = staff_client.get(reverse("staff:report", args=[report.id])).content.decode()
    assert all(marker in opened for marker in markers.values()), "the advisor reads every answer"
    assert {f: tables_holding(m) for f, m in markers.items()} == {f: [] for f in markers}

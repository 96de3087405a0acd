"""Every page of the journey fits a phone: nothing needs sideways scrolling, even at 320 pixels.

WCAG 2.1 (1.4.10, reflow) asks that content reflows at 320 CSS pixels wide. The walk also
saves a screenshot of each page, phone-sized and desktop-sized, to HAVEN_SHOTS_DIR (default
/tmp/haven-shots) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import DESKTOP, JS_ONLY, PHONE
from tests.browser.reporter import Plan, Reporter

pytestmark = [pytest.mark.browser, JS_ONLY]

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))
NARROWEST = {"width": 320, "height": 640}


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def screenshot(page: Page, index: int, name: str, size: str) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    # From the top: the exit button is sticky, and would be drawn wherever the page was scrolled.
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=SHOTS / f"{index:02d}-{slug}-{size}.png", full_page=True)


@pytest.mark.parametrize("audience", ["child", "professional"])
def test_every_page_fits_a_phone(page: Page, audience: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    too_wide: list[str] = []
    count = 0

    def check(name: str) -> None:
        nonlocal count
        count += 1
        screenshot(page, count, f"{audience} {name}", "phone")
        page.set_viewport_size(NARROWEST)
        if (extra := overflow(page)) > 0:
            too_wide.append(f"{name}: {extra}px too wide at 320px")
        page.set_viewport_size(PHONE)

    plan = Plan(
        audience,
        danger="Yes",
        mistakes=True,
        platforms=["A-very-long-app-name-with-no-spaces-at-all-0123456789", "GameWorld"],
        policy_followed="Not yet" if audience == "professional" else "Yes",
        told_statutory="Yes" if audience == "professional" else "No",
    )
    reporter = Reporter(page, plan, checkpoint=check)
    reporter.answer_everything()
    reporter.send()
    assert not too_wide, "\n".join(too_wide)


def test_the_journey_on_a_desktop(page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    count = 0

    def check(name: str) -> None:
        nonlocal count
        count += 1
        screenshot(page, count, f"parent {name}", "desktop")
        assert overflow(page) <= 0, name

    reporter = Reporter(
        page,
        Plan("parent", mistakes=True, platforms=["ExampleChat", "GameWorld"]),
        checkpoint=check,
    )
    reporter.answer_everything()
    reporter.send()


@pytest.mark.parametrize(
    "path",
    ["/staying-safe-online/", "/not-ready-to-report/", "/report/timed-out/", "/staff/sign-out/"],
)
def test_the_pages_outside_the_journey_fit_a_phone(page: Page, path: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(NARROWEST)
    page.goto(path)
    screenshot(page, 0, path, "narrowest")
    assert overflow(page) <= 0, path


def test_the_confirmation_with_help_for_pictures_fits_a_phone(page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(NARROWEST)
    plan = Plan("child", concerns=["Pictures or videos of me are being shared"])
    reporter = Reporter(page, plan)
    reporter.answer_everything()
    reporter.send()
    expect(page.get_by_role("link", name="Report Remove")).to_be_visible()
    screenshot(page, 0, "child sent with report remove", "narrowest")
    assert overflow(page) <= 0

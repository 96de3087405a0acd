"""The "Exit this page" button leaves the site at once, with JavaScript and without it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import JS_ONLY

pytestmark = pytest.mark.browser

EXIT_URL = "https://www.example.net/weather"  # a stub answers it: there is no network here


@pytest.fixture(autouse=True)
def exit_url(settings: Any) -> str:
    settings.HAVEN_EXIT_URL = EXIT_URL
    return EXIT_URL


@pytest.mark.parametrize("path", ["/", "/who-are-you/", "/not-ready-to-report/"])
def test_the_exit_button_leaves_for_the_neutral_page(page: Page, path: str) -> None:
    page.goto(path)
    button = page.get_by_role("button", name="Exit this page")
    # A link underneath (GOV.UK gives it the button role), so it works without JavaScript too.
    expect(page.locator(f'a[href="{EXIT_URL}"]')).to_have_count(1)
    expect(button).to_have_attribute("href", EXIT_URL)
    button.click()
    page.wait_for_url(EXIT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere")


def test_the_exit_button_works_in_the_middle_of_a_report(page: Page) -> None:
    page.goto("/who-are-you/")
    page.get_by_label("A child or young person").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start your report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you in danger right now?")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(EXIT_URL)


@JS_ONLY
def test_pressing_shift_three_times_leaves_the_page(page: Page) -> None:
    page.goto("/")
    # Wait for GOV.UK Frontend to start the component: it adds the live region it counts in.
    expect(page.locator(".govuk-exit-this-page").get_by_role("status")).to_be_attached()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(EXIT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere")


@JS_ONLY
def test_pressing_shift_once_stays_on_the_page(page: Page) -> None:
    page.goto("/")
    expect(page.locator(".govuk-exit-this-page").get_by_role("status")).to_be_attached()
    page.keyboard.press("Shift")
    # GOV.UK Frontend counts the presses aloud, for people who pressed it by accident.
    expect(page.get_by_text("Shift, press 2 more times to exit.")).to_be_attached()
    page.wait_for_timeout(300)
    assert page.url.endswith("/")

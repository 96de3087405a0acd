"""axe-core finds no WCAG 2.0, 2.1 or 2.2 A or AA failure on any public page.

Each audience walks the whole journey with JavaScript on; axe checks every page once it is
filled in (so conditional questions are open), the error state of the pages people most often
get wrong, the information pages between questions, check answers and the confirmation.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible, violations
from tests.browser.reporter import BULLYING_ONLY, Plan, Reporter

pytestmark = pytest.mark.browser

# The professional's plan goes through all four information pages.
PLANS = {
    "child": Plan("child", danger="Yes", mistakes=True),
    "parent": Plan("parent", mistakes=True, platforms=["ExampleChat", "GameWorld"]),
    "member_of_public": Plan("member_of_public", concerns=BULLYING_ONLY, mistakes=True),
    "professional": Plan(
        "professional",
        policy_followed="Not yet",
        told_statutory="Yes",
        danger="Yes",
        concerns=BULLYING_ONLY,
        mistakes=True,
    ),
}


@JS_ONLY
@pytest.mark.parametrize("audience", list(PLANS))
def test_every_page_of_the_journey_is_accessible(page: Page, audience: str) -> None:
    checked: list[str] = []

    def check(name: str) -> None:
        assert_accessible(page, f"{name} ({audience})")
        checked.append(name)

    reporter = Reporter(page, PLANS[audience], checkpoint=check)
    reporter.answer_everything()
    reporter.send()

    assert "sent" in checked
    assert "contact, bad email" in checked


@JS_ONLY
def test_the_pages_outside_the_journey_are_accessible(page: Page) -> None:
    page.goto("/who-are-you/")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Select who you are")).to_be_visible()
    assert_accessible(page, "who are you, nothing chosen")

    page.goto("/not-ready-to-report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not ready to report?")
    assert_accessible(page)

    page.goto("/report/timed-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your session timed out")
    assert_accessible(page)

    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page, "the 404 page")

    page.goto("/staying-safe-online/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Staying safe online: cover your tracks"
    )
    assert_accessible(page)

    response = page.goto("/staff/sign-out/")
    assert response is not None and response.status == 405
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, this page cannot be opened that way"
    )
    assert_accessible(page, "the 405 page")


@JS_ONLY
def test_the_confirmation_is_accessible_with_its_help_and_once_the_code_is_kept(
    page: Page,
) -> None:
    reporter = Reporter(page, Plan("child", concerns=["Pictures or videos of me are being shared"]))
    reporter.answer_everything()
    reporter.send()
    expect(page.get_by_text("pictures or videos of you are online")).to_be_visible()
    assert_accessible(page, "sent, with Report Remove for the child")
    reporter.press("I have kept my code")
    expect(page.get_by_text("You told us you have kept your follow-up code")).to_be_visible()
    expect(page.get_by_text("of someone under 18 is online")).to_be_visible()
    assert page.get_by_text("of you are online").count() == 0
    assert_accessible(page, "sent, code kept")


@JS_ONLY
def test_the_not_sent_yet_page_is_accessible(page: Page, settings: Any) -> None:
    settings.HAVEN_MIN_FILL_SECONDS = 3600
    reporter = Reporter(page, Plan("parent"))
    reporter.begin()
    page.goto("/report/what-happened/")
    reporter.what_happened()
    page.goto("/report/check-answers/")
    reporter.press("Send report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report has not been sent yet")
    assert_accessible(page, "not sent yet")


def test_pages_without_javascript_are_accessible(scripts_removed: Page) -> None:
    page = scripts_removed
    page.goto("/")
    expect(page.locator("body")).not_to_have_class("js-enabled")
    assert_accessible(page, "start page, no JavaScript")

    reporter = Reporter(page, Plan("parent"), javascript=False)
    reporter.begin()
    page.goto("/report/what-happened/")
    reporter.press("Continue")
    reporter.expect_error(
        "Tell us what happened, even if you only know a little", reporter.field("What happened?")
    )
    assert_accessible(page, "what happened left empty, no JavaScript")

    page.goto("/report/when/")
    reporter.choose("When did it happen?", "I know the month")
    reporter.type("Month", "13")
    reporter.type("Year", "2024")
    reporter.press("Continue")
    reporter.expect_error(
        "Enter a real month and year, like 3 2026", reporter.group("Month and year")
    )
    assert_accessible(page, "when with an impossible month, no JavaScript")


@JS_ONLY
def test_the_check_finds_a_fault_when_there_is_one(page: Page) -> None:
    """The check can fail: an image without a text alternative, and an ARIA attribute a radio
    may not have (the GOV.UK exception covers aria-expanded and nothing else)."""
    page.goto("/who-are-you/")
    page.evaluate(
        """() => {
            document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/static/haven/favicon.svg">');
            document.querySelector(".govuk-radios__input").setAttribute("aria-selected", "true");
        }"""
    )
    assert sorted(v["id"] for v in violations(page)) == ["aria-allowed-attr", "image-alt"]

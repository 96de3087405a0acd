"""A child reports about a friend in Chromium: every page speaks of "your friend"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from haven.reporting.models import Report
from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible
from tests.browser.reporter import Plan, Reporter

pytestmark = pytest.mark.browser


def test_a_child_can_report_about_a_friend(page: Page, javascript: bool) -> None:
    reporter = Reporter(
        page, Plan("child", about_friend=True, mistakes=True), javascript=javascript
    )
    reporter.answer_everything()

    answers = page.locator(".govuk-summary-list")
    expect(answers.filter(has_text="How old is your friend?")).to_have_count(1)
    expect(answers.filter(has_text="Someone asked my friend for sexual pictures")).to_have_count(1)
    expect(answers.filter(has_text="How old are you?")).to_have_count(0)
    reporter.send()
    assert Report.objects.get().child_age_band == "13_15"


@JS_ONLY
def test_the_pages_about_a_friend_are_accessible(page: Page) -> None:
    def check(name: str) -> None:
        assert_accessible(page, f"{name} (child about a friend)")

    Reporter(
        page, Plan("child", about_friend=True, mistakes=True), checkpoint=check
    ).answer_everything()


@JS_ONLY
def test_a_change_of_who_you_are_asks_again_in_the_new_words(page: Page) -> None:
    reporter = Reporter(page, Plan("child"))
    reporter.answer_everything()
    page.get_by_role("link", name="Change who you are").first.click()
    reporter.choose("Who are you?", "A parent or carer")
    reporter.press("Continue")
    expect(page.get_by_text("You changed who you are")).to_be_visible()
    assert_accessible(page, "what happens, after a change")
    reporter.follow("Continue your report")
    reporter.heading("Is a child in danger right now?")
    expect(page.get_by_text("This question has changed to fit what you told us")).to_be_visible()
    assert_accessible(page, "a question to confirm")

"""Checking on a report, in Chromium with JavaScript on and off: a child sends a report with no
contact details, then checks on it with the reference and code the page showed.

axe finds no WCAG A or AA failure on any of the new pages; phone-sized screenshots of each go to
HAVEN_SHOTS_DIR (default /tmp/haven-shots) for a person to look at.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.reporting.services import submit_report
from tests.browser import JS_ONLY, PHONE
from tests.browser.axe import assert_accessible
from tests.browser.reporter import Plan, Reporter

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=SHOTS / f"check-{name}.png", full_page=True)


@JS_ONLY
def test_a_child_sends_a_report_then_checks_on_it(page: Page) -> None:
    reporter = Reporter(page, Plan("child"))
    reporter.answer_everything()
    reference, code = reporter.send()
    page.get_by_role("link", name="Check on your report").first.click()
    page.get_by_label("Your reference").fill(reference)
    page.get_by_label("Your follow-up code").fill(code)
    page.get_by_role("button", name="Check my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report")
    expect(page.get_by_text(reference)).to_be_visible()


def test_a_child_checks_on_their_report_with_the_reference_and_code(
    page: Page, javascript: bool
) -> None:
    """With JavaScript and without: the report as the journey stores it, sent here directly.
    axe and the screenshots need the page's JavaScript, so they run in the first pass."""

    def accessible(name: str) -> None:
        if javascript:
            assert_accessible(page, name)
            shot(page, name.replace(" ", "-").replace(",", ""))

    receipt = submit_report(
        audience="child",
        answers={"what-happened": {"what_happened": "Someone online keeps asking for photos."}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    reference, code = receipt.report.reference, str(receipt.followup_code)
    page.set_viewport_size(PHONE)
    page.goto("/")

    page.get_by_role("link", name="Check on your report").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check on your report")
    accessible("check on your report")

    # A slip in the code: the page says the pair does not match, not which half.
    page.get_by_label("Your reference").fill(reference)
    page.get_by_label("Your follow-up code").fill("AAAA BBBB CCCC DDDD")
    page.get_by_role("button", name="Check my report").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match a report we have")
    accessible("check on your report, wrong pair")

    # Typed back as a child might: lower case, spaces.
    page.get_by_label("Your reference").fill(reference.lower().replace("-", " "))
    page.get_by_label("Your follow-up code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report")
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.get_by_text("An adult who helps children will read it soon.")).to_be_visible()
    expect(page.locator(".govuk-exit-this-page")).to_be_visible()
    accessible("your report")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Your report")
    page.goto("/check/your-report/")
    expect(page.get_by_text("we signed you out")).to_be_visible()

    page.goto("/check/lost-code/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "If you have lost your reference or code"
    )
    accessible("lost code")


@JS_ONLY
def test_the_page_after_too_many_wrong_tries_is_calm_and_accessible(page: Page, settings) -> None:
    settings.HAVEN_CHECK_FAILURES_PER_ADDRESS = 1
    page.goto("/check/")
    for _ in range(2):
        page.get_by_label("Your reference").fill("HVN-0000-0000")
        page.get_by_label("Your follow-up code").fill("AAAA-BBBB-CCCC-DDDD")
        page.get_by_role("button", name="Check my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait before you try again")
    expect(page.get_by_text("You have not done anything wrong.")).to_be_visible()
    assert_accessible(page, "too many tries")
    page.set_viewport_size(PHONE)
    shot(page, "limited")

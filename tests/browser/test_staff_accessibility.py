"""An advisor signs in, finds the list of reports and opens one: axe finds no WCAG A or AA failure."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.reporting import services
from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible
from tests.factories import StaffUserFactory, add_totp, totp_code
from tests.journey import ANSWERS

pytestmark = [pytest.mark.browser, JS_ONLY]


def test_signing_in_and_reading_a_report_is_accessible(page: Page) -> None:
    advisor = StaffUserFactory()
    app = add_totp(advisor)
    answers = {
        slug: dict(ANSWERS[slug])
        for slug in ("danger", "concern", "what-happened", "child", "contact")
    }
    answers["danger"]["danger_now"] = "yes"
    receipt = services.submit_report(
        audience="parent",
        answers=answers,
        submission_key="browser-staff-1",
        received_at=timezone.now(),
    )

    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page, "staff sign in")

    page.get_by_label("Username").fill(advisor.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page, "staff sign in, wrong password")

    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert_accessible(page, "second factor")

    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()
    # Back to the page asked for (/staff/); without one, the queue.
    expect(page.get_by_role("heading", level=1)).to_have_text("Received reports")
    page.get_by_role("link", name="Queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    assert_accessible(page, "queue, with the search box")

    page.get_by_label("Find a case by its reference").fill("hvn 0000 0000")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("No case has that reference")
    assert_accessible(page, "search, nothing found")

    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received reports")
    assert_accessible(page, "reports list")

    page.get_by_role("link", name=receipt.report.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {receipt.report.reference}")
    expect(
        page.get_by_text("Someone in a game asked for photos and wants to meet.")
    ).to_be_visible()
    assert_accessible(page, "an opened report")


def test_the_audit_pages_list_of_people_is_accessible_and_asks_the_question(page: Page) -> None:
    supervisor = StaffUserFactory(username="sup-audit-browser", role="supervisor")
    StaffUserFactory(username="adv-audit-browser")
    app = add_totp(supervisor)
    page.goto("/staff/audit/")
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    assert_accessible(page, "audit page")

    page.get_by_label("Person", exact=True).select_option("adv-audit-browser")
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_label("Person", exact=True)).to_have_value("adv-audit-browser")
    assert_accessible(page, "audit page, what one person did")

    # Only an address typed by hand can name someone not in the list.
    page.goto("/staff/audit/?advisor=nobody-at-all")
    expect(page.get_by_role("alert")).to_contain_text("Choose a person from the list")
    page.get_by_role("link", name="Choose a person from the list").click()
    expect(page.get_by_label("Person", exact=True)).to_be_focused()
    assert_accessible(page, "audit page, a person not in the list")

    page.goto("/staff/queue/")
    page.get_by_label("Priority").select_option("P2")
    page.get_by_label("Status").select_option("assessing")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"priority=P2&status=assessing"))
    expect(page.get_by_label("Priority")).to_have_value("P2")
    assert_accessible(page, "queue filtered by priority and status")

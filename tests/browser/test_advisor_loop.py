"""The whole loop in a real browser: a report sent on the public side reaches the queue at the
right priority with its reasons; an advisor with a second factor opens it, decides, contacts,
plans and asks to close it; a supervisor approves the close; the audit chain verifies. axe checks each staff page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from haven.audit.services import verify_chain
from haven.cases.models import Case
from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible
from tests.browser.reporter import Plan, Reporter
from tests.factories import StaffUserFactory, add_totp, totp_code

pytestmark = [pytest.mark.browser, JS_ONLY]


def sign_in(page: Page, user, device) -> None:
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()


def decide(page: Page, option: str, reason: str = "") -> None:
    page.get_by_role("group", name="What happens next?").get_by_label(option, exact=True).check()
    if reason:
        page.locator("#id_status-reason").fill(reason)
    page.get_by_role("button", name="Save decision").click()


def test_a_report_goes_from_the_public_form_to_a_closed_case(page: Page) -> None:
    reporter = Reporter(page, Plan(audience="parent", danger="Yes"))
    reporter.answer_everything()
    reference, _code = reporter.send()

    advisor = StaffUserFactory(username="advisor-loop")
    device = add_totp(advisor)
    page.goto("/staff/queue/")
    sign_in(page, advisor, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("P1")
    expect(row).to_contain_text("The reporter says a child is in danger right now")
    assert_accessible(page, "queue")

    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    assert_accessible(page, "case page")
    page.get_by_role("button", name="Claim this case").click()
    page.get_by_role("button", name="Read the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
    assert_accessible(page, "the opened report")
    page.go_back()
    page.reload()

    decide(page, "Start assessing")
    decide(page, "Meets threshold", "Danger now and an adult wanting images")
    page.get_by_role("group", name="How did you try?").get_by_label("Phone").check()
    page.get_by_role("group", name="What happened?").get_by_label("Spoke to the reporter").check()
    page.get_by_role("button", name="Save contact attempt").click()
    page.locator("#id_safety-action").fill("Parent reports the account and keeps the evidence")
    page.locator("#id_safety-owner").fill("Parent")
    page.get_by_role("button", name="Add action").click()
    expect(
        page.get_by_text("Parent reports the account and keeps the evidence").first
    ).to_be_visible()
    decide(page, "Contact the reporter")
    decide(page, "Start planning")
    decide(page, "Referred", "Referred to local children's social care")
    decide(page, "Monitor")
    # Closing a P1 case needs a second person: the advisor asks, a supervisor approves.
    decide(page, "Close", "Plan complete; the family is supported locally")
    banner = page.get_by_role("region", name="Awaiting approval")
    expect(banner).to_contain_text("Asked for by advisor-loop")
    expect(banner).to_contain_text("Plan complete; the family is supported locally")
    assert_accessible(page, "case awaiting approval")
    case_url = page.url
    page.get_by_role("button", name="Sign out").click()

    supervisor = StaffUserFactory(username="supervisor-loop", role="supervisor")
    page.goto(case_url)
    sign_in(page, supervisor, add_totp(supervisor))
    page.get_by_role("region", name="Awaiting approval").get_by_role(
        "button", name="Approve"
    ).click()
    expect(page.get_by_role("region", name="Awaiting approval")).to_have_count(0)
    expect(
        page.get_by_role("cell", name="Plan complete; the family is supported locally").first
    ).to_be_visible()
    assert_accessible(page, "closed case with its chronology")

    case = Case.objects.get(reference=reference)
    assert case.status == "closed"
    assert case.first_read_by == advisor and case.first_contact_at is not None
    assert verify_chain().ok


def test_supervisor_pages_are_accessible(page: Page) -> None:
    supervisor = StaffUserFactory(username="supervisor-a11y", role="supervisor")
    device = add_totp(supervisor)
    page.goto("/staff/team/")
    sign_in(page, supervisor, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    assert_accessible(page, "team")
    page.goto("/staff/audit/?advisor=supervisor-a11y")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    assert_accessible(page, "audit")

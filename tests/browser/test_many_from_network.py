"""A supervisor finds a flood of reports from one network and closes it: every page passes axe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from haven.cases.lifecycle import Status
from haven.cases.models import Case
from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible
from tests.factories import StaffUserFactory, add_totp, submitted_case, totp_code

pytestmark = [pytest.mark.browser, JS_ONLY]


def test_a_supervisor_closes_a_flood_from_the_queue(page: Page, settings: Any) -> None:
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 0
    flood = [submitted_case(client_bucket="one-network") for _ in range(3)]
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 5
    ordinary = submitted_case()
    supervisor = StaffUserFactory(username="supervisor-flood", role="supervisor")
    device = add_totp(supervisor)

    page.goto("/staff/queue/")
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    expect(page.get_by_text("Many reports from one network", exact=True)).to_have_count(4)

    page.get_by_label("Many reports from one network").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("button", name="Close these cases")).to_be_visible()
    assert_accessible(page, "queue of the marked cases")

    page.get_by_role("button", name="Close these cases").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the cases to close")
    assert_accessible(page, "bulk close with errors")

    for case in flood[:2]:
        page.get_by_label(f"Close {case.reference}").check()
    page.get_by_label("Why are you closing these cases?").fill("The same advert, sent again")
    page.get_by_role("button", name="Close these cases").click()
    expect(page.get_by_text("2 cases closed")).to_be_visible()
    assert_accessible(page, "cases closed")

    statuses = dict(Case.objects.values_list("id", "status"))
    assert [statuses[case.id] for case in flood] == [Status.CLOSED, Status.CLOSED, Status.NEW]
    assert statuses[ordinary.id] == Status.NEW

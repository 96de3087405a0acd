"""The case page as its owner, another advisor and a supervisor with a change awaiting approval:
each accessible (axe), each screenshot kept in HAVEN_SHOTS_DIR for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Case
from tests.browser import DESKTOP
from tests.browser.axe import assert_accessible
from tests.browser.conftest import new_context
from tests.factories import PASSWORD, StaffUserFactory, add_totp, submitted_case, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))


def signed_in(browser: Browser, live_server: Any, user: Any) -> Page:
    app = add_totp(user)
    page = new_context(browser, live_server, viewport=DESKTOP).new_page()
    page.goto("/staff/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()
    return page


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"case-{name}.png"), full_page=True)


def test_the_case_page_for_its_owner_another_advisor_and_a_supervisor(
    browser: Browser, live_server: Any
) -> None:
    sam = StaffUserFactory(username="sam")
    alex = StaffUserFactory(username="alex")
    supervisor = StaffUserFactory(username="sup", role="supervisor")
    case = submitted_case()
    Case.objects.filter(pk=case.pk).update(priority="P3")
    case = services.claim_case(case=case, by=sam)
    services.change_status(case=case, to=Status.ASSESSING, by=sam)
    services.change_status(case=case, to=Status.BELOW_THRESHOLD, by=sam, reason="Bullying only")

    owner = signed_in(browser, live_server, sam)
    owner.goto(f"/staff/cases/{case.id}/")
    expect(owner.get_by_role("heading", name="Decide what happens next")).to_be_visible()
    assert_accessible(owner, "case page, owner")
    shoot(owner, "owner")
    owner.get_by_label("Close with signposting").check()
    owner.get_by_label("Reason", exact=True).fill("Signposted to Childline")
    owner.get_by_role("button", name="Save decision").click()
    expect(owner.get_by_role("region", name="Awaiting approval")).to_contain_text(
        "Asked for by sam"
    )

    other = signed_in(browser, live_server, alex)
    other.goto(f"/staff/cases/{case.id}/")
    expect(other.get_by_text("This case is sam's. You can add a note.")).to_be_visible()
    assert_accessible(other, "case page, another advisor")
    shoot(other, "other-advisor")

    boss = signed_in(browser, live_server, supervisor)
    boss.goto(f"/staff/cases/{case.id}/")
    expect(boss.get_by_role("button", name="Approve")).to_be_visible()
    assert_accessible(boss, "case page, supervisor, awaiting approval")
    shoot(boss, "supervisor-awaiting-approval")
    boss.get_by_role("button", name="Approve").click()
    expect(boss.get_by_text("Closed", exact=True)).to_be_visible()

"""A referral from start to end, in Chromium with JavaScript on and off (issue 9, "Done means").

An advisor refers a P2 case to children's social care, choosing the sections and recording the
lawful basis; a supervisor approves it; the agency's user signs in with a second factor, sees
only that referral (not another agency's), acknowledges and accepts it with their reference. The
advisor revokes a second referral, and the agency can no longer open it.

axe finds no WCAG A or AA failure on any new page (without JavaScript, on the page exactly as
the server sent it: the ``check`` fixture). The supervisor downloads the referral as a PDF. Phone-sized screenshots go to HAVEN_SHOTS_DIR
(default /tmp/haven-shots), with JavaScript only, for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from haven.cases.lifecycle import Status
from haven.referrals import services
from haven.referrals.lifecycle import State
from haven.referrals.models import Referral
from tests.browser import DESKTOP, PHONE
from tests.browser.conftest import signed_in
from tests.factories import CaseFactory, PartnerAgencyFactory, StaffUserFactory, partner_user

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))
NARRATIVE = "A man on GameWorld keeps asking me for photos and says he knows my school."
HOUSEHOLD = "Lives with mum and a younger brother."
REASON = "The family must not be told before the social worker speaks to the child."


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=SHOTS / f"referral-{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page.set_viewport_size(DESKTOP)


def test_an_advisor_refers_a_case_a_supervisor_approves_and_the_agency_accepts(
    browser: Browser,
    live_server: Any,
    javascript: bool,
    check: Callable[[Page, str], None],
) -> None:
    def screenshot(on: Page, name: str) -> None:
        if javascript:
            shot(on, name)

    advisor = StaffUserFactory(username="advisor-referral", first_name="Sam", last_name="Example")
    supervisor = StaffUserFactory(username="supervisor-referral", role="supervisor")
    care = PartnerAgencyFactory(
        name="Example Borough Childrens Services", areas=["Example Borough"]
    )
    elsewhere = PartnerAgencyFactory(name="Far Away Childrens Services", areas=["Far Away"])
    member = partner_user(care, username="partner-referral")
    case = CaseFactory(
        audience="child",
        narrative=NARRATIVE,
        priority="P2",
        status=Status.PLANNING,
        assigned_to=advisor,
    )
    # Another agency's referral, which the partner must never see.
    other_case = CaseFactory(
        audience="parent", priority="P1", status=Status.NEW, assigned_to=advisor
    )
    hidden = services.draft_referral(case=other_case, agency=elsewhere, by=advisor)
    draft = services.open_draft(hidden)
    draft.no_consent_reason = "Risk to the child."
    services.save_draft(
        referral=hidden, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=True
    )
    hidden = services.send_referral(referral=hidden, by=advisor)

    # 1. The advisor finds the agency by the child's area and writes the referral.
    with signed_in(browser, live_server, advisor, javascript=javascript) as desk:
        desk.goto(f"/staff/cases/{case.id}/")
        desk.get_by_role("button", name="Make a referral").click()
        expect(desk.get_by_role("heading", level=1)).to_have_text("Make a referral")
        desk.get_by_label("The child's town or area").fill("example borough")
        desk.get_by_role("button", name="Find agencies").click()
        check(desk, "make a referral, agencies found")
        screenshot(desk, "find")
        desk.get_by_label("Example Borough Childrens Services").check()
        desk.get_by_role("button", name="Start the referral").click()
        expect(desk.get_by_role("heading", level=1)).to_have_text(
            re.compile(rf"^Referral {case.reference}-R1$")
        )
        expect(desk.get_by_role("textbox", name="The concern and why now")).to_have_value(
            re.compile(NARRATIVE)
        )
        check(desk, "the referral draft")
        screenshot(desk, "draft")

        # Sending with no lawful basis names what is missing and sends nothing.
        desk.get_by_role("button", name="Send for approval").click()
        expect(desk.locator(".govuk-error-summary")).to_contain_text(
            "Choose the lawful basis for sharing"
        )
        check(desk, "the referral draft, no lawful basis")

        shared = desk.get_by_role("group", name="Which sections will you share with the agency?")
        shared.get_by_label("The person of concern").uncheck()
        desk.get_by_role("textbox", name="The household").fill(HOUSEHOLD)
        basis = desk.get_by_role("group", name="On what lawful basis are you sharing this?")
        basis.get_by_label(re.compile("Sharing without consent")).check()
        desk.get_by_label("Why was consent not sought?").fill(REASON)
        desk.get_by_role("group", name="Is this referral urgent?").get_by_label("No").check()
        desk.get_by_role("button", name="Send for approval").click()
        expect(desk.locator(".govuk-notification-banner--success")).to_contain_text(
            "The referral has gone to a supervisor to approve"
        )
        expect(desk.get_by_text("Not shared:")).to_contain_text("The person of concern")
        check(desk, "the referral, awaiting approval")
        referral = Referral.objects.get(case=case)
        assert referral.state == State.AWAITING_APPROVAL
        assert referral.lawful_basis == "safeguarding"

        # 2. A supervisor approves it, and it is sent.
        with signed_in(browser, live_server, supervisor, javascript=javascript) as page:
            page.goto(f"/staff/referrals/{referral.id}/")
            check(page, "the referral, for a supervisor")
            screenshot(page, "approve")
            page.get_by_role("button", name="Approve and send").click()
            expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
                "approved and sent"
            )
            # The PDF for secure email: it opens, and it is a PDF (its pages are looked at
            # in tests/test_exports.py, which renders them).
            with page.expect_download() as download:
                page.get_by_role("link", name="Download the referral as a PDF").click()
            pdf = Path(download.value.path()).read_bytes()
            assert pdf.startswith(b"%PDF-")
            assert download.value.suggested_filename == f"{referral.reference}.pdf"
            page.goto("/staff/team/")
            expect(page.get_by_role("heading", name="Referrals", exact=True)).to_be_visible()
            check(page, "the team page with referrals")
            screenshot(page, "team")

        # A second referral of the same case, sent, which the advisor will revoke.
        second = services.draft_referral(case=case, agency=care, by=advisor)
        draft = services.open_draft(second)
        draft.no_consent_reason = REASON
        services.save_draft(
            referral=second, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=False
        )
        services.send_referral(referral=second, by=advisor)
        services.approve_referral(referral=second, by=supervisor)

        # 3. The agency's user signs in with a second factor and sees only their agency's.
        with signed_in(
            browser, live_server, member, javascript=javascript, expected_statuses=(404,)
        ) as page:
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Referrals to Example Borough Childrens Services"
            )
            expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
            expect(page.get_by_role("link", name=second.reference)).to_be_visible()
            expect(page.get_by_text(hidden.reference)).to_have_count(0)
            check(page, "the agency's referrals")
            screenshot(page, "partner-list")
            page.get_by_role("link", name=referral.reference).click()
            expect(page.get_by_text(HOUSEHOLD)).to_be_visible()
            expect(page.get_by_text(REASON)).to_be_visible()
            expect(page.get_by_role("heading", name="The person of concern")).to_have_count(0)
            check(page, "a referral, for the agency")
            screenshot(page, "partner-referral")
            page.get_by_role("button", name="Acknowledge").click()
            expect(page.get_by_role("button", name="Accept")).to_be_visible()
            page.get_by_label("Your reference (optional)").first.fill("EB-2026-0042")
            page.get_by_role("button", name="Accept").click()
            check(page, "a referral, accepted")
            referral.refresh_from_db()
            assert (referral.state, referral.partner_reference) == (State.ACCEPTED, "EB-2026-0042")

            # 4. The advisor revokes the second; the agency can no longer open it.
            desk.goto(f"/staff/referrals/{second.id}/")
            desk.get_by_label("Why are you revoking it?").fill("Sent twice by mistake.")
            desk.get_by_role("button", name="Revoke").click()
            expect(desk.locator(".govuk-notification-banner--success")).to_contain_text(
                "the agency can no longer read it"
            )
            check(desk, "the referral, revoked")
            desk.goto(f"/staff/referrals/{referral.id}/")
            expect(desk.get_by_text("partner-referral")).not_to_have_count(0)  # its openings
            response = page.goto(f"/partner/referrals/{second.id}/")
            assert response is not None and response.status == 404
            page.goto("/partner/")
            expect(page.get_by_role("link", name=second.reference)).to_have_count(0)

"""A partner agency's user signs in with a password and an authenticator app, lands on their
agency's referrals and opens one: axe finds no WCAG A or AA failure, on a phone and a desktop,
and each page is kept in HAVEN_SHOTS_DIR (default /tmp/haven-shots) for a person to look at."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from haven.cases.lifecycle import Status
from haven.referrals import sections, services
from haven.referrals.models import Referral
from tests.browser import DESKTOP, PHONE
from tests.browser.axe import assert_accessible
from tests.browser.conftest import new_context
from tests.factories import (
    PASSWORD,
    CaseFactory,
    PartnerAgencyFactory,
    StaffUserFactory,
    add_totp,
    partner_user,
    totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))


def sent_referral(advisor: Any, agency: Any, *, urgent: bool) -> Referral:
    case = CaseFactory(
        audience="child",
        narrative="He said he would share my photos unless I sent more. I am scared.",
        priority="P1" if urgent else "P2",
        status=Status.PLANNING,
        assigned_to=advisor,
    )
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.words["child"] = "Age: 13\nArea: Example Borough\nSchool: Example Academy"
    draft.words["confidential"] = "That the child told us. Their mother does not know yet."
    draft.no_consent_reason = "Telling the family first could put the child at risk."
    draft.shared = [s.slug for s in sections.SECTIONS if s.shared_by_default]
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=urgent
    )
    return services.send_referral(referral=referral, by=advisor)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"partner-{name}.png"), full_page=True)


def fits(page: Page) -> None:
    extra = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert extra <= 0, f"{page.url}: {extra}px wider than the window"


def test_a_partner_signs_in_and_reads_a_referral(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    settings.HAVEN_REFERRAL_APPROVAL = "none"
    advisor = StaffUserFactory(username="advisor-sam", first_name="Sam", last_name="Example")
    agency = PartnerAgencyFactory(name="Example Borough Children's Services")
    member = partner_user(agency, username="partner-pat")
    app = add_totp(member)
    waiting = sent_referral(advisor, agency, urgent=False)
    urgent = sent_referral(advisor, agency, urgent=True)
    Referral.objects.filter(pk=urgent.pk).update(
        acknowledge_due=timezone.now() - timedelta(minutes=30)
    )
    services.acknowledge(referral=waiting, by=member)
    services.request_information(referral=waiting, by=member, question="Which school is it?")
    services.answer_request(referral=waiting, by=advisor, answer="Example Academy, year 8.")

    context = new_context(browser, live_server, viewport=PHONE)
    page = context.new_page()
    page.goto("/staff/sign-in/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()

    # Home is the agency's referrals.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Referrals to Example Borough Children's Services"
    )
    expect(page.get_by_role("row", name=urgent.reference)).to_contain_text("Overdue")
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        assert_accessible(page, f"partner referrals, {size}")
        fits(page)
        shoot(page, f"list-{size}")

    page.get_by_role("link", name=urgent.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(urgent.reference)
    expect(page.get_by_text("This urgent referral was due to be acknowledged by")).to_be_visible()
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        assert_accessible(page, f"an urgent referral, {size}")
        fits(page)
        shoot(page, f"urgent-{size}")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("alert")).to_contain_text("You have acknowledged this referral.")
    assert_accessible(page, "an urgent referral, acknowledged")
    shoot(page, "urgent-acknowledged-desktop")

    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter why you are declining this referral")
    assert_accessible(page, "a decline without a reason")
    shoot(page, "decline-error-desktop")

    page.goto(f"/partner/referrals/{waiting.id}/")
    expect(page.get_by_text("Example Academy, year 8.")).to_be_visible()
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        assert_accessible(page, f"a referral with its thread, {size}")
        fits(page)
        shoot(page, f"thread-{size}")
    context.close()

"""A new advisor's first sign-in in a real browser: set up an authenticator app (with JavaScript
and without), save the recovery codes, and reach the reports; and, with JavaScript, a passkey
made and used through Chromium's virtual authenticator (the real WebAuthn ceremony)."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, StaffUserFactory

pytestmark = [pytest.mark.browser]


def sign_in(page: Page, username: str) -> None:
    page.goto("/staff/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def code_for(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_first_sign_in_sets_up_an_app_and_shows_recovery_codes(
    page: Page, javascript: bool
) -> None:
    def check(name: str) -> None:
        # axe runs in the page, so only where JavaScript does; the pages are the same without.
        if javascript:
            assert_accessible(page, name)

    advisor = StaffUserFactory(username="first-day")

    sign_in(page, advisor.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up a second way to prove it is you"
    )
    check("second factor set-up")

    page.get_by_label("Code from the app").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check("second factor set-up, wrong code")

    page.get_by_label("Code from the app").fill(code_for(page.locator("#totp-secret").inner_text()))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"\w{4}-\w{4}-\w{4}", c) for c in codes)
    check("recovery codes")

    page.get_by_role("button", name="I have saved my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received reports")


@JS_ONLY
def test_a_passkey_is_made_and_then_used_to_sign_in(page: Page) -> None:
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    advisor = StaffUserFactory(username="passkey-person")

    sign_in(page, advisor.username)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    page.get_by_role("button", name="I have saved my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received reports")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, advisor.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Use your passkey")
    assert_accessible(page, "passkey verification")
    page.get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received reports")

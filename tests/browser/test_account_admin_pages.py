"""An administrator creates a staff account and the new person sets their password with the
link, in Chromium: axe finds no WCAG A or AA failure on any page. Screenshots of each page go
to HAVEN_SHOTS_DIR (default /tmp/haven-shots) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import JS_ONLY
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code

pytestmark = [pytest.mark.browser, JS_ONLY]

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"account-admin-{name}.png", full_page=True)


def test_an_administrator_creates_an_account_and_its_holder_sets_a_password(
    page: Page, browser: Browser, live_server
) -> None:
    admin = StaffUserFactory(username="admin-browser", role="administrator")
    StaffUserFactory(username="advisor-browser")
    StaffUserFactory(username="gone-browser", role="supervisor", is_active=False)
    app = add_totp(admin)
    page.goto("/staff/account/admin/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    assert_accessible(page, "staff accounts")
    shot(page, "list")

    page.get_by_role("button", name="Create a staff account").click()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a username")
    assert_accessible(page, "create, with errors")
    page.get_by_label("Username").fill("new.browser")
    page.get_by_label("Supervisor").check()
    shot(page, "create")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Account created")
    assert_accessible(page, "the link, shown once")
    shot(page, "link")
    link = page.locator("#set-password-link").inner_text()

    page.get_by_role("link", name="Go to the account of new.browser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("new.browser")
    assert_accessible(page, "an account's page")
    shot(page, "account")

    holder = browser.new_page(base_url=live_server.url)
    holder.goto(link)
    expect(holder.get_by_role("heading", level=1)).to_have_text("Choose your password")
    assert "link=" not in holder.url
    assert_accessible(holder, "set password")
    holder.get_by_label("New password", exact=True).fill("tidy-lantern-orbit-47")
    holder.get_by_label("Type the new password again").fill("tidy-lantern-orbit-47")
    shot(holder, "set-password")
    holder.get_by_role("button", name="Set password").click()
    expect(holder.get_by_text("Your password has been set.")).to_be_visible()
    holder.get_by_label("Username").fill("new.browser")
    holder.get_by_label("Password").fill("tidy-lantern-orbit-47")
    holder.get_by_role("button", name="Sign in").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text(
        "Set up a second way to prove it is you"
    )
    holder.close()

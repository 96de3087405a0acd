"""An administrator keeps the partner agency directory in Chromium: adds an agency (the secure
email address revealed under its radio), finds it by area, changes it, imports a small CSV file
and downloads the directory. axe finds no WCAG A or AA failure on any page, with JavaScript and
without; no page is wider than a phone. Screenshots of each page, at a phone's width and a
desktop's, go to HAVEN_SHOTS_DIR (default /tmp/haven-shots) as agencies-*.png for a person to
look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from haven.referrals import directory
from haven.referrals.directory import AgencyEntry
from haven.referrals.models import PartnerAgency
from tests.browser import DESKTOP, JS_ONLY, PHONE
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))
CSV = (
    "name,kind,areas,delivery,secure_email,out_of_hours,active\n"
    "Bradford Children's Social Care,social_care,Bradford,portal,,01274 435 600,yes\n"
    "West Yorkshire Police CPU,police,Bradford; Calderdale,secure_email,cpu@example.gov.uk,,yes\n"
)


def sign_in(page: Page, url: str) -> Any:
    admin = StaffUserFactory(username="admin-agencies-browser", role="administrator")
    app = add_totp(admin)
    page.goto(url)
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()
    return admin


def check(page: Page, name: str, where: str) -> None:
    """axe on the page as it is, at both widths; nothing wider than the phone; screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        assert_accessible(page, f"{where} ({label})")
        if size == PHONE:
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= PHONE["width"], f"{where} is {wide}px wide on a phone"
        page.screenshot(path=SHOTS / f"agencies-{name}-{label}.png", full_page=True)


@JS_ONLY
def test_an_administrator_adds_finds_changes_and_imports_agencies(page: Page) -> None:
    admin = sign_in(page, "/staff/agencies/")
    for name, area, active in (
        ("Leeds Children's Social Work Service", "Leeds", True),
        ("Closed Wakefield Team", "Wakefield", False),
    ):
        directory.save_agency(
            entry=AgencyEntry(name=name, kind="social_care", areas=[area], active=active), by=admin
        )
    page.reload()

    expect(page.get_by_role("heading", level=1)).to_have_text("Partner agencies")
    expect(page.get_by_role("link", name="Partner agencies")).to_have_attribute(
        "aria-current", "true"
    )
    check(page, "list", "the directory")

    page.get_by_role("button", name="Add an agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a partner agency")
    page.get_by_role("button", name="Add agency").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the agency's name")
    check(page, "add-errors", "add, with errors")

    page.get_by_label("Name of the agency").fill("Kirklees Children's Services")
    page.get_by_label("Children's social care").check()
    page.get_by_label("Areas it serves").fill("Kirklees\nHuddersfield")
    email = page.get_by_label("Secure email address")
    expect(email).to_be_hidden()
    page.get_by_label("By secure email of an exported referral").check()
    expect(email).to_be_visible()
    email.fill("referrals@example.gov.uk")
    page.get_by_label("Out-of-hours contact (optional)").fill("Emergency duty team 0300 555 0000")
    check(page, "add", "add, filled in")
    page.get_by_role("button", name="Add agency").click()

    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "Kirklees Children's Services has been added to the directory."
    )
    check(page, "added", "the directory, after adding")

    page.get_by_label("Area served").fill("huddersfield")
    page.get_by_role("button", name="Search").click()
    table = page.locator("#agencies")
    expect(table.get_by_role("link")).to_have_text(["Kirklees Children's Services"])
    expect(table).to_contain_text("Secure email to referrals@example.gov.uk")
    check(page, "found", "the directory, searched by area")

    page.get_by_label("Area served").fill("")
    page.get_by_label("Show agencies not in use").check()
    page.get_by_role("button", name="Search").click()
    expect(table.get_by_text("Not in use")).to_have_count(1)
    check(page, "all", "the directory, with agencies not in use")

    page.get_by_role("link", name="Closed Wakefield Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Closed Wakefield Team")
    check(page, "change", "change an agency")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "Your changes to Closed Wakefield Team have been saved."
    )
    assert PartnerAgency.objects.get(name="Closed Wakefield Team").active

    page.get_by_role("button", name="Import from a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import partner agencies")
    check(page, "import", "import")
    chooser = page.get_by_label("Choose the CSV file")
    chooser.set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"name,kind,areas\nA,fire,York\n"}
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Row 2: The kind must be one of social_care, police, lado, other"
    )
    check(page, "import-errors", "import, with a row's problem")
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(chooser).to_be_focused()

    chooser.set_input_files(
        {"name": "agencies.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "File imported: 2 added, 0 changed."
    )
    page.get_by_label("Area served").fill("Bradford")
    page.get_by_role("button", name="Search").click()
    expect(table.get_by_role("link")).to_have_text(
        ["Bradford Children's Social Care", "West Yorkshire Police CPU"]
    )
    check(page, "imported", "the directory, after the import")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the directory as a CSV file").click()
    assert download.value.suggested_filename.startswith("partner-agencies-")
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 5 and lines[0].startswith("name,kind,areas")


def test_the_pages_without_javascript_are_accessible_and_show_the_email_field(
    scripts_removed: Page, live_server: Any
) -> None:
    page = scripts_removed
    sign_in(page, "/staff/agencies/add/")
    # Loaded afresh: the page a redirect lands on is not routed, so it would keep its scripts.
    page.goto("/staff/agencies/add/")
    assert page.locator("script").count() == 0
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a partner agency")
    # Without JavaScript the question under a radio is always shown.
    expect(page.get_by_label("Secure email address")).to_be_visible()
    check(page, "add-no-js", "add, without JavaScript")
    page.goto("/staff/agencies/import/")
    check(page, "import-no-js", "import, without JavaScript")

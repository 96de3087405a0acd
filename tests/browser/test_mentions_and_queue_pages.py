"""The queue (with its tags and filters) and the page of every report that mentions the same
person: accessible (axe), and screenshots kept in HAVEN_SHOTS_DIR for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from haven.cases.models import Case
from haven.linking.services import LINKED_SHOWN
from tests.browser import PHONE
from tests.browser.axe import assert_accessible
from tests.browser.test_case_ownership_pages import signed_in
from tests.factories import CaseFactory, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))


def test_see_all_mentions_and_the_queue_are_accessible(browser: Browser, live_server) -> None:
    cases = [CaseFactory(where=[("Instagram", "example_user")]) for _ in range(LINKED_SHOWN + 2)]
    newest = Case.objects.get(pk=cases[-1].pk)
    page = signed_in(browser, live_server, StaffUserFactory(username="adv-mentions"))
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"/staff/cases/{newest.id}/")
    page.get_by_role("link", name="See all 6 reports that mention the same username").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Other reports that mention the same username"
    )
    expect(page.get_by_role("table")).to_contain_text("6 reports, newest first")
    assert_accessible(page, "every report that mentions the same username")
    page.screenshot(path=str(SHOTS / "mentions.png"), full_page=True)

    page.goto("/staff/queue/?awaiting=1")
    expect(page.get_by_label("Awaiting approval")).to_be_checked()
    page.goto("/staff/queue/")
    expect(page.get_by_role("row").filter(has_text=newest.reference)).to_contain_text("Linked")
    assert_accessible(page, "queue")
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / "queue-phone.png"), full_page=True)
    # The page is no wider than the phone: the table scrolls sideways in its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    scroller = page.get_by_role("region", name="The queue")
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")
    assert_accessible(page, "queue on a phone")

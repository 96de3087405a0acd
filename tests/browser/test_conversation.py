"""The conversation between a reporter and an advisor, in Chromium with JavaScript on and off.

An anonymous child sends a report; an advisor signed in with a second factor messages them from
the case, starting from a template; the child checks on the report with the reference and code,
reads the message, replies and adds a username on another platform; the advisor sees "Reply
waiting" in the queue and on the case, with what the child wrote, and answers; "Reply waiting"
goes.

axe finds no WCAG A or AA failure on any of the new pages, with JavaScript and without (without,
on the page exactly as the server sent it: see ``check``). Phone-sized screenshots go to
HAVEN_SHOTS_DIR (default /tmp/haven-shots) for a person to look at, with JavaScript only.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from haven.reporting.services import submit_report
from haven.staff.message_templates import BY_SLUG
from tests.browser import DESKTOP, PHONE
from tests.browser.conftest import signed_in
from tests.browser.reporter import Plan, Reporter
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("HAVEN_SHOTS_DIR", "/tmp/haven-shots"))

FIRST_MESSAGE_ADDED = "Are you safe right now?"
REPLY = "I am OK. He messaged me again last night on GameWorld."
PLACE, USERNAME = "GameWorld", "@gameworld_stranger"
ANSWER = "Thank you for telling us. Keep the messages, but do not answer him."


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=SHOTS / f"conversation-{name}.png", full_page=True)
    # No wider than the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.fixture
def advisor(browser: Browser, live_server: Any, javascript: bool) -> Iterator[Page]:
    """An advisor's browser, signed in with their second factor, with the same JavaScript as the
    child's; it fails the test on any script error, as the child's page does."""
    user = StaffUserFactory(username="advisor-conversation")
    with signed_in(browser, live_server, user, javascript=javascript) as page:
        yield page


def send_anonymously(page: Page, javascript: bool) -> tuple[str, str]:
    """An anonymous child's report, and its reference and follow-up code.

    Without JavaScript, through the public form (the walk with JavaScript is in
    test_check_on_report), choosing to give no contact details; with it, sent directly.
    """
    if javascript:
        receipt = submit_report(
            audience="child",
            answers={"what-happened": {"what_happened": "Someone online keeps asking for photos."}},
            submission_key=uuid.uuid4().hex,
            received_at=timezone.now(),
        )
        return receipt.report.reference, str(receipt.followup_code)
    reporter = Reporter(page, Plan("child"), javascript=False)
    reporter.begin()
    reporter.about_whom()
    reporter.danger()
    reporter.concern()
    reporter.what_happened()
    reporter.when()
    reporter.where()
    reporter.child()
    reporter.person()
    reporter.heading("How can we contact you?")
    reporter.choose("How can we contact you?", "I would rather not give contact details")
    reporter.press("Continue")
    reporter.heading("Check your answers before sending your report")
    return reporter.send()


def test_a_child_and_an_advisor_write_to_each_other_through_the_report(
    page: Page,
    advisor: Page,
    javascript: bool,
    check: Callable[[Page, str], None],
) -> None:
    child = Reporter(page, Plan("child"), javascript=javascript)

    def screenshot(on: Page, name: str) -> None:
        if javascript:
            shot(on, name)

    # 1. An anonymous child sends a report.
    reference, code = send_anonymously(page, javascript)
    page.set_viewport_size(PHONE)

    # 2. The advisor opens the case and messages the child, starting from a template.
    advisor.goto("/staff/queue/")
    row = advisor.get_by_role("row").filter(has_text=reference)
    expect(row).not_to_contain_text("Reply waiting")
    row.get_by_role("link", name=reference).click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    expect(advisor.get_by_text("No messages yet.")).to_be_visible()
    advisor.get_by_role("button", name="Message the reporter").click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text("Message the reporter")
    check(advisor, "message the reporter, no messages yet")
    advisor.get_by_role("group", name="Common messages").get_by_label(
        "We have read your report", exact=True
    ).check()
    advisor.get_by_role("button", name="Use these words").click()
    template_words = BY_SLUG["read"].text("child")
    message = advisor.get_by_label("Message", exact=True)
    expect(message).to_have_value(template_words)
    check(advisor, "message the reporter, started from a template")
    message.fill(f"{template_words}\n{FIRST_MESSAGE_ADDED}")
    advisor.get_by_role("button", name="Send message").click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    conversation = advisor.locator(".haven-turn")
    expect(conversation).to_have_count(1)
    expect(conversation).to_contain_text("Message to the reporter · advisor-conversation")
    expect(conversation).to_contain_text(FIRST_MESSAGE_ADDED)
    expect(conversation).to_contain_text("not read yet")

    # 3. The child checks on the report, reads the message, replies and adds to the report.
    page.goto("/check/")
    page.get_by_label("Your reference").fill(reference)
    page.get_by_label("Your follow-up code").fill(code)
    page.get_by_role("button", name="Check my report").click()
    child.heading("Your report")
    turns = page.locator(".haven-turn")
    expect(turns).to_have_count(1)
    expect(turns.get_by_role("heading", level=3)).to_have_text("From an advisor")
    expect(turns).to_contain_text(template_words)
    expect(turns).to_contain_text(FIRST_MESSAGE_ADDED)
    expect(turns).not_to_contain_text("advisor-conversation")  # the child is not told who
    # Nobody writes to the child without reading the report first.
    expect(page.locator(".govuk-summary-list")).to_contain_text(
        re.compile(r"Read by an advisor\s*Yes")
    )
    expect(
        page.get_by_text("You did not give contact details, so we can only reach you")
    ).to_be_visible()
    check(page, "your report, a message from an advisor")

    reply_box = child.field("Write a message to the advisor")
    child.press("Send message")
    child.expect_error("Write your message", reply_box)
    check(page, "your report, reply left empty")
    reply_box.fill(REPLY)
    child.press("Send message")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your message has been sent"
    )
    expect(turns).to_have_count(2)
    expect(turns.nth(1)).to_contain_text("You wrote")
    expect(turns.nth(1)).to_contain_text(REPLY)
    check(page, "your report, with messages")
    screenshot(page, "your-report")

    page.get_by_role("link", name="Add something to your report").click()
    child.heading("Add to your report")
    check(page, "add to your report")
    screenshot(page, "add")
    child.press("Add to my report")
    child.expect_error(
        "Write what you want to add, or where it happened online",
        child.field("What do you want to add?"),
    )
    check(page, "add to your report, nothing written")
    screenshot(page, "add-error")
    child.type("Another app, website or game where it happened (optional)", PLACE)
    child.type(re.compile(r"The usernames or profile links"), USERNAME)
    child.press("Add to my report")
    child.heading("Your report")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "What you added is now part of your report"
    )
    expect(turns).to_have_count(3)
    expect(turns.nth(2)).to_contain_text("You added to your report")
    expect(turns.nth(2)).to_contain_text(f"Where online: {PLACE}: {USERNAME}")

    page.get_by_role("link", name="Change how we can contact you").click()
    child.heading("How can we contact you?")
    expect(page).to_have_title(re.compile(r"^Change how we can contact you"))
    expect(
        page.get_by_text("You did not give contact details, so we can only reach you")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    check(page, "change how we can contact you")
    screenshot(page, "contact")

    # 4. The advisor sees the reply waiting, reads it and answers; the tag goes.
    advisor.goto("/staff/queue/")
    row = advisor.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Reply waiting")
    row.get_by_role("link", name=reference).click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    expect(advisor.locator(".govuk-inset-text").filter(has_text="Reply waiting")).to_contain_text(
        "The reporter wrote"
    )
    expect(conversation).to_have_count(3)
    expect(conversation.nth(0)).to_contain_text("read by the reporter")
    expect(conversation.nth(1)).to_contain_text("Reply from the reporter")
    expect(conversation.nth(1)).to_contain_text(REPLY)
    expect(conversation.nth(2)).to_contain_text("Information added by the reporter")
    expect(conversation.nth(2)).to_contain_text(f"Where online: {PLACE} {USERNAME}")
    check(advisor, "case page with a conversation")

    advisor.get_by_role("button", name="Message the reporter").click()
    expect(advisor.get_by_role("heading", name="The latest messages")).to_be_visible()
    latest = advisor.locator(".haven-turn")
    expect(latest).to_have_count(3)
    expect(latest.nth(1)).to_contain_text(REPLY)
    # What the child added is there to answer, as on the case page.
    expect(latest.nth(2)).to_contain_text(f"Where online: {PLACE} {USERNAME}")
    check(advisor, "message the reporter, with the latest messages")
    if javascript:
        advisor.set_viewport_size(PHONE)
        screenshot(advisor, "staff-message")
        advisor.set_viewport_size(DESKTOP)
    advisor.get_by_label("Message", exact=True).fill(ANSWER)
    advisor.get_by_role("button", name="Send message").click()
    expect(advisor.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    expect(conversation).to_have_count(4)
    expect(conversation.nth(3)).to_contain_text(ANSWER)
    expect(advisor.get_by_text("Reply waiting")).to_have_count(0)
    advisor.goto("/staff/queue/")
    expect(advisor.get_by_role("row").filter(has_text=reference)).not_to_contain_text(
        "Reply waiting"
    )

    # The child reads the answer.
    page.goto("/check/your-report/")
    expect(turns).to_have_count(4)
    expect(turns.nth(3).get_by_role("heading", level=3)).to_have_text("From an advisor")
    expect(turns.nth(3)).to_contain_text(ANSWER)

"""The "Exit this page" button leaves the site at once, with JavaScript and without it.

It goes through Haven (/exit/), which deletes the draft and every cookie, so going back or
reopening a page afterwards shows nothing of the answers. Those tests run in a Chromium with
its back/forward cache switched on (Playwright switches it off by default), since a page kept
there would come back without asking the server.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from haven.reporting.models import Draft
from tests.browser import JS_ONLY
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, STUB_PAGE, new_context

pytestmark = pytest.mark.browser

SECRET = "Nobody else should read this 7f3a"
UNSAVED = "Typed but not yet saved 9c1e"


class Elsewhere(BaseHTTPRequestHandler):
    """The neutral site the exit button leads to, on a port of its own.

    A real server, not a Playwright route: the browser reaches it by following /exit/'s
    redirect, and Playwright does not route the targets of redirects.
    """

    def do_GET(self) -> None:
        body = STUB_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/weather"
    server.shutdown()


@pytest.fixture(autouse=True)
def exit_url(settings: Any, elsewhere: str) -> str:
    settings.HAVEN_EXIT_URL = elsewhere
    return elsewhere


@pytest.mark.parametrize("path", ["/", "/who-are-you/", "/not-ready-to-report/"])
def test_the_exit_button_leaves_for_the_neutral_page(page: Page, path: str, exit_url: str) -> None:
    page.goto(path)
    button = page.get_by_role("button", name="Exit this page")
    # A link underneath (GOV.UK gives it the button role), so it works without JavaScript too;
    # with JavaScript GOV.UK's script follows the same href.
    expect(page.locator('a[href="/exit/"]')).to_have_count(1)
    expect(button).to_have_attribute("href", "/exit/")
    button.click()
    page.wait_for_url(exit_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere")


def test_the_exit_button_works_in_the_middle_of_a_report(page: Page, exit_url: str) -> None:
    page.goto("/who-are-you/")
    page.get_by_label("A child or young person").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start your report").click()
    page.get_by_label("Me", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you in danger right now?")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(exit_url)


@JS_ONLY
def test_pressing_shift_three_times_leaves_the_page(page: Page, exit_url: str) -> None:
    page.goto("/")
    # Wait for GOV.UK Frontend to start the component: it adds the live region it counts in.
    expect(page.locator(".govuk-exit-this-page").get_by_role("status")).to_be_attached()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(exit_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere")


@JS_ONLY
def test_pressing_shift_once_stays_on_the_page(page: Page) -> None:
    page.goto("/")
    expect(page.locator(".govuk-exit-this-page").get_by_role("status")).to_be_attached()
    page.keyboard.press("Shift")
    # GOV.UK Frontend counts the presses aloud, for people who pressed it by accident.
    expect(page.get_by_text("Shift, press 2 more times to exit.")).to_be_attached()
    page.wait_for_timeout(300)
    assert page.url.endswith("/")


# -- after leaving, nothing comes back -------------------------------------------------------


@pytest.fixture(scope="module")
def caching_browser(browser: Browser) -> Iterator[Browser]:
    """A second Chromium that keeps pages in its back/forward cache, as people's browsers do."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    caching = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield caching
    caching.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def caching_context(
    request: pytest.FixtureRequest, caching_browser: Browser, live_server: Any
) -> Iterator[BrowserContext]:
    context = new_context(caching_browser, live_server, javascript=request.param)
    # Marks a page the browser brought back from its cache instead of asking the server.
    context.add_init_script(
        "addEventListener('pageshow', e => { if (e.persisted) document.body.dataset.restored = 1 })"
    )
    yield context
    context.close()


def start_a_report_with_a_secret(page: Page) -> None:
    """Answer up to "what happened" (saved), then type in the next box without saving."""
    page.goto("/who-are-you/")
    page.get_by_label("A parent or carer").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start your report").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # "what is worrying you": none ticked
    page.get_by_label("What happened?").fill(SECRET)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("When did it happen?")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("What happened?")).to_have_value(SECRET)
    page.get_by_label("What happened?").fill(UNSAVED)
    assert Draft.objects.count() == 1


def assert_nothing_to_read(page: Page, javascript: bool) -> None:
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    html = page.content()
    assert SECRET not in html and UNSAVED not in html
    if javascript:
        assert page.evaluate("document.body.dataset.restored") is None, "restored from cache"
        typed = page.evaluate("[...document.querySelectorAll('textarea, input')].map(e => e.value)")
        assert not [value for value in typed if SECRET in value or UNSAVED in value]


@pytest.mark.parametrize("how", ["button", "shift three times"])
def test_after_exit_going_back_or_reopening_check_answers_shows_nothing_of_the_report(
    caching_context: BrowserContext, request: pytest.FixtureRequest, how: str, exit_url: str
) -> None:
    javascript = bool(request.node.callspec.params["caching_context"])
    if how == "shift three times" and not javascript:
        pytest.skip("the Shift shortcut is JavaScript's")
    page = caching_context.new_page()
    start_a_report_with_a_secret(page)
    if how == "button":
        page.get_by_role("button", name="Exit this page").click()
    else:
        # Wait for GOV.UK Frontend to start the component (it adds the live region it counts
        # in): on a busy machine the presses could otherwise come before it listens.
        expect(page.locator(".govuk-exit-this-page").get_by_role("status")).to_be_attached()
        page.locator("body").click(position={"x": 5, "y": 5})
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_url(exit_url)
    assert Draft.objects.count() == 0
    assert caching_context.cookies() == []

    page.go_back(wait_until="commit")
    page.wait_for_load_state()
    # The question's address asks the server again; with no draft it sends the person to
    # the start of a new report.
    expect(page).to_have_url(re.compile(r"/who-are-you/$"))
    assert_nothing_to_read(page, javascript)

    page.goto("/report/check-answers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who are you?")
    assert_nothing_to_read(page, javascript)
    assert Draft.objects.count() == 0

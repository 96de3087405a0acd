"""Chromium through Playwright against the live server: one browser per process, a context per test.

The browser is /usr/bin/chromium (Playwright cannot download its own here). Where it is
missing the browser tests are skipped, unless HAVEN_REQUIRE_BROWSER=1 says a run without them
must not pass (CI sets it, so a broken image cannot turn the suite silently green).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)

from tests.browser import DESKTOP
from tests.browser.axe import assert_accessible

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# There is no network: any page off the live server (the exit page's destination, the helpline)
# is answered by this stub, so a test can still see that the browser went there.
STUB_PAGE = "<!doctype html><html lang='en'><title>Elsewhere</title><h1>Elsewhere</h1></html>"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for each process of the run (each pytest-xdist worker has its own, as it has
    its own live server and database): every browser test is in this package.

    Not session scope, though: while Playwright's sync API runs it keeps an event loop in the
    test thread, Django then refuses ORM calls from that thread, and the tests after these
    would all fail. So Django is told to allow them (DJANGO_ALLOW_ASYNC_UNSAFE) only while the
    browser is open, and the browser closes when this package is done. The variable must not
    outlive it: the deployment checks, run later in subprocesses, rightly refuse it.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed"
        if os.environ.get("HAVEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message}, and HAVEN_REQUIRE_BROWSER=1 requires the browser tests")
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _stub_elsewhere(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html", body=STUB_PAGE)


def new_context(
    browser: Browser, live_server: Any, *, javascript: bool = True, **options: Any
) -> BrowserContext:
    options.setdefault("viewport", DESKTOP)
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=javascript, locale="en-GB", **options
    )
    context.set_default_timeout(10_000)
    context.route("https://**/*", _stub_elsewhere)
    return context


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def context(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[BrowserContext]:
    """A fresh context (no cookies, so no draft) with JavaScript on or off.

    A test that only makes sense with JavaScript narrows it with
    ``tests.browser.JS_ONLY``.
    """
    context = new_context(browser, live_server, javascript=request.param)
    yield context
    context.close()


@pytest.fixture
def javascript(context: BrowserContext, request: pytest.FixtureRequest) -> bool:
    """Whether this test's context runs JavaScript."""
    return bool(request.node.callspec.params["context"])


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any script error or Content Security Policy violation."""
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if (
            message.text.startswith("Failed to load resource")
            and message.location.get("url") == page.url
        ):
            return  # the page's own status (a 404 or 429 page); tests assert it themselves
        problems.append(f"console error: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield page
    assert not problems, "\n".join(problems)


@pytest.fixture(autouse=True)
def audit_chain_head(request: pytest.FixtureRequest) -> None:
    """Put back the audit chain's first row, which a migration creates and each flush removes.

    Tests against the live server need a real transaction, so the database is emptied after each
    one, and with it the row that ``record_event`` locks.
    """
    if "live_server" not in request.fixturenames:
        return
    from haven.audit.models import AuditChainHead

    request.getfixturevalue("transactional_db")
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>", re.S | re.I)


def _without_scripts(route: Route) -> None:
    response = route.fetch(max_redirects=0)
    if "text/html" not in response.headers.get("content-type", ""):
        route.fulfill(response=response)
        return
    route.fulfill(response=response, body=SCRIPT.sub(b"", response.body()))


@pytest.fixture
def scripts_removed(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A page as a browser without JavaScript renders it, in which axe can still run.

    Playwright cannot evaluate anything in a context with JavaScript switched off, so here
    JavaScript stays on but every script is cut out of each page the server sends: the page
    is exactly the HTML and CSS a person without JavaScript gets.
    """
    context = new_context(browser, live_server)
    context.route(re.compile(r"^http://[^/]+/(?!static/)"), _without_scripts)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def check(javascript: bool, request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """axe on a page as it is now.

    Playwright cannot evaluate anything where JavaScript is off, so then the page's HTML, as the
    server sent it (nothing ran in it), is served again, without its scripts, to the
    ``scripts_removed`` page, and axe runs there: error pages after a POST included.
    """
    if javascript:
        return assert_accessible

    def without_javascript(page: Page, where: str) -> None:
        bare: Page = request.getfixturevalue("scripts_removed")
        url = page.url.split("#")[0]
        html = SCRIPT.sub(b"", page.content().encode())

        def serve(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        bare.route(lambda address: address == url, serve, times=1)
        bare.goto(page.url)
        expect(bare.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
        expect(bare.locator("h1")).to_have_text(page.locator("h1").inner_text())
        assert_accessible(bare, f"{where}, no JavaScript")

    return without_javascript


@contextmanager
def signed_in(
    browser: Browser,
    live_server: Any,
    user: Any,
    *,
    javascript: bool = True,
    viewport: Any = None,
    expected_statuses: tuple[int, ...] = (),
) -> Iterator[Page]:
    """A staff or partner user's browser, signed in with their password and authenticator app
    (one is set up if they have none); it fails the test on any script error, and on any page
    answered with an error status but ``expected_statuses`` (which the test then checks)."""
    allowed = tuple(f"the server responded with a status of {n} " for n in expected_statuses)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD, add_totp, totp_code

    app = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_totp(user)
    context = new_context(browser, live_server, javascript=javascript, viewport=viewport or DESKTOP)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not (allowed and any(a in message.text for a in allowed)):
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.goto("/staff/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(app))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    try:
        yield page
    finally:
        context.close()
    assert not problems, "\n".join(problems)

"""Headers on every page: strict nonce CSP, no referrer, no framing, nothing cached."""

import re

import pytest
from django.urls import reverse

from tests.journey import step_url


def pages(journey):
    journey.fill("parent")
    return [
        reverse("reporting:start"),
        reverse("reporting:who"),
        reverse("reporting:what_happens"),
        reverse("reporting:not_ready"),
        step_url("danger"),
        step_url("where"),
        reverse("reporting:check_answers"),
        "/no-such-page/",
        reverse("staff:login"),
    ]


def test_every_page_sends_the_security_headers(journey):
    for url in pages(journey):
        response = journey.client.get(url)
        assert response["Referrer-Policy"] == "no-referrer", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Cache-Control"] == "no-store, max-age=0", url
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert "frame-ancestors 'none'" in csp, url
        assert "default-src 'none'" in csp, url


def test_every_script_carries_the_nonce_of_the_policy(client, db):
    response = client.get(reverse("reporting:start"))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert len(scripts) == 2
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag


@pytest.mark.parametrize("method", ["get", "put"])
def test_the_page_for_a_wrong_method_sends_the_security_headers_and_its_nonce(client, db, method):
    # A GET of a form-only address (sign out) and a PUT of a public page.
    url = reverse("staff:logout") if method == "get" else reverse("reporting:who")
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, max-age=0"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert len(scripts) == 2
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag


def test_the_nonce_differs_between_responses(client, db):
    first = client.get(reverse("reporting:start"))["Content-Security-Policy"]
    second = client.get(reverse("reporting:start"))["Content-Security-Policy"]
    assert first != second


@pytest.mark.parametrize("path", ["/static/govuk/govuk-frontend.min.css", "/static/haven/init.mjs"])
def test_static_assets_are_served_and_the_css_has_no_absolute_asset_urls(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"url(/assets/" not in body


def public_responses(client):
    """Every response of a whole report, from the start page to finishing, as a person goes."""
    from django.urls import reverse

    from haven.reporting import journey as steps
    from tests.journey import ANSWERS

    yield client.get(reverse("reporting:start"))
    yield client.get(reverse("reporting:not_ready"))
    yield client.get(reverse("reporting:staying_safe"))
    yield client.get(reverse("reporting:who"))
    yield client.post(reverse("reporting:who"), {"audience": "parent"})
    yield client.get(reverse("reporting:what_happens"))
    for step in steps.STEPS:
        if step.applies("parent", {}):
            yield client.get(step_url(step.slug))
            yield client.post(step_url(step.slug), ANSWERS[step.slug])
    yield client.get(reverse("reporting:check_answers"))
    yield client.post(reverse("reporting:send"))
    yield client.get(reverse("reporting:sent"))
    yield client.post(reverse("reporting:finish"))
    yield client.get("/no-such-page/")


def test_public_pages_set_only_cookies_that_end_when_the_browser_closes(client, db):
    seen = set()
    for response in public_responses(client):
        assert response.status_code < 500, response
        for name, morsel in response.cookies.items():
            seen.add(name)
            if morsel.value == "" and morsel["max-age"] == 0:
                continue  # a cookie being deleted
            assert not morsel["expires"], (name, morsel.output())
            assert morsel["max-age"] == "", (name, morsel.output())
    assert {"haven_draft", "csrftoken"} <= seen


def test_finishing_removes_every_haven_cookie(journey):
    from django.urls import reverse

    journey.submit("parent")
    journey.client.get(reverse("reporting:sent"))  # the page has forms: the CSRF cookie is set
    response = journey.client.post(reverse("reporting:finish"))
    for name in ("haven_draft", "csrftoken", "sessionid"):
        morsel = response.cookies[name]
        assert (morsel.value, morsel["max-age"]) == ("", 0), name
    assert not journey.client.cookies["csrftoken"].value

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

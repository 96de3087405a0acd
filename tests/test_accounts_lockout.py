"""Wrong passwords: after HAVEN_SIGN_IN_FAILURE_LIMIT of them, a username is locked out from that
address for HAVEN_SIGN_IN_LOCKOUT_SECONDS, and the audit trail says so."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory

SIGN_IN = reverse("staff:login")


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


def attempt(client: Client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        assert attempt(client, username, "wrong-password", address).status_code in (200, 429)


def test_the_limit_is_five_wrong_passwords_for_thirty_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_wrong_passwords_still_let_the_right_one_in(advisor, client):
    fail(client, advisor.username, 4)

    response = attempt(client, advisor.username, PASSWORD)

    assert response.status_code == 302


def test_the_fifth_wrong_password_locks_the_username_out(advisor, client):
    fail(client, advisor.username, 4)

    response = attempt(client, advisor.username, "wrong-password")

    assert response.status_code == 429
    assert "You cannot sign in for 30 minutes" in text_of(response)


def test_while_locked_out_even_the_right_password_is_refused(advisor, client):
    fail(client, advisor.username, 4)
    attempt(client, advisor.username, "wrong-password")

    response = attempt(client, advisor.username, PASSWORD)

    assert response.status_code == 429
    assert client.get(reverse("staff:reports")).status_code == 302
    assert not AuditEvent.objects.filter(action="staff.signed_in").exists()


def test_the_lockout_page_does_not_repeat_the_username(advisor, client):
    fail(client, "pat.someone@example.org", 4)

    response = attempt(client, "pat.someone@example.org", "wrong-password")

    assert response.status_code == 429
    assert "pat.someone" not in response.content.decode()


def test_a_lockout_is_audited_with_the_account_but_no_username(advisor, client):
    fail(client, advisor.username, 5)

    event = AuditEvent.objects.get(action="staff.locked_out")
    assert (event.actor_id, event.actor_label, event.detail) == (
        None,
        "",
        {"account": advisor.pk},
    )
    failures = AuditEvent.objects.filter(action="staff.sign_in_failed")
    assert failures.count() == 5
    assert {(e.actor_id, e.actor_label, str(e.detail)) for e in failures} == {(None, "", "{}")}


def test_a_lockout_for_a_name_that_is_no_account_names_none(db, client):
    fail(client, "pat.someone@example.org", 5)

    event = AuditEvent.objects.get(action="staff.locked_out")
    assert event.detail == {"account": None}
    assert "pat.someone" not in str(event.detail)


def test_the_same_username_from_another_address_is_not_locked_out(advisor, client):
    fail(client, advisor.username, 5, address="203.0.113.7")

    response = attempt(Client(), advisor.username, PASSWORD, address="198.51.100.9")

    assert response.status_code == 302


def test_another_username_from_the_same_address_is_not_locked_out(advisor, client):
    colleague = StaffUserFactory()
    fail(client, advisor.username, 5)

    response = attempt(client, colleague.username, PASSWORD)

    assert response.status_code == 302


def test_the_lockout_ends_after_thirty_minutes(advisor, client):
    fail(client, advisor.username, 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )

    response = attempt(client, advisor.username, PASSWORD)

    assert response.status_code == 302


def test_tries_during_the_lockout_do_not_extend_it(advisor, client):
    fail(client, advisor.username, 5)
    locked_at = AccessAttempt.objects.get().attempt_time
    attempt(client, advisor.username, "wrong-password")

    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_a_successful_sign_in_clears_the_count(advisor, client):
    fail(client, advisor.username, 4)
    attempt(client, advisor.username, PASSWORD)
    client.post(reverse("staff:logout"))

    fail(client, advisor.username, 4)

    assert attempt(client, advisor.username, PASSWORD).status_code == 302


def test_the_limit_and_lockout_come_from_haven_settings(tmp_path):
    script = (
        "from haven import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    env.update(
        HAVEN_ENV="test",
        HAVEN_VAR_DIR=str(tmp_path / "var"),
        HAVEN_SIGN_IN_FAILURE_LIMIT="3",
        HAVEN_SIGN_IN_LOCKOUT_SECONDS="90",
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["3", "90.0"], result.stderr


def test_a_different_limit_applies_when_configured(advisor, client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, advisor.username, 1)

    assert attempt(client, advisor.username, "wrong-password").status_code == 429


def test_the_address_behind_a_trusted_proxy_is_the_one_locked_out(advisor, settings):
    settings.HAVEN_TRUSTED_PROXY_COUNT = 1
    client = Client()
    for _ in range(5):
        client.post(
            SIGN_IN,
            {"username": advisor.username, "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    other = Client().post(
        SIGN_IN,
        {"username": advisor.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )

    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"

"""Whatever is typed into the sign-in form, the answer is the ordinary "wrong username or
password" page, and the attempt counts as a failure: never a server error.

django-axes keeps the username in a varchar(255), so on PostgreSQL a longer one used to fail the
insert; a NUL byte cannot be stored in a PostgreSQL text column at all."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory

SIGN_IN = reverse("staff:login")
WRONG = "Please enter a correct username and password"

HOSTILE_USERNAMES = {
    "256 characters": "a" * 256,
    "300 characters": "b" * 300,
    "a NUL byte": "advisor\x00",
    "300 characters with a NUL byte": "c" * 150 + "\x00" + "c" * 149,
}


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


def sign_in(username: str, password: str) -> tuple[Client, object]:
    client = Client()
    response = client.post(SIGN_IN, {"username": username, "password": password})
    return client, response


@pytest.mark.parametrize("username", HOSTILE_USERNAMES.values(), ids=HOSTILE_USERNAMES.keys())
def test_it_answers_a_hostile_username_with_the_usual_error(advisor, username):
    _client, response = sign_in(username, "wrong-password")

    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize("username", HOSTILE_USERNAMES.values(), ids=HOSTILE_USERNAMES.keys())
def test_it_counts_a_hostile_username_as_a_failed_sign_in(advisor, username):
    sign_in(username, "wrong-password")

    assert AuditEvent.objects.filter(action="staff.sign_in_failed").count() == 1
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_it_answers_a_password_with_a_nul_byte_with_the_usual_error(advisor):
    client, response = sign_in(advisor.username, PASSWORD + "\x00")

    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert AuditEvent.objects.filter(action="staff.sign_in_failed").count() == 1
    assert client.get(reverse("staff:reports")).status_code == 302


def test_it_answers_a_very_long_password_with_the_usual_error(advisor):
    _client, response = sign_in(advisor.username, "x" * 10_000)

    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert AuditEvent.objects.filter(action="staff.sign_in_failed").count() == 1


def test_a_hostile_username_still_locks_out_after_the_limit(advisor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    username = "d" * 300
    client = Client()
    client.post(SIGN_IN, {"username": username, "password": "wrong-password"})

    response = client.post(SIGN_IN, {"username": username, "password": "wrong-password"})

    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="staff.locked_out").count() == 1


def test_the_right_password_still_works_after_hostile_attempts(advisor):
    for username in HOSTILE_USERNAMES.values():
        sign_in(username, "wrong-password")

    _client, response = sign_in(advisor.username, PASSWORD)

    assert response.status_code == 302


def test_a_hostile_username_is_not_shown_again(advisor):
    _client, response = sign_in("e" * 300, "wrong-password")

    assert "e" * 151 not in response.content.decode()


def test_an_ordinary_wrong_username_is_kept_in_the_field(advisor):
    _client, response = sign_in("someone.else", "wrong-password")

    assert 'value="someone.else"' in response.content.decode()


def test_a_nul_byte_in_another_field_is_the_usual_error(advisor):
    response = Client().post(
        SIGN_IN, {"username": advisor.username, "password": "wrong", "next": "/staff/\x00"}
    )

    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert AuditEvent.objects.filter(action="staff.sign_in_failed").count() == 1

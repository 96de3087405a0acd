"""Passing the second factor gives the session a new key: the key it had with only the password
(which someone may have planted or seen, "session fixation") opens nothing afterwards."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from haven.accounts import services
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code, verified_client
from tests.test_accounts_passkeys import SoftwareAuthenticator, post_json, register

REPORTS = reverse("staff:reports")
ACCOUNT = reverse("staff:account:home")


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


def signed_in_with_password(user) -> Client:
    client = Client()
    response = client.post(
        reverse("staff:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def assert_only_the_new_key_works(client: Client, before: str) -> None:
    after = session_key(client)
    assert after != before
    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(before)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = before
    assert thief.get(ACCOUNT).status_code == 302
    assert client.get(ACCOUNT).status_code == 200


def test_the_code_from_the_app_gives_the_session_a_new_key(advisor):
    app = add_totp(advisor)
    client = signed_in_with_password(advisor)
    before = session_key(client)

    response = client.post(reverse("staff:account:verify"), {"code": totp_code(app)})

    assert response.status_code == 302
    assert_only_the_new_key_works(client, before)


def test_a_recovery_code_gives_the_session_a_new_key(advisor):
    add_totp(advisor)
    codes = services.issue_recovery_codes(user=advisor)
    client = signed_in_with_password(advisor)
    before = session_key(client)

    response = client.post(reverse("staff:account:recovery"), {"code": codes[0]})

    assert response.status_code == 302
    assert_only_the_new_key_works(client, before)


def test_a_passkey_gives_the_session_a_new_key(advisor):
    authenticator = SoftwareAuthenticator()
    assert register(verified_client(advisor), authenticator).status_code == 200
    client = signed_in_with_password(advisor)
    before = session_key(client)

    options = post_json(client, "passkey_verify_begin").json()
    response = post_json(client, "passkey_verify_complete", authenticator.get(options))

    assert response.status_code == 200, response.content
    assert_only_the_new_key_works(client, before)


def test_setting_up_the_first_app_gives_the_session_a_new_key(advisor):
    client = signed_in_with_password(advisor)
    client.get(reverse("staff:account:enrol"))
    before = session_key(client)
    app = services.pending_totp(advisor)

    response = client.post(reverse("staff:account:enrol"), {"code": totp_code(app)})

    assert response.status_code == 302
    assert_only_the_new_key_works(client, before)


def test_setting_up_the_first_passkey_gives_the_session_a_new_key(advisor):
    client = signed_in_with_password(advisor)
    before = session_key(client)

    response = register(client, SoftwareAuthenticator())

    assert response.status_code == 200, response.content
    assert_only_the_new_key_works(client, before)


def test_the_recovery_codes_of_a_first_passkey_survive_the_new_key(advisor):
    client = signed_in_with_password(advisor)

    register(client, SoftwareAuthenticator())

    page = client.get(reverse("staff:account:recovery_codes")).content.decode()
    assert "Save your recovery codes" in page


def test_a_wrong_code_keeps_the_same_key(advisor):
    add_totp(advisor)
    client = signed_in_with_password(advisor)
    before = session_key(client)

    client.post(reverse("staff:account:verify"), {"code": "000000"})

    assert session_key(client) == before

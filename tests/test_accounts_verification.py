"""Every later sign-in: the code from the app, or a one-time recovery code."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from haven.accounts import services
from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code, verified_client

VERIFY = reverse("staff:account:verify")
RECOVERY = reverse("staff:account:recovery")


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


@pytest.fixture
def app(advisor):
    return add_totp(advisor)


@pytest.fixture
def signed_in(advisor, app) -> Client:
    """Past the password, not yet past the second factor."""
    client = Client()
    response = client.post(
        reverse("staff:login"), {"username": advisor.username, "password": PASSWORD}
    )
    assert response.url.startswith(VERIFY)
    return client


@pytest.fixture
def recovery_codes(advisor) -> list[str]:
    return services.issue_recovery_codes(user=advisor)


def a_wrong_code(app) -> str:
    right = {totp_code(app, steps_ahead=n) for n in (-1, 0, 1)}
    return next(c for c in ("111111", "222222", "333333", "444444") if c not in right)


def test_the_code_from_the_app_lets_the_person_in(signed_in, app, advisor):
    response = signed_in.post(VERIFY, {"code": totp_code(app), "next": "/staff/"})

    assert response.url == "/staff/"
    assert signed_in.get(reverse("staff:reports")).status_code == 200
    event = AuditEvent.objects.get(action="staff.mfa_verified")
    assert (event.actor_id, event.detail) == (advisor.pk, {"method": "totp"})


def test_a_code_with_spaces_is_forgiven(signed_in, app):
    code = totp_code(app)

    response = signed_in.post(VERIFY, {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302


def test_a_wrong_code_is_refused_and_audited(signed_in, app, advisor):
    response = signed_in.post(VERIFY, {"code": a_wrong_code(app)})

    assert response.status_code == 200
    assert "That code did not work" in text_of(response)
    assert signed_in.get(reverse("staff:reports")).status_code == 302
    event = AuditEvent.objects.get(action="staff.mfa_failed")
    assert (event.actor_id, event.detail) == (advisor.pk, {"method": "totp", "known_device": False})


def test_a_code_cannot_be_used_twice(advisor, app):
    first, second = Client(), Client()
    for client in (first, second):
        client.post(reverse("staff:login"), {"username": advisor.username, "password": PASSWORD})
    code = totp_code(app)

    assert first.post(VERIFY, {"code": code}).status_code == 302
    assert second.post(VERIFY, {"code": code}).status_code == 200


def test_verification_does_not_go_to_another_site(signed_in, app):
    response = signed_in.post(VERIFY, {"code": totp_code(app), "next": "https://evil.example/"})

    assert response.url == reverse("staff:queue")


def test_a_recovery_code_lets_the_person_in_once(advisor, recovery_codes):
    code = recovery_codes[0]
    first = Client()
    first.post(reverse("staff:login"), {"username": advisor.username, "password": PASSWORD})

    response = first.post(RECOVERY, {"code": code.lower().replace("-", " ")})

    assert response.status_code == 302
    assert first.get(reverse("staff:reports")).status_code == 200
    again = Client()
    again.post(reverse("staff:login"), {"username": advisor.username, "password": PASSWORD})
    refused = again.post(RECOVERY, {"code": code})
    assert refused.status_code == 200
    assert "Each code works only once" in text_of(refused)
    assert services.recovery_codes_left(advisor) == 9


def test_using_a_recovery_code_is_audited_with_how_many_are_left(
    signed_in, advisor, recovery_codes
):
    signed_in.post(RECOVERY, {"code": recovery_codes[3]})

    event = AuditEvent.objects.get(action="staff.recovery_code_used")
    assert (event.actor_id, event.detail) == (advisor.pk, {"remaining": 9})


def test_a_wrong_recovery_code_is_refused_and_audited(signed_in, advisor, recovery_codes):
    response = signed_in.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})

    assert response.status_code == 200
    assert signed_in.get(reverse("staff:reports")).status_code == 302
    event = AuditEvent.objects.get(action="staff.mfa_failed")
    assert event.detail == {"method": "recovery_code", "known_device": False}


def test_new_recovery_codes_replace_the_old_ones(advisor, recovery_codes):
    client = verified_client(advisor)

    response = client.post(reverse("staff:account:recovery_codes"))
    page = client.get(response.url).content.decode()

    assert "Save your recovery codes" in page
    assert recovery_codes[0] not in page
    assert services.recovery_codes_left(advisor) == 10
    other = Client()
    other.post(reverse("staff:login"), {"username": advisor.username, "password": PASSWORD})
    assert other.post(RECOVERY, {"code": recovery_codes[0]}).status_code == 200


def test_the_verify_page_offers_a_recovery_code(signed_in):
    page = signed_in.get(VERIFY).content.decode()

    assert 'href="/staff/account/recovery/?next=%2Fstaff%2Fqueue%2F"' in page


def test_an_account_with_only_a_passkey_is_not_asked_for_an_app_code(db):
    from django_otp_webauthn.models import WebAuthnCredential

    user = StaffUserFactory()
    WebAuthnCredential.objects.create(
        user=user,
        name="Passkey",
        credential_id=b"x" * 16,
        public_key=b"k",
        sign_count=0,
        confirmed=True,
    )
    client = Client()
    client.force_login(user)

    page = client.get(VERIFY)

    assert page.status_code == 200
    assert "Use your passkey" in text_of(page)
    assert 'name="code"' not in page.content.decode()

"""First sign-in: a staff account sets up its authenticator app, and is shown recovery codes once."""

from __future__ import annotations

import re
from base64 import b32decode, b32encode
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code, verified_client


@pytest.fixture
def newcomer(db):
    return StaffUserFactory()


def sign_in(client: Client, user) -> str:
    response = client.post(
        reverse("staff:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return response.url


def secret_on(page: str) -> bytes:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert match, "the key is shown as text"
    secret = match.group(1).replace(" ", "")
    return b32decode(secret + "=" * (-len(secret) % 8))


def test_a_first_sign_in_goes_to_set_up(newcomer, client):
    assert sign_in(client, newcomer) == (
        f"{reverse('staff:account:enrol')}?next=%2Fstaff%2Fqueue%2F"
    )


def test_staff_pages_send_an_account_without_a_second_factor_to_set_up(newcomer, client):
    client.force_login(newcomer)

    response = client.get(reverse("staff:reports"))

    assert response.url == f"{reverse('staff:account:enrol')}?next=%2Fstaff%2F"


def test_the_set_up_page_shows_the_key_as_text_a_link_and_a_qr_code(newcomer, client):
    sign_in(client, newcomer)

    response = client.get(reverse("staff:account:enrol"))

    assert response.status_code == 200
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    assert secret_on(page) == device.bin_key
    assert "otpauth://totp/Haven%3A" in page
    assert f"secret={b32encode(device.bin_key).decode()}" in page  # the link carries the key
    assert "<svg" in page and "<title>QR code for your app</title>" in page
    assert " style=" not in page  # the strict CSP allows no style attribute


def test_reloading_the_set_up_page_keeps_the_same_key(newcomer, client):
    sign_in(client, newcomer)

    first = secret_on(client.get(reverse("staff:account:enrol")).content.decode())
    second = secret_on(client.get(reverse("staff:account:enrol")).content.decode())

    assert first == second
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_a_code_from_the_app_sets_it_up_and_shows_ten_recovery_codes_once(newcomer, client):
    sign_in(client, newcomer)
    client.get(reverse("staff:account:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)

    response = client.post(
        reverse("staff:account:enrol"), {"code": totp_code(device), "next": "/staff/"}
    )

    assert response.status_code == 302
    assert urlparse(response.url).path == reverse("staff:account:recovery_codes")
    assert parse_qs(urlparse(response.url).query) == {"next": ["/staff/"]}
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(response.url)
    codes = re.findall(
        r"<li><strong>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</strong></li>", page.content.decode()
    )
    assert len(set(codes)) == 10
    assert "You will not see these codes again" in text_of(page)
    again = client.get(response.url).content.decode()
    assert not set(codes) & set(re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", again))
    assert client.get(reverse("staff:reports")).status_code == 200


def test_setting_up_is_audited_without_the_code(newcomer, client):
    sign_in(client, newcomer)
    client.get(reverse("staff:account:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    code = totp_code(device)

    client.post(reverse("staff:account:enrol"), {"code": code})

    enrolled = AuditEvent.objects.get(action="staff.mfa_enrolled")
    assert (enrolled.actor_id, enrolled.detail) == (newcomer.pk, {"method": "totp"})
    issued = AuditEvent.objects.get(action="staff.recovery_codes_issued")
    assert (issued.actor_id, issued.detail) == (newcomer.pk, {"count": 10})
    assert not AuditEvent.objects.filter(detail__icontains=code).exists()


def test_recovery_codes_are_not_kept_readable(newcomer, client):
    sign_in(client, newcomer)
    client.get(reverse("staff:account:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    response = client.post(reverse("staff:account:enrol"), {"code": totp_code(device)})
    page = client.get(response.url).content.decode()
    codes = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page)

    stored = set(StaticToken.objects.values_list("token", flat=True))

    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes}
    assert not stored & set(codes)


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef", ""])
def test_a_wrong_or_malformed_code_does_not_set_up_the_app(newcomer, client, code):
    sign_in(client, newcomer)
    client.get(reverse("staff:account:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    if code == "000000" and totp_code(device) == code:
        code = "000001"

    response = client.post(reverse("staff:account:enrol"), {"code": code})

    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("staff:reports")).status_code == 302


def test_a_wrong_code_is_audited(newcomer, client):
    sign_in(client, newcomer)
    client.get(reverse("staff:account:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    wrong = "111111" if totp_code(device) != "111111" else "222222"

    client.post(reverse("staff:account:enrol"), {"code": wrong})

    event = AuditEvent.objects.get(action="staff.mfa_failed")
    assert (event.actor_id, event.detail) == (
        newcomer.pk,
        {"method": "totp", "known_device": False},
    )


def test_wrong_codes_make_the_next_try_wait(newcomer, client):
    sign_in(client, newcomer)
    client.get(reverse("staff:account:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    wrong = "111111" if totp_code(device) != "111111" else "222222"
    client.post(reverse("staff:account:enrol"), {"code": wrong})

    response = client.post(reverse("staff:account:enrol"), {"code": totp_code(device)})

    assert "Too many wrong codes" in text_of(response)
    device.refresh_from_db()
    assert not device.confirmed


def test_a_password_alone_cannot_set_up_another_app(db, client):
    """An attacker with the password must not add their own app to an account that has one."""
    user = StaffUserFactory()
    add_totp(user)
    sign_in(client, user)

    response = client.get(reverse("staff:account:enrol"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("staff:account:verify"))
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
    assert client.post(reverse("staff:account:enrol"), {"code": "123456"}).status_code == 302


def test_a_verified_session_can_add_a_second_app(db):
    user = StaffUserFactory()
    client = verified_client(user)
    client.get(reverse("staff:account:enrol"))
    pending = TOTPDevice.objects.get(user=user, confirmed=False)

    response = client.post(reverse("staff:account:enrol"), {"code": totp_code(pending)})

    assert response.url == reverse("staff:account:home") + "?added=app"
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 2
    assert not AuditEvent.objects.filter(action="staff.recovery_codes_issued").exists()


def test_an_account_left_with_only_recovery_codes_uses_one_before_setting_up_again(db):
    from haven.accounts import services

    user = StaffUserFactory()
    codes = services.issue_recovery_codes(user=user)
    client = Client()
    client.force_login(user)

    assert client.get(reverse("staff:account:enrol")).url.startswith(
        reverse("staff:account:verify")
    )
    assert client.get(reverse("staff:account:verify")).url.startswith(
        reverse("staff:account:recovery")
    )
    client.post(reverse("staff:account:recovery"), {"code": codes[0]})
    response = client.get(reverse("staff:account:enrol"))
    assert response.status_code == 200
    assert "Set up a second way to prove it is you" in text_of(response)

"""Who may use the staff side: signing in, being refused, and what each attempt leaves in the audit."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from haven.audit.models import AuditEvent
from tests.factories import StaffUserFactory, add_totp, totp_code

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def member_client(db: None) -> tuple[Client, Any]:
    """Signed in, but not a staff account."""
    member = StaffUserFactory(not_staff=True)
    member.save()
    client = Client()
    client.force_login(member)
    return client, member


def staff_urls() -> list[str]:
    return [reverse("staff:reports"), reverse("staff:report", args=[uuid.uuid4()])]


@pytest.mark.django_db
@pytest.mark.parametrize("which", [0, 1], ids=["list", "report"])
def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, which):
    url = staff_urls()[which]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('staff:login')}?next={url}"


@pytest.mark.parametrize("which", [0, 1], ids=["list", "report"])
def test_a_signed_in_member_who_is_not_staff_is_refused(member_client, which):
    client, _member = member_client

    response = client.get(staff_urls()[which])

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_a_refusal_is_audited_with_who_was_refused(member_client):
    client, member = member_client

    client.get(reverse("staff:reports"))

    event = AuditEvent.objects.get(action="staff.refused")
    assert event.actor_id == member.pk
    assert event.actor_label == member.username
    assert event.detail == {"view": "staff:reports"}


def test_an_inactive_staff_account_is_not_let_in(staff_user, client):
    staff_user.is_active = False
    staff_user.save()

    response = client.post(
        reverse("staff:login"), {"username": staff_user.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert client.get(reverse("staff:reports")).status_code == 302


def test_the_sign_in_page_shows_a_form(client, db):
    response = client.get(reverse("staff:login"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page


def verify_url(next_url: str) -> str:
    return f"{reverse('staff:account:verify')}?{urlencode({'next': next_url})}"


def test_staff_sign_in_with_username_and_password_then_a_code(staff_user, client):
    app = add_totp(staff_user)

    response = client.post(
        reverse("staff:login"), {"username": staff_user.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == verify_url(reverse("staff:queue"))
    assert client.get(reverse("staff:reports")).url == verify_url(reverse("staff:reports"))
    response = client.post(response.url, {"code": totp_code(app)})
    assert response.url == reverse("staff:queue")
    assert client.get(reverse("staff:reports")).status_code == 200


def test_signing_in_is_audited(staff_user, client):
    client.post(reverse("staff:login"), {"username": staff_user.username, "password": PASSWORD})

    event = AuditEvent.objects.get(action="staff.signed_in")
    assert (event.actor_id, event.actor_label, event.detail) == (
        staff_user.pk,
        staff_user.username,
        {},
    )


def test_sign_in_returns_to_the_page_asked_for(staff_user, client):
    app = add_totp(staff_user)
    wanted = reverse("staff:report", args=[uuid.uuid4()])

    response = client.post(
        f"{reverse('staff:login')}?next={wanted}",
        {"username": staff_user.username, "password": PASSWORD, "next": wanted},
    )

    assert response.url == verify_url(wanted)
    response = client.post(response.url, {"code": totp_code(app), "next": wanted})
    assert response.url == wanted


def test_sign_in_does_not_return_to_another_site(staff_user, client):
    add_totp(staff_user)

    response = client.post(
        reverse("staff:login"),
        {"username": staff_user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.url == verify_url(reverse("staff:queue"))


def test_a_wrong_password_is_refused(staff_user, client):
    response = client.post(
        reverse("staff:login"), {"username": staff_user.username, "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert client.get(reverse("staff:reports")).status_code == 302


def test_a_wrong_password_is_audited_without_the_username(staff_user, client):
    client.post(
        reverse("staff:login"), {"username": staff_user.username, "password": "not-the-password"}
    )

    event = AuditEvent.objects.get(action="staff.sign_in_failed")
    assert (event.actor_id, event.actor_label, event.detail) == (None, "", {})
    assert not AuditEvent.objects.filter(action="staff.signed_in").exists()


def test_a_failed_sign_in_with_an_email_address_leaves_no_trace_of_it(client, db):
    client.post(reverse("staff:login"), {"username": "pat.someone@example.org", "password": "x"})

    event = AuditEvent.objects.get(action="staff.sign_in_failed")
    assert "pat.someone" not in f"{event.actor_label}{event.detail}"


def test_signing_out_is_audited_and_ends_the_session(staff_user, staff_client):
    response = staff_client.post(reverse("staff:logout"))

    assert response.status_code == 302
    assert response.url == reverse("staff:login")
    assert AuditEvent.objects.get(action="staff.signed_out").actor_id == staff_user.pk
    assert staff_client.get(reverse("staff:reports")).status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/staff/reports/not-a-uuid/",
        "/staff/reports/12345/",
        "/staff/reports/00000000-0000-0000-0000-00000000000g/",
        "/staff/reports/%00/",
    ],
)
def test_a_malformed_report_id_is_not_found(staff_client, path):
    response = staff_client.get(path)

    assert response.status_code == 404


def test_a_report_that_does_not_exist_is_not_found(staff_client):
    response = staff_client.get(reverse("staff:report", args=[uuid.uuid4()]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="report.").exists()


def test_staff_pages_only_answer_get(staff_client):
    response = staff_client.post(reverse("staff:reports"))

    assert response.status_code == 405

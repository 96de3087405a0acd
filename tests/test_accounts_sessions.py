"""Staff sessions end after HAVEN_STAFF_IDLE_SECONDS without a request, HAVEN_STAFF_SESSION_SECONDS
after sign-in, or when the account signs out everywhere; passwords are hashed with Argon2id."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from haven.accounts import services
from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code, verified_client

REPORTS = reverse("staff:reports")


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


def shift(client: Client, *, signed_in_ago: int = 0, seen_ago: int = 0) -> None:
    """Pretend the session began, and was last used, so many seconds ago."""
    session = client.session
    now = int(time.time())
    session[services.SIGNED_IN_AT] = now - signed_in_ago
    session[services.SEEN_AT] = now - seen_ago
    session.save()


def test_the_defaults_are_thirty_minutes_idle_and_twelve_hours_in_all():
    assert settings.HAVEN_STAFF_IDLE_SECONDS == 30 * 60
    assert settings.HAVEN_STAFF_SESSION_SECONDS == 12 * 60 * 60


def test_a_session_in_use_carries_on(advisor):
    client = verified_client(advisor)
    shift(client, signed_in_ago=11 * 3600, seen_ago=29 * 60)

    assert client.get(REPORTS).status_code == 200
    assert client.get(REPORTS).status_code == 200


def test_a_session_idle_for_thirty_minutes_ends(advisor):
    client = verified_client(advisor)
    shift(client, signed_in_ago=31 * 60, seen_ago=30 * 60)

    response = client.get(REPORTS)

    assert response.status_code == 302
    assert response.url == f"{reverse('staff:login')}?next={REPORTS}"
    page = client.get(response.url)
    assert "You were signed out because you had not used the service for 30 minutes." in text_of(
        page
    )
    assert client.get(REPORTS).status_code == 302


def test_the_ending_is_audited_with_the_reason(advisor):
    client = verified_client(advisor)
    shift(client, signed_in_ago=31 * 60, seen_ago=30 * 60)

    client.get(REPORTS)

    event = AuditEvent.objects.get(action="staff.session_ended")
    assert (event.actor_id, event.detail) == (advisor.pk, {"reason": "idle"})
    assert not AuditEvent.objects.filter(action="staff.signed_out").exists()


def test_a_session_ends_twelve_hours_after_sign_in_even_when_busy(advisor):
    client = verified_client(advisor)
    shift(client, signed_in_ago=12 * 3600, seen_ago=0)

    response = client.get(REPORTS)

    assert response.status_code == 302
    assert "you had been signed in for 12 hours" in text_of(client.get(response.url))
    assert AuditEvent.objects.get(action="staff.session_ended").detail == {"reason": "lifetime"}


def test_each_request_keeps_an_idle_session_alive(advisor):
    client = verified_client(advisor)
    shift(client, signed_in_ago=50 * 60, seen_ago=25 * 60)
    client.get(REPORTS)

    seen = client.session[services.SEEN_AT]

    assert seen >= int(time.time()) - 2


def test_the_limits_are_configurable(advisor, settings):
    settings.HAVEN_STAFF_IDLE_SECONDS = 60
    client = verified_client(advisor)
    shift(client, signed_in_ago=120, seen_ago=61)

    assert client.get(REPORTS).status_code == 302


def test_a_session_without_its_start_time_is_not_trusted(advisor):
    client = verified_client(advisor)
    session = client.session
    del session[services.SIGNED_IN_AT]
    session.save()

    assert client.get(REPORTS).status_code == 302
    assert AuditEvent.objects.get(action="staff.session_ended").detail == {"reason": "unknown_age"}


def test_public_pages_are_not_touched(advisor):
    client = verified_client(advisor)
    shift(client, signed_in_ago=13 * 3600, seen_ago=13 * 3600)

    assert client.get(reverse("reporting:start")).status_code == 200
    assert not AuditEvent.objects.filter(action="staff.session_ended").exists()


def test_signing_out_everywhere_ends_every_session_of_the_account(advisor):
    laptop = verified_client(advisor)
    phone = verified_client(advisor)
    colleague = verified_client(StaffUserFactory())

    response = laptop.post(reverse("staff:account:sign_out_everywhere"))

    assert response.url == reverse("staff:login")
    assert "signed out on every device, this one included" in text_of(laptop.get(response.url))
    assert laptop.get(REPORTS).status_code == 302
    assert phone.get(REPORTS).status_code == 302
    assert colleague.get(REPORTS).status_code == 200


def test_signing_out_everywhere_is_audited(advisor):
    laptop = verified_client(advisor)
    phone = verified_client(advisor)

    laptop.post(reverse("staff:account:sign_out_everywhere"))
    phone.get(REPORTS)

    assert AuditEvent.objects.get(action="staff.signed_out_everywhere").actor_id == advisor.pk
    ended = AuditEvent.objects.get(action="staff.session_ended")
    assert (ended.actor_id, ended.detail) == (advisor.pk, {"reason": "signed_out_everywhere"})


def test_a_new_sign_in_after_signing_out_everywhere_works(advisor):
    app = add_totp(advisor)
    verified_client(advisor).post(reverse("staff:account:sign_out_everywhere"))
    client = Client()

    client.post(reverse("staff:login"), {"username": advisor.username, "password": PASSWORD})
    client.post(reverse("staff:account:verify"), {"code": totp_code(app)})

    assert client.get(REPORTS).status_code == 200


def test_signing_out_everywhere_only_answers_a_post(advisor):
    client = verified_client(advisor)

    assert client.get(reverse("staff:account:sign_out_everywhere")).status_code == 405
    assert client.get(REPORTS).status_code == 200


def test_passwords_are_hashed_with_argon2id(advisor, client):
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    advisor.set_password("another-long-password-7")
    advisor.save()

    assert advisor.password.startswith("argon2$argon2id$")


def test_an_older_hash_is_upgraded_to_argon2_at_sign_in(advisor, client):
    advisor.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    advisor.save()

    client.post(reverse("staff:login"), {"username": advisor.username, "password": PASSWORD})

    advisor.refresh_from_db()
    assert advisor.password.startswith("argon2$argon2id$")


def test_the_security_document_gives_the_real_password_hash_and_its_parameters():
    from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

    document = (settings.BASE_DIR / "docs" / "SECURITY.md").read_text()
    passwords = " ".join(document.split("### Passwords", 1)[1].split("###", 1)[0].split())
    hasher = Argon2PasswordHasher()

    assert "hashed by Django's PBKDF2" not in document
    assert "hashed with **Argon2id**" in passwords
    assert f"time cost {hasher.time_cost}" in passwords
    assert f"memory cost {hasher.memory_cost:,} KiB" in passwords
    assert f"parallelism {hasher.parallelism}" in passwords
    assert f"{PBKDF2PasswordHasher.iterations:,} iterations" in passwords

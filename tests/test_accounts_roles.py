"""Roles and permissions are data in one place; the account page says what a role allows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from haven.accounts import services
from haven.accounts.access import requires
from haven.accounts.models import StaffProfile
from haven.accounts.roles import DESCRIPTIONS, PERMISSIONS, Role
from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import StaffUserFactory, verified_client


def test_every_role_has_permissions_and_every_permission_is_described():
    assert set(PERMISSIONS) == set(Role)
    for granted in PERMISSIONS.values():
        assert granted <= set(DESCRIPTIONS)


def test_supervisors_can_do_all_an_advisor_can_and_more():
    advisor, supervisor = PERMISSIONS[Role.ADVISOR], PERMISSIONS[Role.SUPERVISOR]

    assert advisor < supervisor
    assert {"cases.assign", "cases.restrict", "audit.view", "team.view"} <= supervisor


def test_administrators_manage_accounts_but_do_not_read_reports():
    administrator = PERMISSIONS[Role.ADMINISTRATOR]

    assert "accounts.manage" in administrator
    assert not {"reports.view", "cases.view", "cases.work"} & administrator


def test_a_view_cannot_ask_for_a_permission_that_does_not_exist():
    with pytest.raises(ValueError, match=r"unknown permission 'reports\.veiw'"):
        requires("reports.veiw")


@pytest.mark.django_db
def test_an_account_that_is_not_staff_has_no_permissions_whatever_its_profile():
    member = StaffUserFactory(not_staff=True, role="supervisor")

    assert services.permissions_of(member) == frozenset()


@pytest.mark.django_db
def test_an_inactive_account_has_no_permissions():
    user = StaffUserFactory(role="supervisor", is_active=False)

    assert services.permissions_of(user) == frozenset()


@pytest.mark.django_db
def test_a_staff_account_without_a_role_is_refused_after_its_second_factor():
    user = StaffUserFactory()
    StaffProfile.objects.filter(user=user).delete()
    client = verified_client(user)

    response = client.get(reverse("staff:reports"))

    assert response.status_code == 403
    assert "Your role does not include this page" in text_of(response)
    assert AuditEvent.objects.get(action="staff.refused").detail == {
        "view": "staff:reports",
        "reason": "permission",
    }


@pytest.mark.django_db
def test_an_administrator_starts_on_the_team_page():
    client = verified_client(StaffUserFactory(role="administrator"))

    assert client.get(reverse("staff:account:verify")).url == reverse("staff:team")
    assert client.get(reverse("staff:reports")).status_code == 403


@pytest.mark.django_db
def test_the_account_page_shows_the_role_and_what_it_allows():
    client = verified_client(StaffUserFactory(role="supervisor"))

    text = text_of(client.get(reverse("staff:account:home")))

    assert "Role Supervisor" in text
    assert "Assign cases to other advisors" in text
    assert "Create staff accounts" not in text


@pytest.mark.django_db
def test_creating_an_account_and_changing_its_role_are_audited():
    admin = StaffUserFactory(role="administrator")

    user = services.create_staff_account(
        username="new-advisor", password="a-long-enough-password-1", role="advisor", by=admin
    )
    services.set_role(user=user, role="supervisor", by=admin)

    assert services.role_of(type(user).objects.get(pk=user.pk)) == "supervisor"
    created = AuditEvent.objects.get(action="staff.account_created")
    assert (created.actor_id, created.detail) == (admin.pk, {"account": user.pk, "role": "advisor"})
    changed = AuditEvent.objects.get(action="staff.role_changed")
    assert changed.detail == {"account": user.pk, "from": "advisor", "to": "supervisor"}


@pytest.mark.django_db
def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError):
        services.create_staff_account(username="x", password="y" * 12, role="superuser")


@pytest.mark.django_db
def test_staff_pages_link_to_the_account_page_once_the_second_factor_is_passed():
    user = StaffUserFactory()
    verified = verified_client(user)
    unverified = Client()
    unverified.force_login(StaffUserFactory())
    link = f'href="{reverse("staff:account:home")}"'

    assert link in verified.get(reverse("staff:reports")).content.decode()
    assert link not in unverified.get(reverse("staff:account:enrol")).content.decode()

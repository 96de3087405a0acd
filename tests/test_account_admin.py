"""Account administration: administrators list and create staff accounts, change roles,
deactivate and reactivate, reset sign-in methods and unlock a sign-in, all audited; the person
sets their own password with a link shown once; administrators still read no case."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.utils import get_credential_model

from haven.accounts import services
from haven.accounts.models import StaffProfile
from haven.accounts.roles import PERMISSIONS, Role
from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code, verified_client

pytestmark = pytest.mark.django_db

LIST = reverse("staff:account:staff_list")
NEW = reverse("staff:account:staff_new")
NEW_PASSWORD = "tidy-lantern-orbit-47"


def account_url(name: str, user: Any) -> str:
    return reverse(f"staff:account:{name}", args=[user.pk])


@pytest.fixture
def admin() -> Any:
    return StaffUserFactory(role="administrator", username="admin-one")


@pytest.fixture
def admin_client(admin: Any) -> Client:
    return verified_client(admin)


def events(action: str) -> list[tuple[int | None, dict[str, Any]]]:
    return [
        (event.actor_id, event.detail)
        for event in AuditEvent.objects.filter(action=action).order_by("pk")
    ]


def shown_link(response: Any) -> str:
    """The set-password link on the page a change led to, as a path with its query."""
    match = re.search(r'id="set-password-link">([^<]+)<', response.content.decode())
    assert match, "no set-password link on the page"
    return match.group(1).replace("&amp;", "&").removeprefix("http://testserver")


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("staff:login"), {"username": username, "password": password})


# --- Listing ---------------------------------------------------------------------------------


def test_the_list_shows_each_account_with_role_state_second_factor_and_last_sign_in(
    admin_client, admin
):
    advisor = StaffUserFactory(username="b-advisor", last_login=timezone.now())
    add_totp(advisor)
    StaffUserFactory(username="c-gone", role="supervisor", is_active=False)
    StaffUserFactory(not_staff=True, username="d-member")

    text = text_of(admin_client.get(LIST))

    assert "3 accounts" in text
    assert "admin-one Administrator Yes Set up" in text  # the verified client's app
    assert re.search(r"b-advisor Child Protection Advisor Yes Set up \d", text)
    assert "c-gone Supervisor Deactivated Not set up Never" in text
    assert "d-member" not in text


def test_the_list_pages_fifty_at_a_time_and_odd_page_numbers_give_a_page(admin_client):
    StaffUserFactory.create_batch(55)

    first = admin_client.get(LIST)
    assert len(first.context["rows"]) == 50
    assert first.context["next_query"] == "page=2"
    assert len(admin_client.get(LIST, {"page": "2"}).context["rows"]) == 6
    for odd in ["²", "0", "-1", "9" * 400, "2\x00", "x" * 300]:
        response = admin_client.get(LIST, {"page": odd})
        assert response.status_code == 200, odd
    assert len(admin_client.get(LIST, {"page": "7"}).context["rows"]) == 6  # the last page
    assert len(admin_client.get(LIST, {"page": "9" * 30}).context["rows"]) == 50  # no page: 1


# --- Creating an account, and the set-password link --------------------------------------------


def test_creating_an_account_shows_a_set_password_link_once_and_is_audited(admin_client, admin):
    response = admin_client.post(
        NEW, {"username": "  New.Advisor ", "role": "advisor"}, follow=True
    )

    user = get_user_model().objects.get(username="new.advisor")
    assert (user.is_staff, user.is_active, user.has_usable_password()) == (True, True, False)
    assert StaffProfile.objects.get(user=user).role == "advisor"
    assert "Account created" in text_of(response)
    assert shown_link(response).startswith(reverse("staff:account:set_password") + "?link=")
    again = admin_client.get(account_url("staff_link", user))
    assert "This link has already been shown" in text_of(again)
    assert 'id="set-password-link"' not in again.content.decode()
    assert events("staff.account_created") == [(admin.pk, {"account": user.pk, "role": "advisor"})]
    assert events("staff.password_link_issued") == [(admin.pk, {"account": user.pk})]
    # The link's secret is in no audit event.
    token = shown_link(response).split("link=")[1]
    assert all(token not in str(e.detail) for e in AuditEvent.objects.all())


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "Enter a username"),
        ("ab", "The username must be at least 3 characters"),
        ("a" * 300, "The username must be 40 characters or fewer"),
        ("bad\x00name", "Your answer has a character we cannot use"),
        ("x²y", "The username can only use lower-case letters"),
        ("jo smith", "The username can only use lower-case letters"),
        ("-dash", "must start with a letter or number"),
        ("ADMIN-ONE", "There is already an account with that username"),
    ],
)
def test_a_username_that_cannot_be_used_is_a_form_error(admin_client, username, message):
    before = get_user_model().objects.count()

    response = admin_client.post(NEW, {"username": username, "role": "advisor"})

    assert response.status_code == 200
    assert message in text_of(response)
    assert get_user_model().objects.count() == before
    assert not AuditEvent.objects.filter(action="staff.account_created").exists()


@pytest.mark.parametrize("role", ["", "superuser", "²", "a" * 300, "advisor\x00"])
def test_a_role_not_offered_is_a_form_error(admin_client, role):
    response = admin_client.post(NEW, {"username": "new-person", "role": role})

    assert response.status_code == 200
    assert "Select a role" in text_of(response)
    assert not get_user_model().objects.filter(username="new-person").exists()


def test_the_new_person_sets_a_password_signs_in_and_enrols_a_second_factor(admin_client):
    link = shown_link(
        admin_client.post(NEW, {"username": "new-person", "role": "advisor"}, follow=True)
    )
    person = Client()

    opened = person.get(link)
    # The secret leaves the address at once: the form's page has none.
    assert opened.status_code == 302
    assert opened.url == reverse("staff:account:set_password")
    form = person.get(opened.url)
    assert "Choose your password" in text_of(form)
    assert "Your username is new-person." in text_of(form)
    done = person.post(
        opened.url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, follow=True
    )
    assert "Your password has been set." in text_of(done)

    signed_in = sign_in(person, "new-person", NEW_PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in.url.startswith(reverse("staff:account:enrol"))
    user = get_user_model().objects.get(username="new-person")
    assert events("staff.password_set") == [(user.pk, {"account": user.pk})]
    # The link works once.
    assert "This link does not work" in text_of(Client().get(link, follow=True))


@pytest.mark.parametrize(
    "link", ["", "x", "\x00", "²", "a" * 300, "MQ.abc-def", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5.a-b"]
)
def test_a_link_that_is_not_one_says_so(link):
    response = Client().get(reverse("staff:account:set_password"), {"link": link})

    assert response.status_code == 200
    assert "This link does not work" in text_of(response)


def test_the_set_password_page_without_a_link_says_so():
    response = Client().get(reverse("staff:account:set_password"))

    assert "This link does not work" in text_of(response)


def test_an_expired_link_does_not_work(monkeypatch):
    user = services.create_staff_account(username="late-person", role="advisor")
    token = services.password_link_token(user=user)
    later = services._tokens._now() + timezone.timedelta(
        seconds=services.SET_PASSWORD_LINK_SECONDS + 1
    )
    monkeypatch.setattr(services._tokens, "_now", lambda: later)

    response = Client().get(reverse("staff:account:set_password"), {"link": token})

    assert "This link does not work" in text_of(response)


def test_a_link_for_a_deactivated_account_does_not_work(admin):
    user = services.create_staff_account(username="gone-person", role="advisor")
    token = services.password_link_token(user=user)
    services.deactivate_account(user=user, by=admin)

    response = Client().get(reverse("staff:account:set_password"), {"link": token})

    assert "This link does not work" in text_of(response)


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short-1", "short-1", "The password must be at least 12 characters"),
        ("123456789012345", "123456789012345", "The password cannot be only numbers"),
        ("password12345", "password12345", "That password is too easy to guess"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The passwords do not match"),
        ("a\x00" * 8, "a\x00" * 8, "Your answer has a character we cannot use"),
        ("x" * 300, "x" * 300, "The password must be 200 characters or fewer"),
        ("", "", "Enter a new password"),
    ],
)
def test_a_weak_or_mistyped_password_is_a_form_error(password, again, message):
    user = services.create_staff_account(username="careful-person", role="advisor")
    client = Client()
    client.get(
        reverse("staff:account:set_password"), {"link": services.password_link_token(user=user)}
    )

    response = client.post(
        reverse("staff:account:set_password"), {"password": password, "password_again": again}
    )

    assert response.status_code == 200
    assert message in text_of(response)
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_forgotten_password_gets_a_new_link_and_then_only_the_new_password_works(
    admin_client, admin
):
    person = StaffUserFactory(username="forgetful")

    response = admin_client.post(account_url("staff_password_link", person), follow=True)

    client = Client()
    client.get(shown_link(response))
    client.post(
        reverse("staff:account:set_password"),
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert "enter a correct username and password" in text_of(
        sign_in(Client(), "forgetful", PASSWORD)
    )
    assert sign_in(Client(), "forgetful", NEW_PASSWORD).status_code == 302
    assert events("staff.password_link_issued") == [(admin.pk, {"account": person.pk})]


def test_a_link_stops_working_once_the_account_signs_in_with_its_old_password(admin_client):
    person = StaffUserFactory(username="remembered")
    link = shown_link(admin_client.post(account_url("staff_password_link", person), follow=True))

    assert sign_in(Client(), "remembered", PASSWORD).status_code == 302

    assert "This link does not work" in text_of(Client().get(link, follow=True))


# --- Roles -----------------------------------------------------------------------------------


def test_changing_a_role_is_audited(admin_client, admin):
    person = StaffUserFactory()

    response = admin_client.post(account_url("staff_role", person), {"role": "supervisor"})

    assert response.url == account_url("staff_account", person) + "?done=role"
    assert StaffProfile.objects.get(user=person).role == "supervisor"
    assert events("staff.role_changed") == [
        (admin.pk, {"account": person.pk, "from": "advisor", "to": "supervisor"})
    ]


@pytest.mark.parametrize("role", ["", "root", "²", "\x00", "a" * 300])
def test_a_role_change_to_no_role_is_a_form_error(admin_client, role):
    person = StaffUserFactory()

    response = admin_client.post(account_url("staff_role", person), {"role": role})

    assert response.status_code == 200
    assert "Select a role" in text_of(response)
    assert StaffProfile.objects.get(user=person).role == "advisor"


def test_the_last_active_administrator_cannot_give_up_the_role(admin_client, admin):
    StaffUserFactory(role="administrator", is_active=False)

    response = admin_client.post(account_url("staff_role", admin), {"role": "advisor"})

    assert response.status_code == 200
    assert "This is the only active administrator" in text_of(response)
    assert StaffProfile.objects.get(user=admin).role == "administrator"
    assert events("staff.account_change_refused") == [
        (admin.pk, {"account": admin.pk, "change": "role", "reason": "last_administrator"})
    ]
    assert events("staff.role_changed") == []


def test_an_administrator_may_give_up_the_role_while_another_remains(admin_client, admin):
    StaffUserFactory(role="administrator")

    admin_client.post(account_url("staff_role", admin), {"role": "supervisor"})

    assert StaffProfile.objects.get(user=admin).role == "supervisor"


# --- Deactivating and reactivating -------------------------------------------------------------


def test_deactivating_ends_every_session_at_once_and_sign_in_is_refused(admin_client, admin):
    person = StaffUserFactory(username="leaver")
    laptop, phone = verified_client(person), verified_client(person)
    assert laptop.get(reverse("staff:account:home")).status_code == 200

    response = admin_client.post(account_url("staff_deactivate", person))

    assert response.url == account_url("staff_account", person) + "?done=deactivated"
    for session in (laptop, phone):
        answer = session.get(reverse("staff:account:home"))
        assert answer.status_code == 302
        assert answer.url.startswith(reverse("staff:login"))
    assert "enter a correct username and password" in text_of(sign_in(Client(), "leaver", PASSWORD))
    assert events("staff.account_deactivated") == [(admin.pk, {"account": person.pk})]
    assert not get_user_model().objects.get(pk=person.pk).is_active


def test_deactivating_an_advisor_puts_their_open_cases_back_in_the_queue(admin_client, admin):
    """A leaver's cases must not sit with nobody able to act on them: every open case they held
    is unassigned (audited on each case, with the reason); closed cases keep their history."""
    from haven.cases.lifecycle import Status
    from haven.cases.models import Case, OpenCaseCount
    from tests.factories import CaseFactory

    person = StaffUserFactory(username="leaver")
    held = [CaseFactory(assigned_to=person), CaseFactory(assigned_to=person, priority="P1")]
    closed = CaseFactory(assigned_to=person, status=Status.CLOSED)
    someone_elses = CaseFactory(assigned_to=StaffUserFactory())

    admin_client.post(account_url("staff_deactivate", person))

    assert set(Case.objects.filter(assigned_to=person).values_list("pk", flat=True)) == {closed.pk}
    assert Case.objects.get(pk=someone_elses.pk).assigned_to_id is not None
    assert sorted(detail["case"] for _actor, detail in events("case.assigned")) == sorted(
        str(case.pk) for case in held
    )
    assert {
        (actor, detail["from"], detail["to"], detail["reason"])
        for actor, detail in events("case.assigned")
    } == {(admin.pk, person.pk, None, "deactivated")}
    assert not OpenCaseCount.objects.filter(user=person, open_cases__gt=0).exists()
    page = text_of(admin_client.get(account_url("staff_account", person) + "?done=deactivated"))
    assert "Any open case it held is back in the queue, unassigned." in page


def test_a_refused_deactivation_leaves_the_cases_where_they_are(admin_client, admin):
    from haven.cases.models import Case
    from tests.factories import CaseFactory

    case = CaseFactory(assigned_to=admin)

    admin_client.post(account_url("staff_deactivate", admin))

    assert Case.objects.get(pk=case.pk).assigned_to_id == admin.pk
    assert events("case.assigned") == []


def test_a_reactivated_account_signs_in_again_but_its_old_sessions_stay_ended(admin_client):
    person = StaffUserFactory(username="returner")
    old = verified_client(person)
    admin_client.post(account_url("staff_deactivate", person))

    response = admin_client.post(account_url("staff_reactivate", person))

    assert response.url == account_url("staff_account", person) + "?done=reactivated"
    assert old.get(reverse("staff:account:home")).url.startswith(reverse("staff:login"))
    assert sign_in(Client(), "returner", PASSWORD).status_code == 302
    assert [detail for _actor, detail in events("staff.account_reactivated")] == [
        {"account": person.pk}
    ]


def test_an_administrator_cannot_deactivate_themselves(admin_client, admin):
    StaffUserFactory(role="administrator")

    response = admin_client.post(account_url("staff_deactivate", admin))

    assert response.status_code == 200
    assert "You cannot deactivate your own account" in text_of(response)
    assert get_user_model().objects.get(pk=admin.pk).is_active
    assert events("staff.account_change_refused") == [
        (admin.pk, {"account": admin.pk, "change": "deactivate", "reason": "self"})
    ]


def test_a_deactivated_account_has_no_permissions_and_the_walk_sees_it_as_signed_out(admin):
    person = StaffUserFactory(role="supervisor")
    client = verified_client(person)

    services.deactivate_account(user=person, by=admin)

    assert services.permissions_of(get_user_model().objects.get(pk=person.pk)) == frozenset()
    assert client.get(reverse("staff:queue")).status_code == 302


# --- Resetting sign-in methods, unlocking -------------------------------------------------------


def test_resetting_sign_in_methods_removes_every_second_factor_and_the_password(
    admin_client, admin
):
    person = StaffUserFactory(username="lost-phone")
    client = verified_client(person)
    add_totp(person)
    get_credential_model().objects.create(
        user=person,
        credential_id=b"\x01" * 16,
        public_key=b"\x02" * 16,
        sign_count=0,
        confirmed=True,
    )
    services.issue_recovery_codes(user=person)

    response = admin_client.post(account_url("staff_reset", person), follow=True)

    assert "Sign-in methods reset" in text_of(response)
    link = shown_link(response)
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not get_credential_model().objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    assert not StaticToken.objects.filter(device__user=person).exists()
    assert client.get(reverse("staff:account:home")).url.startswith(reverse("staff:login"))
    # Someone who knew the old password cannot be the one to enrol.
    assert "enter a correct username and password" in text_of(
        sign_in(Client(), "lost-phone", PASSWORD)
    )
    assert events("staff.mfa_reset") == [
        (
            admin.pk,
            {"account": person.pk, "apps": 2, "passkeys": 1, "recovery_codes": 10},
        )
    ]
    # The owner sets a new password with the link and enrols again.
    owner = Client()
    owner.get(link)
    owner.post(
        reverse("staff:account:set_password"),
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert sign_in(owner, "lost-phone", NEW_PASSWORD).url.startswith(reverse("staff:account:enrol"))
    device = services.pending_totp(person)
    enrolled = owner.post(reverse("staff:account:enrol"), {"code": totp_code(device)})
    assert enrolled.status_code == 302
    assert TOTPDevice.objects.filter(user=person, confirmed=True).count() == 1


def test_an_administrator_cannot_reset_their_own_sign_in_methods_here(admin_client, admin):
    response = admin_client.post(account_url("staff_reset", admin))

    assert "You cannot reset your own sign-in methods here" in text_of(response)
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert [detail["reason"] for _a, detail in events("staff.account_change_refused")] == ["self"]


def test_unlocking_lets_a_locked_out_account_try_again_now(admin_client, admin):
    person = StaffUserFactory(username="locked")
    AccessAttempt.objects.create(
        username="locked",
        ip_address="192.0.2.1",
        user_agent="",
        http_accept="",
        path_info="/staff/sign-in/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )
    assert "Locked out Yes" in text_of(admin_client.get(account_url("staff_account", person)))
    assert sign_in(Client(REMOTE_ADDR="192.0.2.1"), "locked", PASSWORD).status_code == 429

    response = admin_client.post(account_url("staff_unlock", person), follow=True)

    assert "Sign-in has been unlocked" in text_of(response)
    assert "Locked out No" in text_of(response)
    assert sign_in(Client(REMOTE_ADDR="192.0.2.1"), "locked", PASSWORD).status_code == 302
    assert events("staff.sign_in_unlocked") == [(admin.pk, {"account": person.pk, "attempts": 1})]


# --- Who may do it -----------------------------------------------------------------------------

VERBS = [
    "staff_role",
    "staff_deactivate",
    "staff_reactivate",
    "staff_reset",
    "staff_password_link",
    "staff_unlock",
]


@pytest.mark.parametrize("role", ["advisor", "supervisor"])
def test_only_administrators_reach_account_administration(role):
    client = verified_client(StaffUserFactory(role=role))
    person = StaffUserFactory()

    for url in [LIST, NEW, account_url("staff_account", person), account_url("staff_link", person)]:
        assert client.get(url).status_code == 403, url
    for name in VERBS:
        assert client.post(account_url(name, person), {"role": "administrator"}).status_code == 403
    assert StaffProfile.objects.get(user=person).role == "advisor"
    assert get_user_model().objects.get(pk=person.pk).is_active


@pytest.mark.parametrize("name", VERBS)
def test_each_change_is_post_only(admin_client, name):
    assert admin_client.get(account_url(name, StaffUserFactory())).status_code == 405


def test_an_account_id_that_is_no_staff_account_is_not_found(admin_client):
    member = StaffUserFactory(not_staff=True)

    for account_id in [member.pk, 10**6, 10**30]:
        url = reverse("staff:account:staff_account", args=[account_id])
        assert admin_client.get(url).status_code == 404, account_id
        post = reverse("staff:account:staff_deactivate", args=[account_id])
        assert admin_client.post(post).status_code == 404, account_id


def test_administrators_still_read_no_case_or_report(admin_client):
    from tests.factories import submitted_case

    case = submitted_case()
    administrator = PERMISSIONS[Role.ADMINISTRATOR]

    assert not {"cases.view", "cases.work", "reports.view"} & administrator
    for url in [
        reverse("staff:queue"),
        reverse("staff:reports"),
        reverse("staff:case", args=[case.id]),
        reverse("staff:report", args=[case.report_id]),
        reverse("staff:case", args=[uuid.uuid4()]),
    ]:
        assert admin_client.get(url).status_code == 403, url
    assert not AuditEvent.objects.filter(action__in=["case.viewed", "report.opened"]).exists()


def test_the_menu_and_the_account_page_offer_staff_accounts_to_administrators_only(admin_client):
    link = f'href="{LIST}"'
    supervisor = verified_client(StaffUserFactory(role="supervisor"))

    assert link in admin_client.get(reverse("staff:account:home")).content.decode()
    assert "Staff accounts" in text_of(admin_client.get(reverse("staff:account:home")))
    assert link not in supervisor.get(reverse("staff:account:home")).content.decode()
    assert link not in supervisor.get(reverse("staff:queue")).content.decode()


# --- The management command --------------------------------------------------------------------


def test_createstaff_makes_an_account_with_the_same_service_and_prints_a_link():
    out = io.StringIO()

    call_command(
        "createstaff",
        "First.Admin",
        "--role",
        "administrator",
        "--site",
        "https://h.example/",
        stdout=out,
    )

    user = get_user_model().objects.get(username="first.admin")
    assert services.role_of(user) == "administrator"
    match = re.search(r"https://h\.example(/staff/account/set-password/\?link=\S+)", out.getvalue())
    assert match
    assert Client().get(match.group(1)).status_code == 302
    assert events("staff.account_created") == [
        (None, {"account": user.pk, "role": "administrator"})
    ]


@pytest.mark.parametrize("username", ["x²y", "a" * 300, "no\x00"])
def test_createstaff_refuses_a_username_that_cannot_be_used(username):
    with pytest.raises(CommandError, match="That username cannot be used"):
        call_command("createstaff", username, stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_no_hostile_value_in_any_account_administration_form_gives_a_5xx(admin_client, admin):
    from tests.test_fuzz_forms import PAGE_VALUES, _forms, _hostile_grid, _send

    StaffUserFactory(role="administrator")  # so that changes to the admin's own are allowed
    person = StaffUserFactory()
    pages = [LIST, NEW, account_url("staff_account", person), account_url("staff_account", admin)]
    for value in PAGE_VALUES:
        assert admin_client.get(LIST, {"page": value}).status_code == 200, value
    forms = _forms(admin_client, pages)
    assert len(forms) >= 5, [form.action for form in forms]
    # (A plausible role for the administrator's own account may be "advisor": they may then be
    # refused the rest, which is an answer, not a 5xx.)
    for form in forms:
        for data in _hostile_grid(form):
            assert _send(admin_client, form, data) < 500, (form.action, data)

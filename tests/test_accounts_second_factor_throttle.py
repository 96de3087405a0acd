"""Wrong second-factor codes: a short wait that doubles but never exceeds
HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS, and at most HAVEN_SECOND_FACTOR_FAILURE_LIMIT wrong app
codes per account in HAVEN_SECOND_FACTOR_WINDOW_SECONDS, whoever types them and from wherever.

Someone who knows the password can use up the app codes of an account, but cannot keep its owner
waiting long: the owner's recovery codes and passkeys still work, and the wait shown is exact.

A browser that has passed the second factor for an account holds a device cookie for it; its wrong
codes count against that device's own budget, never the account's, so whoever uses up the account's
app codes from elsewhere does not shut the owner's own browser out."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from haven.accounts import services, throttle
from haven.audit.models import AuditEvent
from tests.conftest import text_of
from tests.factories import PASSWORD, StaffUserFactory, add_totp, totp_code, verified_client

VERIFY = reverse("staff:account:verify")
RECOVERY = reverse("staff:account:recovery")
REPORTS = reverse("staff:reports")
SIGN_OUT = reverse("staff:logout")
SIGN_OUT_EVERYWHERE = reverse("staff:account:sign_out_everywhere")
DEVICE_COOKIE = "haven_staff_device"
OWNER_ADDRESS = "198.51.100.9"
ATTACKER_ADDRESS = "203.0.113.7"


class Clock:
    """timezone.now, moved by hand (django-otp, django-axes and Haven all read it)."""

    def __init__(self) -> None:
        self.now: datetime = timezone.now()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


@pytest.fixture
def app(advisor):
    return add_totp(advisor)


def signed_in(user, address: str = OWNER_ADDRESS, *, client: Client | None = None) -> Client:
    """Past the password, from ``address`` (or in ``client``), not yet past the second factor."""
    client = client or Client(REMOTE_ADDR=address)
    response = client.post(
        reverse("staff:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def wrong_code(*apps) -> str:
    right = {totp_code(app, steps_ahead=n) for app in apps for n in (-1, 0, 1)}
    return next(c for c in ("111111", "222222", "333333", "444444", "555555") if c not in right)


def enter(client: Client, code: str):
    return client.post(VERIFY, {"code": code})


def test_the_defaults_are_a_minute_at_most_ten_wrong_codes_a_day_and_devices_for_90_days():
    from django.conf import settings

    assert settings.HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS == 60
    assert settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT == 10
    assert settings.HAVEN_SECOND_FACTOR_WINDOW_SECONDS == 24 * 60 * 60
    assert settings.HAVEN_SECOND_FACTOR_DEVICE_SECONDS == 90 * 24 * 60 * 60


def test_each_wrong_code_doubles_the_wait(clock, advisor, app):
    client = signed_in(advisor)
    waits = []
    for _ in range(4):
        assert "That code did not work" in text_of(enter(client, wrong_code(app)))
        refused = text_of(enter(client, totp_code(app)))
        waits.append(refused.split("Wait ")[1].split(" and try again")[0])
        clock.advance(64)

    assert waits == ["1 second", "2 seconds", "4 seconds", "8 seconds"]


def test_the_wait_is_never_longer_than_a_minute(clock, advisor, app, settings):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 100
    client = signed_in(advisor)
    for _ in range(9):
        enter(client, wrong_code(app))
        clock.advance(60)
    enter(client, wrong_code(app))

    refused = enter(client, totp_code(app))

    assert "Too many wrong codes. Wait 60 seconds and try again" in text_of(refused)
    clock.advance(60)
    assert enter(client, totp_code(app)).status_code == 302


def test_the_longest_wait_is_configurable(clock, advisor, app, settings):
    settings.HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS = 5
    client = signed_in(advisor)
    for _ in range(5):
        enter(client, wrong_code(app))
        clock.advance(5)
    enter(client, wrong_code(app))

    assert "Wait 5 seconds and try again" in text_of(enter(client, totp_code(app)))


def test_while_waiting_even_the_right_code_is_not_checked(clock, advisor, app):
    client = signed_in(advisor)
    enter(client, wrong_code(app))

    response = enter(client, totp_code(app))

    assert response.status_code == 200
    assert client.get(REPORTS).status_code == 302


def test_the_wrong_codes_of_a_day_are_limited_whoever_types_them(clock, advisor, app):
    for n in range(10):
        attacker = signed_in(advisor, address=f"203.0.113.{n + 1}")
        assert "That code did not work" in text_of(enter(attacker, wrong_code(app)))
        clock.advance(60)
    owner = signed_in(advisor)

    refused = enter(owner, totp_code(app))

    assert refused.status_code == 200
    assert owner.get(REPORTS).status_code == 302
    assert (
        "Too many wrong codes have been entered for your account. You can use a code from your "
        "app again in 23 hours and 50 minutes, or use a recovery code now." in text_of(refused)
    )


def test_the_limit_counts_the_wrong_codes_for_every_app_of_the_account(
    clock, advisor, app, settings
):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 3
    other_app = add_totp(advisor)
    client = signed_in(advisor)
    for _ in range(3):
        enter(client, wrong_code(app, other_app))
        clock.advance(60)

    assert "Too many wrong codes have been entered" in text_of(enter(client, totp_code(other_app)))


def test_the_oldest_wrong_code_stops_counting_after_a_day(clock, advisor, app):
    for _ in range(10):
        enter(signed_in(advisor, address=ATTACKER_ADDRESS), wrong_code(app))
        clock.advance(60)
    clock.advance(24 * 60 * 60 - 10 * 60)
    owner = signed_in(advisor)

    assert enter(owner, totp_code(app)).status_code == 302


def test_the_limit_of_the_day_is_configurable(clock, advisor, app, settings):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 2
    settings.HAVEN_SECOND_FACTOR_WINDOW_SECONDS = 15 * 60
    client = signed_in(advisor)
    for _ in range(2):
        enter(client, wrong_code(app))
        clock.advance(60)

    refused = enter(client, totp_code(app))

    assert "again in 13 minutes, or use a recovery code now" in text_of(refused)
    clock.advance(13 * 60)
    assert enter(client, totp_code(app)).status_code == 302


def test_a_recovery_code_works_when_the_app_codes_are_used_up(clock, advisor, app):
    codes = services.issue_recovery_codes(user=advisor)
    for _ in range(10):
        enter(signed_in(advisor, address=ATTACKER_ADDRESS), wrong_code(app))
        clock.advance(60)
    owner = signed_in(advisor)

    response = owner.post(RECOVERY, {"code": codes[0]})

    assert response.status_code == 302
    assert owner.get(REPORTS).status_code == 200


def test_someone_elses_wrong_codes_do_not_make_the_owner_wait(clock, advisor, app):
    attacker = signed_in(advisor, address=ATTACKER_ADDRESS)
    for _ in range(5):
        clock.advance(20)
        enter(attacker, wrong_code(app))
    owner = signed_in(advisor)

    assert enter(owner, totp_code(app)).status_code == 302


def test_someone_elses_wrong_recovery_codes_do_not_make_the_owner_wait(clock, advisor, app):
    codes = services.issue_recovery_codes(user=advisor)
    attacker = signed_in(advisor, address=ATTACKER_ADDRESS)
    for _ in range(20):
        attacker.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})
        clock.advance(60)
    owner = signed_in(advisor)

    assert owner.post(RECOVERY, {"code": codes[0]}).status_code == 302


def test_the_wait_for_recovery_codes_is_capped_too(clock, advisor, app):
    services.issue_recovery_codes(user=advisor)
    client = signed_in(advisor)
    for _ in range(12):
        client.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})
        clock.advance(60)
    client.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})

    refused = client.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})

    assert "Too many wrong codes. Wait 60 seconds and try again" in text_of(refused)


def test_signing_in_forgets_the_owners_own_wrong_codes(clock, advisor, app, settings):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 4
    owner = signed_in(advisor)
    for _ in range(3):
        enter(owner, wrong_code(app))
        clock.advance(60)
    assert enter(owner, totp_code(app)).status_code == 302
    clock.advance(60)
    later = signed_in(advisor)
    enter(later, wrong_code(app))
    clock.advance(60)

    assert "That code did not work" in text_of(enter(later, wrong_code(app)))


def test_signing_in_does_not_forget_someone_elses_wrong_codes(clock, advisor, app, settings):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 4
    attacker = signed_in(advisor, address=ATTACKER_ADDRESS)
    for _ in range(3):
        enter(attacker, wrong_code(app))
        clock.advance(60)
    assert enter(signed_in(advisor), totp_code(app)).status_code == 302
    clock.advance(60)
    enter(attacker, wrong_code(app))
    clock.advance(60)

    assert "Too many wrong codes have been entered" in text_of(enter(attacker, wrong_code(app)))


def test_a_success_resets_the_wait(clock, advisor, app):
    owner = signed_in(advisor)
    for _ in range(6):
        enter(owner, wrong_code(app))
        clock.advance(60)
    assert enter(owner, totp_code(app)).status_code == 302
    clock.advance(31)
    later = signed_in(advisor)
    enter(later, wrong_code(app))

    assert "Wait 1 second and try again" in text_of(enter(later, wrong_code(app)))


def test_every_failure_is_audited_without_the_code(clock, advisor, app, settings):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 2
    client = signed_in(advisor)
    enter(client, "987654" if wrong_code(app) != "987654" else "111111")
    enter(client, wrong_code(app))  # too soon: not checked
    clock.advance(2)
    enter(client, wrong_code(app))
    clock.advance(120)
    enter(client, wrong_code(app))  # over the limit: not checked

    details = [
        (event.actor_id, event.detail)
        for event in AuditEvent.objects.filter(action="staff.mfa_failed").order_by("seq")
    ]
    assert details == [
        (advisor.pk, {"method": "totp", "known_device": False}),
        (advisor.pk, {"method": "totp", "known_device": False, "refused": "too_soon"}),
        (advisor.pk, {"method": "totp", "known_device": False}),
        (advisor.pk, {"method": "totp", "known_device": False, "refused": "too_many"}),
    ]
    assert not AuditEvent.objects.filter(detail__icontains="987654").exists()


def test_the_wrong_codes_are_kept_only_for_the_window(clock, advisor, app):
    from haven.accounts.models import SecondFactorFailure

    client = signed_in(advisor)
    enter(client, wrong_code(app))
    clock.advance(24 * 60 * 60 + 1)
    client = signed_in(advisor)
    enter(client, wrong_code(app))

    assert SecondFactorFailure.objects.count() == 1


def test_the_wrong_codes_are_stored_without_an_address(clock, advisor, app):
    from haven.accounts.models import SecondFactorFailure

    enter(signed_in(advisor, address=ATTACKER_ADDRESS), wrong_code(app))

    failure = SecondFactorFailure.objects.get()
    assert ATTACKER_ADDRESS not in str(failure.__dict__)


@pytest.mark.django_db(transaction=True)
def test_wrong_codes_sent_at_once_count_one_after_another_even_without_a_profile(
    settings, monkeypatch
):
    """An account made by createsuperuser has no StaffProfile: its guesses are serialised too."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every write transaction")
    from haven.accounts.models import SecondFactorFailure, StaffProfile

    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 1
    user = get_user_model().objects.create_user(
        username="superuser", password=PASSWORD, is_staff=True, is_superuser=True
    )
    assert not StaffProfile.objects.filter(user=user).exists()
    app = add_totp(user)
    guessers = [signed_in(user, address=f"203.0.113.{n + 1}") for n in range(4)]
    # Widen the gap between counting the failures and recording one, as a busy server would.
    real_address = throttle._address

    def slow_address(request):
        time.sleep(0.2)
        return real_address(request)

    monkeypatch.setattr(throttle, "_address", slow_address)
    barrier = threading.Barrier(len(guessers))
    pages: list[str] = []

    def guess(client: Client) -> None:
        try:
            barrier.wait()
            pages.append(text_of(enter(client, wrong_code(app))))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(client,)) for client in guessers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert SecondFactorFailure.objects.filter(user=user).count() == 1
    assert sorted("That code did not work" in page for page in pages) == [False, False, False, True]
    assert sum("Too many wrong codes have been entered" in page for page in pages) == 3


# --- Device cookies: the owner's own browser keeps a budget of its own --------------------------


@pytest.fixture
def codes(advisor):
    return services.issue_recovery_codes(user=advisor)


def owners_browser(user, codes: list[str], address: str = OWNER_ADDRESS) -> Client:
    """A browser that has passed the second factor for ``user`` once, and signed out since."""
    client = signed_in(user, address)
    assert client.post(RECOVERY, {"code": codes.pop()}).status_code == 302
    client.post(SIGN_OUT)
    return client


def use_up_the_accounts_app_codes(clock: Clock, user, app, cookie: str | None = None) -> None:
    """Ten wrong app codes, each from a new browser at a new address (so none has to wait)."""
    for n in range(10):
        attacker = signed_in(user, address=f"203.0.113.{n + 1}")
        if cookie is not None:
            attacker.cookies[DEVICE_COOKIE] = cookie
        assert "That code did not work" in text_of(enter(attacker, wrong_code(app)))
        clock.advance(60)


def too_many(response) -> bool:
    return "Too many wrong codes have been entered for your account" in text_of(response)


def test_passing_the_second_factor_gives_the_browser_a_device_cookie(clock, advisor, app, settings):
    settings.SESSION_COOKIE_SECURE = True
    owner = signed_in(advisor)

    response = enter(owner, totp_code(app))

    assert response.status_code == 302
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/staff/account/"
    assert cookie["max-age"] == 90 * 24 * 60 * 60
    # A random nonce, when it was issued and the signature: neither the account nor its name.
    nonce, issued, _signature = cookie.value.split(":")
    assert str(advisor.pk) not in (nonce, issued)
    assert advisor.username not in cookie.value


def test_the_device_cookie_is_secure_only_when_cookies_are(clock, advisor, app, settings):
    settings.SESSION_COOKIE_SECURE = False

    response = enter(signed_in(advisor), totp_code(app))

    assert response.cookies[DEVICE_COOKIE]["secure"] == ""


def test_a_wrong_code_gives_no_device_cookie(clock, advisor, app):
    response = enter(signed_in(advisor), wrong_code(app))

    assert DEVICE_COOKIE not in response.cookies


def test_a_recovery_code_gives_a_device_cookie(clock, advisor, app, codes):
    response = signed_in(advisor).post(RECOVERY, {"code": codes[0]})

    assert response.status_code == 302
    assert response.cookies[DEVICE_COOKIE].value


def test_setting_up_the_first_app_gives_a_device_cookie(clock, db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    newcomer = StaffUserFactory()
    client = signed_in(newcomer)
    client.get(reverse("staff:account:enrol"))
    pending = TOTPDevice.objects.get(user=newcomer, confirmed=False)

    response = client.post(reverse("staff:account:enrol"), {"code": totp_code(pending)})

    assert response.status_code == 302
    assert response.cookies[DEVICE_COOKIE].value


def test_a_passkey_gives_a_device_cookie(db):
    from tests.test_accounts_passkeys import SoftwareAuthenticator, post_json, register

    user = StaffUserFactory()
    authenticator = SoftwareAuthenticator()
    assert register(verified_client(user), authenticator).status_code == 200
    client = Client()
    client.force_login(user)
    options = post_json(client, "passkey_verify_begin").json()

    response = post_json(client, "passkey_verify_complete", authenticator.get(options))

    assert response.status_code == 200, response.content
    assert response.cookies[DEVICE_COOKIE].value


def test_a_first_passkey_gives_a_device_cookie(db):
    from tests.test_accounts_passkeys import SoftwareAuthenticator, register

    newcomer = StaffUserFactory()
    client = Client()
    client.force_login(newcomer)

    response = register(client, SoftwareAuthenticator())

    assert response.status_code == 200, response.content
    assert response.cookies[DEVICE_COOKIE].value


def test_a_first_passkey_forgets_the_wrong_app_codes_of_its_own_sign_in(db):
    from haven.accounts.models import SecondFactorFailure
    from tests.test_accounts_passkeys import SoftwareAuthenticator, register

    newcomer = StaffUserFactory()
    enrol = reverse("staff:account:enrol")
    someone_else = signed_in(newcomer, address=ATTACKER_ADDRESS)
    someone_else.get(enrol)
    wrong = wrong_code(services.pending_totp(newcomer))
    someone_else.post(enrol, {"code": wrong})
    owner = signed_in(newcomer)
    owner.get(enrol)
    assert "That code did not work" in text_of(owner.post(enrol, {"code": wrong}))
    owners_attempt = owner.session[throttle.ATTEMPT]
    assert SecondFactorFailure.objects.filter(user=newcomer).count() == 2

    response = register(owner, SoftwareAuthenticator())

    assert response.status_code == 200, response.content
    [left] = SecondFactorFailure.objects.filter(user=newcomer)
    assert left.attempt != owners_attempt
    assert throttle.ATTEMPT not in owner.session


def test_someone_with_the_password_cannot_shut_the_owners_browser_out(clock, advisor, app, codes):
    owner = owners_browser(advisor, codes)
    use_up_the_accounts_app_codes(clock, advisor, app)
    assert too_many(enter(signed_in(advisor, address="203.0.113.99"), totp_code(app)))
    signed_in(advisor, client=owner)

    response = enter(owner, totp_code(app))

    assert response.status_code == 302
    assert owner.get(REPORTS).status_code == 200


def test_the_owners_browser_is_known_from_any_address(clock, advisor, app, codes):
    owner = owners_browser(advisor, codes)
    use_up_the_accounts_app_codes(clock, advisor, app)
    signed_in(advisor, client=owner)

    response = owner.post(VERIFY, {"code": totp_code(app)}, REMOTE_ADDR="192.0.2.44")

    assert response.status_code == 302


def test_wrong_codes_from_the_owners_browser_leave_the_accounts_app_codes_alone(
    clock, advisor, app, codes
):
    owner = signed_in(advisor, client=owners_browser(advisor, codes))
    for _ in range(10):
        assert "That code did not work" in text_of(enter(owner, wrong_code(app)))
        clock.advance(60)
    elsewhere = signed_in(advisor, address=ATTACKER_ADDRESS)

    assert enter(elsewhere, totp_code(app)).status_code == 302


def test_a_known_browser_still_waits_after_its_own_wrong_code(clock, advisor, app, codes):
    owner = signed_in(advisor, client=owners_browser(advisor, codes))
    enter(owner, wrong_code(app))

    assert "Wait 1 second and try again" in text_of(enter(owner, totp_code(app)))


def test_a_known_browser_whose_own_budget_is_spent_counts_as_unknown(
    clock, advisor, app, codes, settings
):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 2
    owner = signed_in(advisor, client=owners_browser(advisor, codes))
    elsewhere = signed_in(advisor, address=ATTACKER_ADDRESS)
    for _ in range(2):
        assert "That code did not work" in text_of(enter(owner, wrong_code(app)))
        clock.advance(60)
    # The device's own budget is spent: its next wrong code is the account's first.
    assert "That code did not work" in text_of(enter(owner, wrong_code(app)))
    clock.advance(60)
    assert "That code did not work" in text_of(enter(elsewhere, wrong_code(app)))
    clock.advance(60)

    assert too_many(enter(owner, totp_code(app)))
    assert too_many(enter(elsewhere, totp_code(app)))
    clock.advance(24 * 60 * 60)
    assert enter(owner, totp_code(app)).status_code == 302


def spoiled(how: str, advisor, codes: list[str]) -> str:
    """A device cookie the account must not trust, made in one of several ways."""
    if how == "forged":
        return "ZmFrZS1ub25jZS1mYWtlLW5vbmNl:1tAbCd:c2lnbmF0dXJlLXRoYXQtaXMtbm90LXJlYWw"
    if how == "garbage":
        return "::not a cookie::"
    if how == "another account's":
        colleague = StaffUserFactory()
        add_totp(colleague)
        theirs = services.issue_recovery_codes(user=colleague)
        return str(owners_browser(colleague, theirs).cookies[DEVICE_COOKIE].value)
    real = str(owners_browser(advisor, codes).cookies[DEVICE_COOKIE].value)
    nonce, issued, signature = real.split(":")
    if how == "tampered nonce":
        return f"{nonce[:-1]}{'A' if nonce[-1] != 'A' else 'B'}:{issued}:{signature}"
    assert how == "tampered signature"
    return f"{nonce}:{issued}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"


@pytest.mark.parametrize(
    "how", ["forged", "garbage", "another account's", "tampered nonce", "tampered signature"]
)
def test_a_device_cookie_not_made_for_this_account_counts_as_none(clock, advisor, app, codes, how):
    cookie = spoiled(how, advisor, codes)

    use_up_the_accounts_app_codes(clock, advisor, app, cookie=cookie)

    with_it = signed_in(advisor, address="203.0.113.98")
    with_it.cookies[DEVICE_COOKIE] = cookie
    assert too_many(enter(with_it, totp_code(app)))
    assert too_many(enter(signed_in(advisor, address="203.0.113.99"), totp_code(app)))


def test_signing_out_everywhere_makes_every_device_cookie_count_as_none(clock, advisor, app, codes):
    owner = owners_browser(advisor, codes)
    laptop = signed_in(advisor, address="198.51.100.10")
    assert laptop.post(RECOVERY, {"code": codes.pop()}).status_code == 302
    ended = laptop.post(SIGN_OUT_EVERYWHERE)
    use_up_the_accounts_app_codes(clock, advisor, app)
    signed_in(advisor, client=owner)

    assert too_many(enter(owner, totp_code(app)))
    # The browser that signed out everywhere is told to forget its cookie at once.
    assert (ended.cookies[DEVICE_COOKIE].value, ended.cookies[DEVICE_COOKIE]["max-age"]) == (
        "",
        0,
    )
    # Passing the second factor again makes the owner's browser known again.
    assert owner.post(RECOVERY, {"code": codes.pop()}).status_code == 302
    owner.post(SIGN_OUT)
    signed_in(advisor, client=owner)
    assert enter(owner, totp_code(app)).status_code == 302


def test_a_device_cookie_older_than_its_lifetime_counts_as_none(
    clock, advisor, app, codes, monkeypatch
):
    owner = owners_browser(advisor, codes)
    use_up_the_accounts_app_codes(clock, advisor, app)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 90 * 24 * 60 * 60 + 1)
    signed_in(advisor, client=owner)

    assert too_many(enter(owner, totp_code(app)))


def test_the_lifetime_of_a_device_cookie_is_configurable(
    clock, advisor, app, codes, monkeypatch, settings
):
    settings.HAVEN_SECOND_FACTOR_DEVICE_SECONDS = 3600
    owner = signed_in(advisor)
    assert owner.post(RECOVERY, {"code": codes.pop()}).cookies[DEVICE_COOKIE]["max-age"] == 3600
    owner.post(SIGN_OUT)
    use_up_the_accounts_app_codes(clock, advisor, app)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3601)
    signed_in(advisor, client=owner)

    assert too_many(enter(owner, totp_code(app)))


def test_every_failure_says_whether_it_came_from_a_known_browser(
    clock, advisor, app, codes, settings
):
    settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT = 1
    owner = signed_in(advisor, client=owners_browser(advisor, codes))
    elsewhere = signed_in(advisor, address=ATTACKER_ADDRESS)
    enter(owner, wrong_code(app))
    enter(owner, wrong_code(app))  # too soon
    owner.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})
    owner.post(RECOVERY, {"code": "AAAA-BBBB-CCCC"})  # too soon
    clock.advance(120)
    enter(elsewhere, wrong_code(app))
    clock.advance(120)
    enter(elsewhere, wrong_code(app))  # the account's one wrong code is spent

    details = [
        event.detail
        for event in AuditEvent.objects.filter(action="staff.mfa_failed").order_by("seq")
    ]
    assert details == [
        {"method": "totp", "known_device": True},
        {"method": "totp", "known_device": True, "refused": "too_soon"},
        {"method": "recovery_code", "known_device": True},
        {"method": "recovery_code", "known_device": True, "refused": "too_soon"},
        {"method": "totp", "known_device": False},
        {"method": "totp", "known_device": False, "refused": "too_many"},
    ]
    assert not AuditEvent.objects.filter(detail__icontains=DEVICE_COOKIE).exists()


def test_the_device_nonce_is_stored_only_as_a_keyed_digest(clock, advisor, app, codes):
    from haven.accounts.models import SecondFactorFailure

    owner = signed_in(advisor, client=owners_browser(advisor, codes))
    nonce = owner.cookies[DEVICE_COOKIE].value.split(":")[0]
    enter(owner, wrong_code(app))

    failure = SecondFactorFailure.objects.get()
    assert failure.device
    assert nonce not in str(failure.__dict__)

"""Staff accounts: roles, second factors, recovery codes and sessions.

Every change here that a reviewer of the audit trail would want to see writes its event in the
same transaction as the change. Events hold ids and method names, never codes or secrets.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import throttle
from haven.accounts.models import SecondFactorKind, StaffProfile
from haven.accounts.roles import PERMISSIONS, Role
from haven.accounts.sessions import AnyUser, profile_of, session_generation
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.core import crockford

# What a session remembers about itself (StaffSessionMiddleware reads them).
SIGNED_IN_AT = "haven_signed_in_at"
SEEN_AT = "haven_seen_at"
GENERATION = "haven_session_generation"
# Recovery codes just issued, kept only until the page that shows them once has been sent.
NEW_RECOVERY_CODES = "haven_new_recovery_codes"

RECOVERY_CODE_LENGTH = 12
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


# --- Who may do what -------------------------------------------------------------------------


def is_staff_account(user: AnyUser) -> bool:
    """An active account marked as staff. Anyone else is refused before any second factor."""
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_staff", False))


def role_of(user: AnyUser) -> str | None:
    if not is_staff_account(user):
        return None
    profile = profile_of(user)
    return profile.role if profile else None


def permissions_of(user: AnyUser) -> frozenset[str]:
    role = role_of(user)
    return PERMISSIONS.get(role, frozenset()) if role else frozenset()


def has_permission(user: AnyUser, permission: str) -> bool:
    return permission in permissions_of(user)


def is_verified(user: AnyUser) -> bool:
    """Whether this session has passed its second factor (django-otp's middleware decides)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def has_second_factor(user: AnyUser) -> bool:
    """Whether the account has any confirmed way to prove the second factor.

    Recovery codes count only beside an app or a passkey: an account with nothing else left
    must enrol again (after signing in with a recovery code it can).
    """
    if not user.is_authenticated:
        return False
    return any(
        not isinstance(device, StaticDevice) for device in devices_for_user(user, confirmed=True)
    )


def must_verify_first(user: AnyUser) -> bool:
    """Whether the account has any way left to prove the second factor, recovery codes included.

    Such an account must use it before it may set anything up: a password alone never adds a
    device. Only an account with nothing at all enrols on the strength of its password.
    """
    return has_second_factor(user) or (
        user.is_authenticated
        and StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).exists()
    )


@transaction.atomic
def create_staff_account(
    *, username: str, password: str, role: str, by: AnyUser | None = None
) -> User:
    """A new staff account with a role. It has no second factor: the first sign-in enrols one."""
    Role(role)  # an unknown role raises ValueError
    user = get_user_model().objects.create_user(username=username, password=password)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    StaffProfile.objects.create(user=user, role=role)
    record_event(
        action=Action.STAFF_ACCOUNT_CREATED, actor=by, detail={"account": user.pk, "role": role}
    )
    return user


@transaction.atomic
def set_role(*, user: AbstractBaseUser, role: str, by: AnyUser | None = None) -> StaffProfile:
    Role(role)
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(
        user_id=user.pk, defaults={"role": role}
    )
    previous = "" if _created else profile.role
    profile.role = role
    profile.save(update_fields=["role"])
    record_event(
        action=Action.STAFF_ROLE_CHANGED,
        actor=by,
        detail={"account": user.pk, "from": previous, "to": role},
    )
    return profile


# --- Sessions ----------------------------------------------------------------------------------


def stamp_new_session(request: HttpRequest, user: AnyUser) -> None:
    """Called at every sign-in: when the session began, and which generation it belongs to."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[GENERATION] = session_generation(user)


def second_factor_passed(*, request: HttpRequest, device: Any = None) -> None:
    """The session has just passed its second factor: every way of passing it ends here.

    Rules: with ``device``, the session is marked verified with it (django-otp's login);
    without, it must be marked already (the passkey library marks a session verified as it
    registers a first passkey). The wrong codes this sign-in typed before are forgotten
    (haven.accounts.throttle), and the session gets a new key. The response then gives the
    browser a device cookie (remember_device).
    """
    assert isinstance(request.user, AbstractBaseUser)
    if device is not None:
        otp_login(request, device)
    throttle.forget_own_failures(request=request, user=request.user)
    # The same contents under a new key, the old one ended: django-otp's login only marks the
    # session, so the key it had with just the password (one someone may have planted or seen)
    # would otherwise become a fully signed-in session (session fixation).
    request.session.cycle_key()


def remember_device(*, request: HttpRequest, response: HttpResponse) -> None:
    """Give a browser that has just passed the second factor a device cookie for the account.

    Called with the response of every way of passing it. Its wrong app codes then count against
    its own budget, never the account's (haven.accounts.throttle). A session not verified gets
    nothing.
    """
    if is_verified(request.user):
        assert isinstance(request.user, AbstractBaseUser)
        throttle.give_device_cookie(response=response, user=request.user)


def forget_device(*, response: HttpResponse) -> None:
    """Drop this browser's device cookie (after signing out everywhere, which voids it anyway)."""
    throttle.forget_device_cookie(response=response)


@transaction.atomic
def sign_out_everywhere(*, user: AbstractBaseUser) -> None:
    """End every session of this account, on every device, at its next request.

    Every device cookie of the account is void from now on too: its generation is in their
    signature.
    """
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(
        user_id=user.pk, defaults={"role": Role.ADVISOR}
    )
    profile.session_generation += 1
    profile.save(update_fields=["session_generation"])
    record_event(action=Action.STAFF_SIGNED_OUT_EVERYWHERE, actor=user)


def could_be_username(text: str) -> bool:
    """Whether some account could be called this: not too long for the column, no NUL byte.

    Anything else is refused before the database sees it (PostgreSQL cannot hold a NUL byte, and
    django-axes keeps usernames in 255 characters), as a wrong username or password.
    """
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    limit = getattr(field, "max_length", None) or 150
    return 0 < len(text) <= limit and "\x00" not in text


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username django-axes counts failures under (AXES_USERNAME_CALLABLE), made storable.

    A name no account can have is kept as a digest of itself: still one counter per name typed,
    and never a NUL byte or more than 255 characters in axes' table.
    """
    if credentials:
        typed = credentials.get("username")
    else:
        typed = request.POST.get("username")
    if typed is None:
        return None
    text = str(typed)
    if could_be_username(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"(not a username) {digest}"


# --- Authenticator app (TOTP) -------------------------------------------------------------------


def pending_totp(user: AbstractBaseUser) -> TOTPDevice:
    """The account's unconfirmed app, made once, so reloading the page keeps the same secret."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    # Set when the throttle (haven.accounts.throttle) refused to check the code at all: how
    # long to wait, and whether the account's limit of wrong app codes is what was reached.
    wait_seconds: int = 0
    limit_reached: bool = False


def _clean_digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def _assess(request: HttpRequest, kind: str) -> throttle.Standing:
    assert isinstance(request.user, AbstractBaseUser)
    return throttle.assess(request=request, user=request.user, kind=kind)


def _refused(request: HttpRequest, standing: throttle.Standing, method: str) -> CodeCheck:
    """The throttle's refusal, audited."""
    refusal = standing.refusal
    assert refusal is not None
    record_event(
        action=Action.STAFF_MFA_FAILED,
        actor=request.user,
        detail={
            "method": method,
            "known_device": standing.known_device,
            "refused": refusal.reason,
        },
    )
    return CodeCheck(
        ok=False, wait_seconds=refusal.seconds, limit_reached=refusal.reason == throttle.TOO_MANY
    )


def _wrong(request: HttpRequest, kind: str, standing: throttle.Standing, method: str) -> CodeCheck:
    assert isinstance(request.user, AbstractBaseUser)
    throttle.record_failure(request=request, user=request.user, kind=kind, standing=standing)
    record_event(
        action=Action.STAFF_MFA_FAILED,
        actor=request.user,
        detail={"method": method, "known_device": standing.known_device},
    )
    return CodeCheck(ok=False)


@transaction.atomic
def confirm_totp(*, request: HttpRequest, device: TOTPDevice, code: str) -> CodeCheck:
    """Enrol the app if ``code`` is its current code: the session then counts as verified.

    Wrong codes count against the account's app codes, as at verification.
    """
    standing = _assess(request, SecondFactorKind.APP)
    if standing.refusal:
        return _refused(request, standing, "totp")
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(_clean_digits(code)):
        return _wrong(request, SecondFactorKind.APP, standing, "totp")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    second_factor_passed(request=request, device=device)
    record_event(action=Action.STAFF_MFA_ENROLLED, actor=request.user, detail={"method": "totp"})
    return CodeCheck(ok=True)


@transaction.atomic
def verify_totp(*, request: HttpRequest, code: str) -> CodeCheck:
    """Check a code against the account's apps; on success the session is verified.

    One code typed is one guess, however many apps the account has; a code is not checked at
    all while the throttle says wait.
    """
    user = request.user
    standing = _assess(request, SecondFactorKind.APP)
    if standing.refusal:
        return _refused(request, standing, "totp")
    devices = list(
        TOTPDevice.objects.select_for_update()
        .filter(user_id=user.pk, confirmed=True)
        .order_by("pk")
    )
    cleaned = _clean_digits(code)
    for device in devices:
        if device.verify_token(cleaned):
            second_factor_passed(request=request, device=device)
            record_event(action=Action.STAFF_MFA_VERIFIED, actor=user, detail={"method": "totp"})
            return CodeCheck(ok=True)
    return _wrong(request, SecondFactorKind.APP, standing, "totp")


# --- Recovery codes ----------------------------------------------------------------------------


def _recovery_digest(code: str) -> str:
    """What is stored for a recovery code: a keyed hash, so a copy of the database reveals none.

    otp_static keeps 16 characters per token; 64 bits of an HMAC keyed by SECRET_KEY is far
    beyond guessing, and the codes themselves are checked under haven.accounts.throttle.
    """
    return salted_hmac("haven.accounts.recovery-code", code, algorithm="sha256").hexdigest()[:16]


def normalise_recovery_code(text: str) -> str:
    return crockford.normalise(text)[: RECOVERY_CODE_LENGTH + 8]


@transaction.atomic
def issue_recovery_codes(*, user: AbstractBaseUser) -> list[str]:
    """Replace the account's recovery codes with new ones and return them (shown only once)."""
    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user_id=user.pk, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [
        crockford.random_string(RECOVERY_CODE_LENGTH) for _ in range(settings.HAVEN_RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_digest(code)) for code in codes
    )
    record_event(
        action=Action.STAFF_RECOVERY_CODES_ISSUED, actor=user, detail={"count": len(codes)}
    )
    return [crockford.group(code) for code in codes]


def recovery_codes_left(user: AnyUser) -> int:
    return int(StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count())


@transaction.atomic
def use_recovery_code(*, request: HttpRequest, code: str) -> CodeCheck:
    """Accept a recovery code once: it is deleted as it is used.

    Only the wait applies to recovery codes, never the account's limit of wrong app codes: they
    are the way in for an owner whose app codes someone else has used up.
    """
    user = request.user
    standing = _assess(request, SecondFactorKind.RECOVERY_CODE)
    if standing.refusal:
        return _refused(request, standing, "recovery_code")
    device = (
        StaticDevice.objects.select_for_update()
        .filter(user_id=user.pk, confirmed=True)
        .order_by("pk")
        .first()
    )
    if device is None:
        record_event(
            action=Action.STAFF_MFA_FAILED,
            actor=user,
            detail={"method": "recovery_code", "known_device": standing.known_device},
        )
        return CodeCheck(ok=False)
    cleaned = normalise_recovery_code(code)
    if not crockford.is_valid(cleaned) or not device.verify_token(_recovery_digest(cleaned)):
        return _wrong(request, SecondFactorKind.RECOVERY_CODE, standing, "recovery_code")
    second_factor_passed(request=request, device=device)
    record_event(
        action=Action.STAFF_RECOVERY_CODE_USED,
        actor=user,
        detail={"remaining": device.token_set.count()},
    )
    return CodeCheck(ok=True)


# --- Passkeys ----------------------------------------------------------------------------------


def record_passkey_enrolled(*, user: AnyUser) -> None:
    record_event(action=Action.STAFF_MFA_ENROLLED, actor=user, detail={"method": "webauthn"})


def record_passkey_verified(*, user: AnyUser) -> None:
    record_event(action=Action.STAFF_MFA_VERIFIED, actor=user, detail={"method": "webauthn"})


def record_passkey_failed(*, user: AnyUser, stage: str) -> None:
    record_event(
        action=Action.STAFF_MFA_FAILED, actor=user, detail={"method": "webauthn", "stage": stage}
    )


def verified_device_id(request: HttpRequest) -> str:
    return str(request.session.get(DEVICE_ID_SESSION_KEY, ""))

"""Staff accounts: roles, second factors, recovery codes and sessions.

Every change here that a reviewer of the audit trail would want to see writes its event in the
same transaction as the change. Events hold ids and method names, never codes or secrets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import StaffProfile
from haven.accounts.roles import PERMISSIONS, Role
from haven.audit.services import record_event
from haven.core import crockford

AnyUser = AbstractBaseUser | AnonymousUser

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


def profile_of(user: AnyUser) -> StaffProfile | None:
    """The account's profile, read once per request (kept on the user object)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_haven_profile"):
        setattr(user, "_haven_profile", StaffProfile.objects.filter(user_id=user.pk).first())  # noqa: B010
    profile: StaffProfile | None = getattr(user, "_haven_profile")  # noqa: B009
    return profile


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
        action="staff.account_created", actor=by, detail={"account": user.pk, "role": role}
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
        action="staff.role_changed",
        actor=by,
        detail={"account": user.pk, "from": previous, "to": role},
    )
    return profile


# --- Sessions ----------------------------------------------------------------------------------


def session_generation(user: AnyUser) -> int:
    profile = profile_of(user)
    return profile.session_generation if profile else 0


def stamp_new_session(request: HttpRequest, user: AnyUser) -> None:
    """Called at every sign-in: when the session began, and which generation it belongs to."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[GENERATION] = session_generation(user)


@transaction.atomic
def sign_out_everywhere(*, user: AbstractBaseUser) -> None:
    """End every session of this account, on every device, at its next request."""
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(
        user_id=user.pk, defaults={"role": Role.ADVISOR}
    )
    profile.session_generation += 1
    profile.save(update_fields=["session_generation"])
    record_event(action="staff.signed_out_everywhere", actor=user)


def client_address(request: HttpRequest) -> str:
    """The client's address for sign-in throttling, counting HAVEN_TRUSTED_PROXY_COUNT proxies."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.HAVEN_TRUSTED_PROXY_COUNT
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    return address


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
    # Set when django-otp's throttling refused to check the code at all (after wrong codes,
    # each try must wait 1, 2, 4 ... seconds longer than the last).
    wait_seconds: int = 0


def _wait(device: Any) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)


def _clean_digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


@transaction.atomic
def confirm_totp(*, request: HttpRequest, device: TOTPDevice, code: str) -> CodeCheck:
    """Enrol the app if ``code`` is its current code: the session then counts as verified."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    wait = _wait(device)
    if wait:
        return CodeCheck(ok=False, wait_seconds=wait)
    if not device.verify_token(_clean_digits(code)):
        record_event(action="staff.mfa_failed", actor=request.user, detail={"method": "totp"})
        return CodeCheck(ok=False)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    record_event(action="staff.mfa_enrolled", actor=request.user, detail={"method": "totp"})
    return CodeCheck(ok=True)


@transaction.atomic
def verify_totp(*, request: HttpRequest, code: str) -> CodeCheck:
    """Check a code against the account's apps; on success the session is verified."""
    user = request.user
    devices = list(
        TOTPDevice.objects.select_for_update()
        .filter(user_id=user.pk, confirmed=True)
        .order_by("pk")
    )
    waits = [_wait(device) for device in devices]
    if devices and all(waits):
        return CodeCheck(ok=False, wait_seconds=min(waits))
    cleaned = _clean_digits(code)
    for device, wait in zip(devices, waits, strict=True):
        if not wait and device.verify_token(cleaned):
            otp_login(request, device)
            record_event(action="staff.mfa_verified", actor=user, detail={"method": "totp"})
            return CodeCheck(ok=True)
    record_event(action="staff.mfa_failed", actor=user, detail={"method": "totp"})
    return CodeCheck(ok=False)


# --- Recovery codes ----------------------------------------------------------------------------


def _recovery_digest(code: str) -> str:
    """What is stored for a recovery code: a keyed hash, so a copy of the database reveals none.

    otp_static keeps 16 characters per token; 64 bits of an HMAC keyed by SECRET_KEY is far
    beyond guessing, and the codes themselves are checked under django-otp's throttling.
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
    record_event(action="staff.recovery_codes_issued", actor=user, detail={"count": len(codes)})
    return [crockford.group(code) for code in codes]


def recovery_codes_left(user: AnyUser) -> int:
    return int(StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count())


@transaction.atomic
def use_recovery_code(*, request: HttpRequest, code: str) -> CodeCheck:
    """Accept a recovery code once: it is deleted as it is used."""
    user = request.user
    device = (
        StaticDevice.objects.select_for_update()
        .filter(user_id=user.pk, confirmed=True)
        .order_by("pk")
        .first()
    )
    if device is None:
        record_event(action="staff.mfa_failed", actor=user, detail={"method": "recovery_code"})
        return CodeCheck(ok=False)
    wait = _wait(device)
    if wait:
        return CodeCheck(ok=False, wait_seconds=wait)
    cleaned = normalise_recovery_code(code)
    if not crockford.is_valid(cleaned) or not device.verify_token(_recovery_digest(cleaned)):
        if not crockford.is_valid(cleaned):
            device.throttle_increment()
        record_event(action="staff.mfa_failed", actor=user, detail={"method": "recovery_code"})
        return CodeCheck(ok=False)
    otp_login(request, device)
    record_event(
        action="staff.recovery_code_used",
        actor=user,
        detail={"remaining": device.token_set.count()},
    )
    return CodeCheck(ok=True)


# --- Passkeys ----------------------------------------------------------------------------------


def record_passkey_enrolled(*, user: AnyUser) -> None:
    record_event(action="staff.mfa_enrolled", actor=user, detail={"method": "webauthn"})


def record_passkey_verified(*, user: AnyUser) -> None:
    record_event(action="staff.mfa_verified", actor=user, detail={"method": "webauthn"})


def record_passkey_failed(*, user: AnyUser, stage: str) -> None:
    record_event(
        action="staff.mfa_failed", actor=user, detail={"method": "webauthn", "stage": stage}
    )


def verified_device_id(request: HttpRequest) -> str:
    return str(request.session.get(DEVICE_ID_SESSION_KEY, ""))

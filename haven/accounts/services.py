"""Staff accounts: roles, second factors, recovery codes and sessions.

Every change here that a reviewer of the audit trail would want to see writes its event in the
same transaction as the change. Events hold ids and method names, never codes or secrets.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.utils import get_credential_model

from haven.accounts import throttle
from haven.accounts.models import SecondFactorFailure, SecondFactorKind, StaffProfile
from haven.accounts.roles import PERMISSIONS, Role
from haven.accounts.sessions import AnyUser, profile_of, session_generation
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.core import crockford
from haven.core.parsing import positive_int

# What a session remembers about itself (StaffSessionMiddleware reads them).
# Sent inside the transaction that deactivates an account (``user``, ``by``): apps above
# accounts put right what the person held (cases.receivers releases their open cases).
account_deactivated = Signal()

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


# --- Account administration ------------------------------------------------------------------
#
# Administrators (accounts.manage) create accounts, set roles, deactivate and reactivate them,
# reset their sign-in methods and unlock a sign-in; the management commands create accounts with
# the same function. Events name accounts by id: {"account": <user id>}, the actor is who did it.

# A new account's username: lower-case letters, digits, dots, hyphens and underscores, starting
# with a letter or digit. Plain ASCII, so "²" or a look-alike letter never makes a second "same"
# name, and the name fits django-axes' column and any log.
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
USERNAME_MIN = 3
USERNAME_MAX = 40

# How long a set-password link works. It is the whole way into an account that has no password
# (or no second factor) yet, so it is short-lived, and it stops working once used.
SET_PASSWORD_LINK_SECONDS = 24 * 60 * 60


class AccountChangeRefused(Exception):
    """An administrator asked for a change that must not happen (``reason`` says which)."""

    SELF = "self"
    LAST_ADMINISTRATOR = "last_administrator"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_username(text: str) -> str:
    return text.strip().lower()


def username_problem(text: str) -> str | None:
    """Why ``text`` (already normalised) cannot be a new account's name, or None if it can.

    One of "short", "long", "characters", "taken".
    """
    if len(text) < USERNAME_MIN:
        return "short"
    if len(text) > USERNAME_MAX:
        return "long"
    if not (text.isascii() and USERNAME_PATTERN.fullmatch(text)):
        return "characters"
    if get_user_model().objects.filter(username__iexact=text).exists():
        return "taken"
    return None


@transaction.atomic
def create_staff_account(
    *, username: str, role: str, password: str | None = None, by: AnyUser | None = None
) -> User:
    """A new staff account with a role. It has no second factor: the first sign-in enrols one.

    Rules: the username must pass ``username_problem`` (ValueError otherwise, as for an unknown
    role). Without ``password`` the account has none that works: its holder sets one with a
    set-password link (``password_link_token``), then signs in and enrols a second factor.
    """
    Role(role)  # an unknown role raises ValueError
    username = normalise_username(username)
    problem = username_problem(username)
    if problem:
        raise ValueError(f"username refused: {problem}")
    user = get_user_model().objects.create_user(username=username, password=password)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    StaffProfile.objects.create(user=user, role=role)
    record_event(
        action=Action.STAFF_ACCOUNT_CREATED, actor=by, detail={"account": user.pk, "role": role}
    )
    return user


def _change_refused(
    *, user: AbstractBaseUser, change: str, reason: str, by: AnyUser | None
) -> AccountChangeRefused:
    """The refusal to raise, recorded outside the change's transaction (nothing was changed)."""
    with transaction.atomic():
        record_event(
            action=Action.STAFF_ACCOUNT_CHANGE_REFUSED,
            actor=by,
            detail={"account": user.pk, "change": change, "reason": reason},
        )
    return AccountChangeRefused(reason)


def _other_active_administrators(user: AbstractBaseUser) -> int:
    """Active administrators besides ``user``, their profiles locked until the change commits.

    Locked so that two administrators demoting each other at once cannot leave none.
    """
    rows = (
        StaffProfile.objects.select_for_update()
        .filter(role=Role.ADMINISTRATOR, user__is_active=True, user__is_staff=True)
        .exclude(user_id=user.pk)
        .values_list("pk", flat=True)
    )
    return len(list(rows))


def set_role(*, user: AbstractBaseUser, role: str, by: AnyUser | None = None) -> StaffProfile:
    """Give the account ``role``. Refused (AccountChangeRefused, audited) when it would take the
    administrator role from the last active administrator."""
    Role(role)
    with transaction.atomic():
        profile, _created = StaffProfile.objects.select_for_update().get_or_create(
            user_id=user.pk, defaults={"role": role}
        )
        previous = "" if _created else profile.role
        losing_admin = previous == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR
        refused = losing_admin and user.is_active and not _other_active_administrators(user)
        if not refused:
            profile.role = role
            profile.save(update_fields=["role"])
            record_event(
                action=Action.STAFF_ROLE_CHANGED,
                actor=by,
                detail={"account": user.pk, "from": previous, "to": role},
            )
            return profile
    raise _change_refused(
        user=user, change="role", reason=AccountChangeRefused.LAST_ADMINISTRATOR, by=by
    )


def _end_sessions(user: AbstractBaseUser) -> None:
    """Every session of the account ends at its next request, and its device cookies are void
    (the mechanism of "sign out everywhere", without its event: the caller records its own)."""
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(
        user_id=user.pk, defaults={"role": Role.ADVISOR}
    )
    profile.session_generation += 1
    profile.save(update_fields=["session_generation"])


def deactivate_account(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """The account can no longer sign in, every session it has ends at once, and whatever it
    held is put right in the same transaction (``account_deactivated``: its open cases go back
    to the queue).

    Django treats an inactive account's sessions as signed out at their next request; the
    session generation moves on as well, so they stay ended if the account is reactivated.
    Refused (audited) for one's own account, or the last active administrator.
    """
    assert isinstance(user, User)
    if user.pk == by.pk:
        raise _change_refused(
            user=user, change="deactivate", reason=AccountChangeRefused.SELF, by=by
        )
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        profile = profile_of(locked)
        refused = (
            profile is not None
            and profile.role == Role.ADMINISTRATOR
            and not _other_active_administrators(locked)
        )
        if not refused:
            if locked.is_active:
                locked.is_active = False
                locked.save(update_fields=["is_active"])
                record_event(
                    action=Action.STAFF_ACCOUNT_DEACTIVATED, actor=by, detail={"account": user.pk}
                )
                account_deactivated.send(sender=User, user=locked, by=by)
            _end_sessions(locked)
            user.is_active = False
            return
    raise _change_refused(
        user=user, change="deactivate", reason=AccountChangeRefused.LAST_ADMINISTRATOR, by=by
    )


@transaction.atomic
def reactivate_account(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """The account may sign in again (its old sessions stay ended)."""
    assert isinstance(user, User)
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        record_event(action=Action.STAFF_ACCOUNT_REACTIVATED, actor=by, detail={"account": user.pk})
    user.is_active = True


def reset_sign_in_methods(*, user: AbstractBaseUser, by: AbstractBaseUser) -> str:
    """Remove every second factor of the account, end its sessions, and return a set-password
    link token for its holder.

    Rules: the authenticator apps, passkeys and recovery codes are deleted, with the wrong codes
    counted against the account. The password stops working too, because an account with no
    second factor enrols one on the strength of its password alone: whoever else knows the old
    password (the usual reason for a reset) must not be the one to enrol. The holder sets a new
    password with the link the administrator hands over, signs in and enrols again.
    Refused (audited) for one's own account: that is done on the account page.
    """
    if user.pk == by.pk:
        raise _change_refused(user=user, change="reset", reason=AccountChangeRefused.SELF, by=by)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        apps = TOTPDevice.objects.filter(user_id=user.pk)
        passkeys = get_credential_model().objects.filter(user_id=user.pk)
        codes = StaticToken.objects.filter(device__user_id=user.pk)
        removed = {
            "apps": apps.count(),
            "passkeys": passkeys.count(),
            "recovery_codes": codes.count(),
        }
        apps.delete()
        passkeys.delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()
        SecondFactorFailure.objects.filter(user_id=user.pk).delete()
        locked.set_unusable_password()
        locked.save(update_fields=["password"])
        _end_sessions(locked)
        record_event(
            action=Action.STAFF_MFA_RESET,
            actor=by,
            detail={"account": user.pk, **removed},
        )
        return _issue_password_link(user=locked, by=by)


class _SetPasswordTokens(PasswordResetTokenGenerator):
    # Its own salt: a token made for another purpose never sets a staff password here.
    key_salt = "haven.accounts.set-password-link"


_tokens = _SetPasswordTokens()


def link_for(*, account_id: int, token: str) -> str:
    """The secret part of a set-password link: the account's id, encoded, and the token."""
    return f"{urlsafe_base64_encode(str(account_id).encode())}.{token}"


def _issue_password_link(*, user: User, by: AnyUser | None) -> str:
    record_event(action=Action.STAFF_PASSWORD_LINK_ISSUED, actor=by, detail={"account": user.pk})
    return link_for(account_id=int(user.pk), token=_tokens.make_token(user))


@transaction.atomic
def password_link_token(*, user: User, by: AnyUser | None = None) -> str:
    """A set-password link's secret part for an active staff account (shown to its maker once).

    It works for SET_PASSWORD_LINK_SECONDS, and only until a password is set with it or any
    other way (the token is bound to the stored password). The current password keeps working
    until then: a forgotten password is not a lost account.
    """
    return _issue_password_link(user=user, by=by)


def account_of_link(link: object) -> tuple[User, str] | None:
    """The account a set-password link is for, and its token; None for any other text."""
    if not isinstance(link, str) or len(link) > 200 or "." not in link:
        return None
    encoded, token = link.split(".", 1)
    try:
        decoded = urlsafe_base64_decode(encoded).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    account_id = positive_int(decoded)
    if account_id is None:
        return None
    user = get_user_model().objects.filter(pk=account_id, is_active=True, is_staff=True).first()
    if user is None or not _link_is_fresh(user, token):
        return None
    return user, token


def _link_is_fresh(user: User, token: str) -> bool:
    if not _tokens.check_token(user, token):
        return False
    try:
        issued = base36_to_int(token.split("-", 1)[0])
    except ValueError:
        return False
    # Django's own limit is PASSWORD_RESET_TIMEOUT (3 days); this link is kept shorter.
    return _tokens._num_seconds(_tokens._now()) - issued <= SET_PASSWORD_LINK_SECONDS


@transaction.atomic
def set_password_with_link(*, user: AbstractBaseUser, token: str, password: str) -> bool:
    """Set the account's password if ``token`` is still good for it; every session ends.

    The password must already have passed the password validators (the form checks them).
    """
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not (locked.is_active and _link_is_fresh(locked, token)):
        return False
    locked.set_password(password)
    locked.save(update_fields=["password"])
    _end_sessions(locked)
    record_event(action=Action.STAFF_PASSWORD_SET, actor=locked, detail={"account": locked.pk})
    return True


def is_locked_out(user: AbstractBaseUser) -> bool:
    """Whether django-axes is refusing sign-in for this username from some address now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return bool(
        AccessAttempt.objects.filter(
            username=user.get_username(),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).exists()
    )


@transaction.atomic
def unlock_sign_in(*, user: AbstractBaseUser, by: AnyUser | None) -> int:
    """Forget django-axes' wrong passwords for this username, from every address."""
    forgotten, _kinds = AccessAttempt.objects.filter(username=user.get_username()).delete()
    record_event(
        action=Action.STAFF_SIGN_IN_UNLOCKED,
        actor=by,
        detail={"account": user.pk, "attempts": forgotten},
    )
    return int(forgotten)


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

"""How often wrong second-factor codes may be tried. See docs/SECURITY.md for the arithmetic.

Two limits, each for its own purpose:

- **The wait.** After the n-th wrong code from one address, that address waits 2^(n-1) seconds,
  at most HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS, before its next code is checked. It is counted
  per account *and address*, so someone else's wrong codes never make the owner wait, and
  cannot hold the recovery codes shut by always guessing first.
- **The limit.** At most HAVEN_SECOND_FACTOR_FAILURE_LIMIT wrong app codes per account in any
  HAVEN_SECOND_FACTOR_WINDOW_SECONDS from browsers the account does not know, counting every
  app, address and session together: per address, a second address would multiply the guesses.
  This is what keeps guessing a 6-digit code hopeless. Recovery codes (60 random bits each)
  have no such limit, so whoever uses up the app codes cannot shut the owner out.

A browser the account knows is one that has passed the second factor for it within
HAVEN_SECOND_FACTOR_DEVICE_SECONDS: it holds a device cookie (OWASP's "device cookies"), and its
wrong app codes count against a budget of its own, as large as the account's, and never against
the account's. So someone who has the password but not the owner's browser can use up the
account's app codes without shutting the owner's browser out. Once a device's own budget is
spent, the browser counts as unknown. The cookie is a random nonce signed with SECRET_KEY under
a salt that holds the account and its session generation: it names neither, is worthless for any
other account, and is void once the account signs out everywhere.

A successful second factor forgets the wrong codes of its own sign-in (the owner's typing
mistakes), and nobody else's: an attacker gains nothing from the owner signing in.

Django-otp's own throttling (which doubles without end) is switched off in settings.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from haven.accounts.models import SecondFactorFailure, SecondFactorKind
from haven.accounts.sessions import client_address, session_generation

# A random tag of this sign-in attempt, kept in the session: which failures were its own.
ATTEMPT = "haven_second_factor_attempt"
DEVICE_COOKIE = "haven_staff_device"

TOO_SOON = "too_soon"
TOO_MANY = "too_many"


@dataclass(frozen=True)
class Refusal:
    """Why a code is not checked now, and for how many more seconds."""

    reason: str  # TOO_SOON or TOO_MANY
    seconds: int


@dataclass(frozen=True)
class Standing:
    """What the throttle says of a code about to be checked."""

    refusal: Refusal | None
    # Whether the browser holds a valid device cookie for the account (audited).
    known_device: bool
    # The device whose own budget a wrong code counts against, or "" for the account's.
    device: str


def _address(request: HttpRequest) -> str:
    digest = salted_hmac("haven.accounts.second-factor-address", client_address(request))
    return digest.hexdigest()


def _attempt(request: HttpRequest) -> str:
    tag = request.session.get(ATTEMPT)
    if not isinstance(tag, str):
        tag = secrets.token_hex(16)
        request.session[ATTEMPT] = tag
    return tag


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


# --- Device cookies ----------------------------------------------------------------------------


def _salt(user: AbstractBaseUser, generation: int) -> str:
    # The account and its generation sit in the salt rather than the value: the cookie names
    # neither, yet another account, or the same one after signing out everywhere, rejects it.
    return f"haven.accounts.device:{user.pk}:{generation}"


def _cookie_path() -> str:
    # Only the pages that check a second factor (and sign out everywhere) need the cookie.
    return reverse("staff:account:home")


def _device(request: HttpRequest, user: AbstractBaseUser, generation: int) -> str:
    """A keyed digest of the nonce of the browser's valid device cookie for ``user``, or ""."""
    nonce = request.get_signed_cookie(
        DEVICE_COOKIE,
        default="",
        salt=_salt(user, generation),
        max_age=settings.HAVEN_SECOND_FACTOR_DEVICE_SECONDS,
    )
    if not nonce:
        return ""
    digest = salted_hmac("haven.accounts.second-factor-device", nonce, algorithm="sha256")
    return digest.hexdigest()


def give_device_cookie(*, response: HttpResponse, user: AbstractBaseUser) -> None:
    """A new device cookie for a browser that has just passed the second factor for ``user``.

    A fresh nonce each time, so nothing need be read back: whoever passes the second factor
    has earned a full budget for the browser.
    """
    response.set_signed_cookie(
        DEVICE_COOKIE,
        secrets.token_urlsafe(16),
        salt=_salt(user, session_generation(user)),
        max_age=settings.HAVEN_SECOND_FACTOR_DEVICE_SECONDS,
        path=_cookie_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def forget_device_cookie(*, response: HttpResponse) -> None:
    """Tell this browser to drop its device cookie (its generation has just ended anyway)."""
    response.delete_cookie(DEVICE_COOKIE, path=_cookie_path(), samesite="Strict")


# --- Counting ------------------------------------------------------------------------------------


def assess(*, request: HttpRequest, user: AbstractBaseUser, kind: str) -> Standing:
    """Whether a code of ``kind`` from this request may be checked now, and what a wrong one
    counts against.

    Rules: locks the account's user row first, so concurrent guesses are counted one after
    another. For app codes, a browser with a valid device cookie whose own budget has room uses
    that budget; any other browser uses the account's, and is refused once it is spent. Then
    the wait of this address, which counts every wrong code from it, whichever budget.
    """
    # Only for its lock: every account has a user row, where one made by createsuperuser has no
    # profile, and a guess that took no lock would be counted beside the others, not after them.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    device = _device(request, user, session_generation(user))
    now = timezone.now()
    window = timedelta(seconds=settings.HAVEN_SECOND_FACTOR_WINDOW_SECONDS)
    failures = list(
        SecondFactorFailure.objects.filter(user_id=user.pk, kind=kind, at__gt=now - window)
        .order_by("at", "pk")
        .values_list("at", "address", "device")
    )
    limit = settings.HAVEN_SECOND_FACTOR_FAILURE_LIMIT
    counts_against = ""
    if kind == SecondFactorKind.APP:
        own = [at for at, _where, which in failures if device and which == device]
        if device and len(own) < limit:
            counts_against = device
        else:
            shared = [at for at, _where, which in failures if not which]
            if len(shared) >= limit:
                # Refused until the oldest failures of either budget leave the window.
                frees_at = shared[len(shared) - limit] + window
                if device:
                    frees_at = min(frees_at, own[len(own) - limit] + window)
                refused = Refusal(TOO_MANY, _seconds_until(frees_at, now))
                return Standing(refused, known_device=bool(device), device="")
    address = _address(request)
    mine = [at for at, where, _which in failures if where == address]
    if mine:
        wait = min(2 ** (len(mine) - 1), settings.HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS)
        until = mine[-1] + timedelta(seconds=wait)
        if until > now:
            refused = Refusal(TOO_SOON, _seconds_until(until, now))
            return Standing(refused, known_device=bool(device), device=counts_against)
    return Standing(None, known_device=bool(device), device=counts_against)


def record_failure(
    *, request: HttpRequest, user: AbstractBaseUser, kind: str, standing: Standing
) -> None:
    """Count one wrong code against the budget ``standing`` named, and forget the account's
    failures that have left the window."""
    now = timezone.now()
    window = timedelta(seconds=settings.HAVEN_SECOND_FACTOR_WINDOW_SECONDS)
    SecondFactorFailure.objects.filter(user_id=user.pk, at__lte=now - window).delete()
    SecondFactorFailure.objects.create(
        user_id=user.pk,
        kind=kind,
        address=_address(request),
        attempt=_attempt(request),
        device=standing.device,
        at=now,
    )


def forget_own_failures(*, request: HttpRequest, user: AbstractBaseUser) -> None:
    """On success: the wrong codes this sign-in typed were the owner's own mistakes."""
    tag = request.session.pop(ATTEMPT, None)
    if isinstance(tag, str):
        SecondFactorFailure.objects.filter(user_id=user.pk, attempt=tag).delete()

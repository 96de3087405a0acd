"""What a staff sign-in is checked against: the account's profile and its session generation,
and the client's address.

Below ``services`` and ``throttle``, which both use them (and django-axes, through
AXES_CLIENT_IP_CALLABLE), so neither has to import the other to get them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from haven.accounts.models import StaffProfile

AnyUser = AbstractBaseUser | AnonymousUser


# Where a request's user object keeps its profile once read: by ``profile_of``, or by the
# authentication backend, which reads it with the account (``backends.StaffPasswordBackend``).
PROFILE_ATTRIBUTE = "_haven_profile"


def profile_of(user: AnyUser) -> StaffProfile | None:
    """The account's profile, read once per request (kept on the user object)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, PROFILE_ATTRIBUTE):
        setattr(user, PROFILE_ATTRIBUTE, StaffProfile.objects.filter(user_id=user.pk).first())
    profile: StaffProfile | None = getattr(user, PROFILE_ATTRIBUTE)
    return profile


def session_generation(user: AnyUser) -> int:
    """How many times the account has signed out everywhere: 0 for an account with no profile."""
    profile = profile_of(user)
    return profile.session_generation if profile else 0


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

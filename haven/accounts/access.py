"""Who may use the staff side. Every staff view is wrapped by ``requires(permission)``.

The checks, in order:

1. not signed in: to the sign-in page, coming back afterwards;
2. signed in, but not an active staff account: refused (403), and audited;
3. a staff account whose session has not passed its second factor: to enrolment (no second
   factor yet) or to verification. This comes before the permission check, so a password alone
   tells nobody what the account may do;
4. lacking the permission: refused (403), and audited.

Permissions per role are data, in ``haven.accounts.roles``. The decorator marks the view with
the permission it needs (``view.required_permission``), so a test can walk every staff URL and
check each answer against the table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from haven.accounts import services
from haven.accounts.roles import KNOWN
from haven.audit.actions import Action
from haven.audit.services import record_event

View = Callable[..., HttpResponse]

# Marks views that are part of signing in itself (the second-factor pages): they need a
# signed-in staff account but not a verified one.
SECOND_FACTOR_STEP = "second_factor_step"
# The passkey ceremonies' JSON endpoints: a signed-in staff account, answered in JSON.
PASSKEY_CEREMONY = "passkey_ceremony"
# Open to anyone: signing in and out, and the passkey script's translations.
PUBLIC = "public"


def refuse(request: HttpRequest, *, reason: str) -> HttpResponse:
    """The 403 page, with an audit event naming who was refused where."""
    with transaction.atomic():
        record_event(
            action=Action.STAFF_REFUSED,
            actor=request.user,
            detail={
                "view": request.resolver_match.view_name if request.resolver_match else "",
                **({"reason": reason} if reason != "not_staff" else {}),
            },
        )
    return render(request, "accounts/refused.html", {"reason": reason}, status=403)


def second_factor_url(request: HttpRequest, next_url: str | None = None) -> str:
    """Where a signed-in account without a verified second factor goes next."""
    name = "verify" if services.must_verify_first(request.user) else "enrol"
    target = next_url if next_url is not None else request.get_full_path()
    return f"{reverse(f'staff:account:{name}')}?{urlencode({'next': target})}"


def requires(permission: str) -> Callable[[View], View]:
    """Let the view run only for a verified staff session whose role grants ``permission``."""
    if permission not in KNOWN:
        raise ValueError(f"unknown permission {permission!r}: add it to haven.accounts.roles")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not services.is_staff_account(user):
                return refuse(request, reason="not_staff")
            if not services.is_verified(user):
                return HttpResponseRedirect(second_factor_url(request))
            if not services.has_permission(user, permission):
                return refuse(request, reason="permission")
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def signed_in_staff(view: View) -> View:
    """For the second-factor pages: a signed-in staff account, verified or not."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.is_staff_account(user):
            return refuse(request, reason="not_staff")
        return view(request, *args, **kwargs)

    wrapper.required_permission = SECOND_FACTOR_STEP  # type: ignore[attr-defined]
    return wrapper


# The existing staff views (the report list and an opened report) need to read reports.
staff_required = requires("reports.view")

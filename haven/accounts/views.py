"""Signing in and out, the second factor, and a person's own account page.

Who may call each view:

- sign-in, sign-out, the lockout page: anyone (sign-out only by POST);
- enrolment, verification, a recovery code: a signed-in staff account, before its second
  factor (``signed_in_staff``). Enrolment refuses an account that already has a second factor
  but has not used it in this session: a password alone never adds a device;
- the account page, new recovery codes, signing out everywhere: a verified staff session.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.utils import get_credential_model

from haven.accounts import passkeys, services
from haven.accounts.access import PUBLIC, requires, second_factor_url, signed_in_staff
from haven.accounts.admin_views import JUST_SET_NOTICE
from haven.accounts.forms import AppCodeForm, RecoveryCodeForm, SignInForm
from haven.accounts.middleware import ENDED_BECAUSE
from haven.accounts.roles import DESCRIPTIONS, Role
from haven.accounts.sessions import profile_of
from haven.accounts.totp import qr_svg, secret_text


def home_for(user: Any) -> str:
    """Where a verified session starts: the queue for those who open cases, the team page for
    administrators (who open none), the partner portal for a partner agency's users, else the
    account."""
    if services.has_permission(user, "cases.view"):
        return reverse("staff:queue")
    if services.has_permission(user, "team.view"):
        return reverse("staff:team")
    if services.has_permission(user, "referrals.partner"):
        return reverse("partners:referrals")
    return reverse("staff:account:home")


def next_url(request: HttpRequest) -> str:
    """The page to return to: a path on this site, or the person's home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home_for(request.user)


# --- Signing in and out ------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    required_permission = PUBLIC

    def get_success_url(self) -> str:
        target = self.get_redirect_url() or home_for(self.request.user)
        if services.is_verified(self.request.user):
            return target
        return second_factor_url(self.request, target)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["ended_because"] = self.request.session.pop(ENDED_BECAUSE, "")
        context["password_just_set"] = self.request.session.pop(JUST_SET_NOTICE, False)
        context["session_minutes"] = {
            "idle": max(1, settings.HAVEN_STAFF_IDLE_SECONDS // 60),
            "lifetime_hours": max(1, settings.HAVEN_STAFF_SESSION_SECONDS // 3600),
        }
        return context


class SignOutView(auth_views.LogoutView):
    # Without a next page Django renders registration/logged_out.html, which Haven has not got.
    next_page = "staff:login"
    required_permission = PUBLIC


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a page, never the username typed."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# --- The second factor -------------------------------------------------------------------------


def _duration(seconds: int) -> str:
    """A wait as people say it: seconds up to two minutes, then hours and minutes (rounded up)."""
    if seconds < 120:
        return ngettext("%(num)s second", "%(num)s seconds", seconds) % {"num": seconds}
    minutes = -(-seconds // 60)
    hours, minutes = divmod(minutes, 60)
    hours_text = ngettext("%(num)s hour", "%(num)s hours", hours) % {"num": hours}
    minutes_text = ngettext("%(num)s minute", "%(num)s minutes", minutes) % {"num": minutes}
    if not hours:
        return minutes_text
    if not minutes:
        return hours_text
    return _("%(hours)s and %(minutes)s") % {"hours": hours_text, "minutes": minutes_text}


def _wait_error(form: Any, check: services.CodeCheck, *, offer_recovery: bool = False) -> None:
    """Say exactly how long to wait; when the account's app codes are used up, say what else
    works now."""
    wait = _duration(check.wait_seconds)
    if not check.limit_reached:
        message = _("Too many wrong codes. Wait %(wait)s and try again") % {"wait": wait}
    elif offer_recovery:
        message = _(
            "Too many wrong codes have been entered for your account. You can use a code from "
            "your app again in %(wait)s, or use a recovery code now. If you did not enter them "
            "all, someone else may know your password: tell your administrator today"
        ) % {"wait": wait}
    else:
        message = _(
            "Too many wrong codes have been entered for your account. You can use a code from "
            "your app again in %(wait)s"
        ) % {"wait": wait}
    form.add_error("code", message)


@require_http_methods(["GET", "POST"])
@signed_in_staff
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (or, with JavaScript, a passkey) as the second factor."""
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    first = not services.has_second_factor(user)
    if services.must_verify_first(user) and not services.is_verified(user):
        # Someone holding only the password must not add a device of their own.
        return HttpResponseRedirect(second_factor_url(request, next_url(request)))
    device = services.pending_totp(user)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.confirm_totp(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if check.ok:
            if first:
                request.session[services.NEW_RECOVERY_CODES] = services.issue_recovery_codes(
                    user=user
                )
                return _passed(request, _to_recovery_codes(request))
            return _passed(request, redirect(reverse("staff:account:home") + "?added=app"))
        if check.wait_seconds:
            _wait_error(form, check)
        else:
            form.add_error("code", _("That code did not work. Check the app and try again"))
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "first": first,
            "secret": secret_text(device),
            "otpauth_uri": device.config_url,
            "qr_svg": qr_svg(device.config_url),
            "next": next_url(request),
            "passkeys": passkeys.configuration(request),
        },
    )


def _passed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The answer to a second factor just passed: it also makes this browser a known device."""
    services.remember_device(request=request, response=response)
    return response


def _to_recovery_codes(request: HttpRequest) -> HttpResponse:
    return redirect(
        f"{reverse('staff:account:recovery_codes')}?{urlencode({'next': next_url(request)})}"
    )


@require_http_methods(["GET", "POST"])
@signed_in_staff
def verify(request: HttpRequest) -> HttpResponse:
    """Enter the code from the app, or use a passkey (with JavaScript), or go to recovery."""
    user = request.user
    if services.is_verified(user):
        return redirect(next_url(request))
    if not services.must_verify_first(user):
        return HttpResponseRedirect(second_factor_url(request, next_url(request)))
    has_app = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()
    has_passkey = get_credential_model().objects.filter(user_id=user.pk, confirmed=True).exists()
    if not (has_app or has_passkey):
        # Only recovery codes are left: use one, then set up a new app.
        return redirect(
            f"{reverse('staff:account:recovery')}?{urlencode({'next': next_url(request)})}"
        )
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.verify_totp(request=request, code=form.cleaned_data["code"])
        if check.ok:
            return _passed(request, redirect(next_url(request)))
        if check.wait_seconds:
            _wait_error(form, check, offer_recovery=True)
        else:
            form.add_error("code", _("That code did not work. Check the app and try again"))
    return render(
        request,
        "accounts/verify.html",
        {
            "form": form,
            "has_app": has_app,
            "has_passkey": has_passkey,
            "next": next_url(request),
            "passkeys": passkeys.configuration(request),
        },
    )


@require_http_methods(["GET", "POST"])
@signed_in_staff
def recovery(request: HttpRequest) -> HttpResponse:
    """Sign in with a one-time recovery code when the app or passkey is not to hand."""
    user = request.user
    if services.is_verified(user):
        return redirect(next_url(request))
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.use_recovery_code(request=request, code=form.cleaned_data["code"])
        if check.ok:
            return _passed(request, redirect(next_url(request)))
        if check.wait_seconds:
            _wait_error(form, check)
        else:
            form.add_error("code", _("That recovery code did not work. Each code works only once"))
    return render(request, "accounts/recovery.html", {"form": form, "next": next_url(request)})


# --- The person's own account ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("account.own")
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Show new recovery codes once; a POST replaces every code with new ones."""
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    if request.method == "POST":
        request.session[services.NEW_RECOVERY_CODES] = services.issue_recovery_codes(user=user)
        return _to_recovery_codes(request)
    codes = request.session.pop(services.NEW_RECOVERY_CODES, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": next_url(request), "left": services.recovery_codes_left(user)},
    )


@require_GET
@requires("account.own")
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = profile_of(user)
    role = Role(profile.role) if profile else None
    return render(
        request,
        "accounts/account.html",
        {
            "role": role,
            "can": sorted(str(DESCRIPTIONS[p]) for p in services.permissions_of(user)),
            "apps": TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk"),
            "passkeys": get_credential_model()
            .objects.filter(user_id=user.pk, confirmed=True)
            .order_by("pk"),
            "recovery_left": services.recovery_codes_left(user),
            "has_recovery": StaticDevice.objects.filter(user_id=user.pk).exists(),
            "added": request.GET.get("added", ""),
            "manages_accounts": services.has_permission(user, "accounts.manage"),
            "passkey_config": passkeys.configuration(request),
        },
    )


@require_POST
@requires("account.own")
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End this account's sessions on every device, this one included."""
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    with transaction.atomic():
        services.sign_out_everywhere(user=user)
    # Audited just above; the plain "signed out" event would say less.
    setattr(request, "haven_session_ended", True)  # noqa: B010
    logout(request)
    request.session[ENDED_BECAUSE] = "you_signed_out_everywhere"
    response = redirect("staff:login")
    services.forget_device(response=response)
    return response

"""Account administration, under /staff/account/admin/: for administrators (accounts.manage).

The list of staff accounts and one account's page only show; each change posts to its own view
(POST only) and goes back to the account's page. A set-password link is shown to the
administrator once, on the page a change leads to, and never put in a log or the audit trail.
The set-password page itself is for whoever holds a link (``set_password``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.utils import get_credential_model

from haven.accounts import services
from haven.accounts.access import requires
from haven.accounts.forms import NewStaffAccountForm, RoleForm, SetPasswordForm
from haven.accounts.models import StaffProfile
from haven.accounts.roles import Role
from haven.core.parsing import MAX_ID, positive_int

PER_PAGE = 50
# The set-password link just made, kept in the administrator's session only until the page that
# shows it once has been sent: {"account": id, "link": secret part, "why": what made it}.
NEW_LINK = "haven_new_password_link"
# The set-password link a visitor opened, moved out of the address into the session so that it
# is in no later request's address or Referer: {"account": id, "token": token}.
OPENED_LINK = "haven_opened_password_link"
# Tells the sign-in page that a password has just been set.
JUST_SET_NOTICE = "haven_password_just_set"

REFUSALS = {
    ("deactivate", services.AccountChangeRefused.SELF): _(
        "You cannot deactivate your own account. Ask another administrator"
    ),
    ("deactivate", services.AccountChangeRefused.LAST_ADMINISTRATOR): _(
        "This is the only active administrator. Make someone else an administrator first"
    ),
    ("role", services.AccountChangeRefused.LAST_ADMINISTRATOR): _(
        "This is the only active administrator. Make someone else an administrator first"
    ),
    ("reset", services.AccountChangeRefused.SELF): _(
        "You cannot reset your own sign-in methods here. Manage them on your account page, or "
        "ask another administrator"
    ),
}


def _admin(request: HttpRequest) -> AbstractBaseUser:
    assert isinstance(request.user, AbstractBaseUser)
    return request.user


def _staff_account(account_id: int) -> User:
    if account_id > MAX_ID:  # no row's id, and more than the database's integers hold
        raise Http404
    account = get_user_model().objects.filter(pk=account_id, is_staff=True).first()
    if account is None:
        raise Http404
    return account


# --- Showing --------------------------------------------------------------------------------


@require_GET
@requires("accounts.manage")
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every staff account, by username, 50 a page."""
    app = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    passkey = get_credential_model().objects.filter(user_id=OuterRef("pk"), confirmed=True)
    accounts = (
        get_user_model()
        .objects.filter(is_staff=True)
        .annotate(has_app=Exists(app), has_passkey=Exists(passkey))
        .select_related("staff_profile")
        .order_by("username", "pk")
    )
    page = Paginator(accounts, PER_PAGE).get_page(positive_int(request.GET.get("page")) or 1)
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page": page,
            "rows": [_row(account) for account in page.object_list],
            "prev_query": urlencode({"page": page.previous_page_number()})
            if page.has_previous()
            else "",
            "next_query": urlencode({"page": page.next_page_number()}) if page.has_next() else "",
            "nav": "accounts",
        },
    )


def _role_label(account: User) -> str:
    profile: StaffProfile | None = getattr(account, "staff_profile", None)
    return str(Role(profile.role).label) if profile else _("No role")


def _row(account: Any) -> dict[str, Any]:
    return {
        "account": account,
        "role": _role_label(account),
        "second_factor": account.has_app or account.has_passkey,
    }


def _account_page(
    request: HttpRequest,
    account: User,
    *,
    role_form: RoleForm | None = None,
    error: str = "",
    error_target: str = "",
) -> HttpResponse:
    profile = StaffProfile.objects.filter(user_id=account.pk).first()
    role_form = role_form or RoleForm(initial={"role": profile.role if profile else ""})
    return render(
        request,
        "accounts/staff_account.html",
        {
            "account": account,
            "role": _role_label(account),
            "apps": TOTPDevice.objects.filter(user_id=account.pk, confirmed=True).count(),
            "passkeys": get_credential_model()
            .objects.filter(user_id=account.pk, confirmed=True)
            .count(),
            "recovery_left": StaticToken.objects.filter(device__user_id=account.pk).count(),
            "has_password": account.has_usable_password(),
            "locked_out": services.is_locked_out(account),
            "is_self": account.pk == request.user.pk,
            "role_form": role_form,
            "error": error,
            "error_target": error_target,
            "done": request.GET.get("done", "") if not error else "",
            "back_url": reverse("staff:account:staff_list"),
            "nav": "accounts",
        },
    )


@require_GET
@requires("accounts.manage")
def staff_account(request: HttpRequest, account_id: int) -> HttpResponse:
    """One account: its role, whether it can sign in, and what may be done to it."""
    return _account_page(request, _staff_account(account_id))


@require_http_methods(["GET", "POST"])
@requires("accounts.manage")
def staff_new(request: HttpRequest) -> HttpResponse:
    """Create a staff account; its holder then sets a password with a link shown once here."""
    form = NewStaffAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.create_staff_account(
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                by=_admin(request),
            )
        except ValueError:
            # Taken between the form's check and the insert (two administrators at once).
            form.add_error("username", _("There is already an account with that username"))
        else:
            token = services.password_link_token(user=account, by=_admin(request))
            return _show_link(request, account, token, why="created")
    return render(
        request,
        "accounts/staff_new.html",
        {"form": form, "back_url": reverse("staff:account:staff_list"), "nav": "accounts"},
    )


def _show_link(request: HttpRequest, account: User, token: str, *, why: str) -> HttpResponse:
    request.session[NEW_LINK] = {"account": account.pk, "link": token, "why": why}
    return redirect("staff:account:staff_link", account_id=account.pk)


@require_GET
@requires("accounts.manage")
def staff_link(request: HttpRequest, account_id: int) -> HttpResponse:
    """The set-password link just made for this account, shown this once."""
    account = _staff_account(account_id)
    made = request.session.get(NEW_LINK)
    link = why = ""
    if isinstance(made, dict) and made.get("account") == account.pk:
        del request.session[NEW_LINK]
        link = request.build_absolute_uri(
            f"{reverse('staff:account:set_password')}?{urlencode({'link': made['link']})}"
        )
        why = str(made.get("why", ""))
    return render(
        request,
        "accounts/staff_link.html",
        {
            "account": account,
            "link": link,
            "why": why,
            "hours": services.SET_PASSWORD_LINK_SECONDS // 3600,
            "nav": "accounts",
        },
    )


# --- Changing (each POST only, back to the account's page) ------------------------------------


def _back(account: User, done: str) -> HttpResponse:
    return redirect(
        f"{reverse('staff:account:staff_account', args=[account.pk])}?{urlencode({'done': done})}"
    )


def _refused(
    request: HttpRequest, account: User, error: services.AccountChangeRefused, change: str
) -> HttpResponse:
    message = REFUSALS.get((change, error.reason), _("That change is not allowed"))
    return _account_page(request, account, error=str(message), error_target=change)


@require_POST
@requires("accounts.manage")
def staff_role(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _staff_account(account_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _account_page(request, account, role_form=form)
    try:
        services.set_role(user=account, role=form.cleaned_data["role"], by=_admin(request))
    except services.AccountChangeRefused as refused:
        return _refused(request, account, refused, "role")
    return _back(account, "role")


@require_POST
@requires("accounts.manage")
def staff_deactivate(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _staff_account(account_id)
    try:
        services.deactivate_account(user=account, by=_admin(request))
    except services.AccountChangeRefused as refused:
        return _refused(request, account, refused, "deactivate")
    return _back(account, "deactivated")


@require_POST
@requires("accounts.manage")
def staff_reactivate(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _staff_account(account_id)
    services.reactivate_account(user=account, by=_admin(request))
    return _back(account, "reactivated")


@require_POST
@requires("accounts.manage")
def staff_reset(request: HttpRequest, account_id: int) -> HttpResponse:
    """Remove the account's second factors and password; show the set-password link once."""
    account = _staff_account(account_id)
    if not account.is_active:
        return _account_page(
            request,
            account,
            error=_("Reactivate the account before resetting its sign-in methods"),
            error_target="reset",
        )
    try:
        token = services.reset_sign_in_methods(user=account, by=_admin(request))
    except services.AccountChangeRefused as refused:
        return _refused(request, account, refused, "reset")
    return _show_link(request, account, token, why="reset")


@require_POST
@requires("accounts.manage")
def staff_password_link(request: HttpRequest, account_id: int) -> HttpResponse:
    """A new set-password link, for someone who has forgotten their password."""
    account = _staff_account(account_id)
    if not account.is_active:
        return _account_page(
            request,
            account,
            error=_("Reactivate the account before making a set-password link"),
            error_target="link",
        )
    token = services.password_link_token(user=account, by=_admin(request))
    return _show_link(request, account, token, why="link")


@require_POST
@requires("accounts.manage")
def staff_unlock(request: HttpRequest, account_id: int) -> HttpResponse:
    """Let the account try its password again now, instead of after the lockout's wait."""
    account = _staff_account(account_id)
    services.unlock_sign_in(user=account, by=_admin(request))
    return _back(account, "unlocked")


# --- Setting a password with a link ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest) -> HttpResponse:
    """Open to whoever holds a set-password link; the link's secret is moved to the session at
    once, so the page's address holds it only on that first request."""
    if "link" in request.GET:
        opened = services.account_of_link(request.GET.get("link"))
        if opened is None:
            request.session.pop(OPENED_LINK, None)
            return render(request, "accounts/set_password_invalid.html")
        request.session[OPENED_LINK] = {"account": opened[0].pk, "token": opened[1]}
        return redirect("staff:account:set_password")
    kept = request.session.get(OPENED_LINK)
    holder = _account_of_kept_link(kept) if isinstance(kept, dict) else None
    if kept is None or holder is None:
        return render(request, "accounts/set_password_invalid.html")
    form = SetPasswordForm(request.POST or None, user=holder)
    if request.method == "POST" and form.is_valid():
        if services.set_password_with_link(
            user=holder, token=str(kept["token"]), password=form.cleaned_data["password"]
        ):
            del request.session[OPENED_LINK]
            request.session[JUST_SET_NOTICE] = True
            return redirect("staff:login")
        return render(request, "accounts/set_password_invalid.html")
    return render(
        request, "accounts/set_password.html", {"form": form, "username": holder.username}
    )


def _account_of_kept_link(kept: dict[str, Any]) -> User | None:
    account_id, token = kept.get("account"), kept.get("token")
    if not isinstance(account_id, int) or not isinstance(token, str):
        return None
    link = services.link_for(account_id=account_id, token=token)
    opened = services.account_of_link(link)
    return opened[0] if opened else None

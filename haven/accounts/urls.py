"""The second factor and a person's own account, under /staff/account/ (namespace
``staff:account``), and account administration under /staff/account/admin/. Sign-in and
sign-out stay at /staff/sign-in/ and /staff/sign-out/."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from haven.accounts import admin_views, passkeys, views
from haven.accounts.access import PASSKEY_CEREMONY, PUBLIC

app_name = "account"

# One staff account's page; each change to it posts to its own URL below it.
ACCOUNT = "admin/<int:account_id>/"


def marked(view: Any, access: str) -> Any:
    """Say who may call a view that is not wrapped by ``requires`` (the access walk reads it)."""
    view.required_permission = access
    return view


urlpatterns = [
    path("", views.account, name="home"),
    path("set-up/", views.enrol, name="enrol"),
    path("verify/", views.verify, name="verify"),
    path("recovery/", views.recovery, name="recovery"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("set-password/", marked(admin_views.set_password, PUBLIC), name="set_password"),
    path("admin/", admin_views.staff_list, name="staff_list"),
    path("admin/new/", admin_views.staff_new, name="staff_new"),
    path(f"{ACCOUNT}", admin_views.staff_account, name="staff_account"),
    path(f"{ACCOUNT}link/", admin_views.staff_link, name="staff_link"),
    path(f"{ACCOUNT}role/", admin_views.staff_role, name="staff_role"),
    path(f"{ACCOUNT}deactivate/", admin_views.staff_deactivate, name="staff_deactivate"),
    path(f"{ACCOUNT}reactivate/", admin_views.staff_reactivate, name="staff_reactivate"),
    path(f"{ACCOUNT}reset/", admin_views.staff_reset, name="staff_reset"),
    path(f"{ACCOUNT}password-link/", admin_views.staff_password_link, name="staff_password_link"),
    path(f"{ACCOUNT}unlock/", admin_views.staff_unlock, name="staff_unlock"),
    path(
        "passkey/register/begin/",
        marked(passkeys.RegisterBegin.as_view(), PASSKEY_CEREMONY),
        name="passkey_register_begin",
    ),
    path(
        "passkey/register/complete/",
        marked(passkeys.RegisterComplete.as_view(), PASSKEY_CEREMONY),
        name="passkey_register_complete",
    ),
    path(
        "passkey/verify/begin/",
        marked(passkeys.VerifyBegin.as_view(), PASSKEY_CEREMONY),
        name="passkey_verify_begin",
    ),
    path(
        "passkey/verify/complete/",
        marked(passkeys.VerifyComplete.as_view(), PASSKEY_CEREMONY),
        name="passkey_verify_complete",
    ),
    path(
        "passkey/jsi18n/",
        marked(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), PUBLIC),
        name="passkey_jsi18n",
    ),
]

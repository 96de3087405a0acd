"""The second factor and a person's own account, under /staff/account/ (namespace
``staff:account``). Sign-in and sign-out stay at /staff/sign-in/ and /staff/sign-out/."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from haven.accounts import passkeys, views
from haven.accounts.access import PASSKEY_CEREMONY, PUBLIC

app_name = "account"


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

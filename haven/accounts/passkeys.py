"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

The library's JSON views run the two ceremonies; Haven wraps them so that only signed-in staff
accounts reach them, each outcome is audited, and a first passkey also issues recovery codes.
The browser part is the library's own script, served as a static file (CSP allows 'self').
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from haven.accounts import services


def relying_party_id(request: HttpRequest) -> str:
    """The configured relying party, or the host staff reached (already held to ALLOWED_HOSTS)."""
    if settings.HAVEN_WEBAUTHN_RP_ID:
        return str(settings.HAVEN_WEBAUTHN_RP_ID)
    host = request.get_host()
    if host.startswith("["):  # an IPv6 literal cannot be a relying party; WebAuthn refuses it
        return host.partition("]")[0][1:]
    return host.rsplit(":", 1)[0] if ":" in host else host


class PasskeyHelper(WebAuthnHelper):  # type: ignore[misc]
    def get_allowed_origins(self) -> list[str]:
        configured = list(settings.HAVEN_WEBAUTHN_ORIGINS)
        if configured:
            return configured
        return [f"{self.request.scheme}://{self.request.get_host()}"]


class StaffOnly(exceptions.OTPWebAuthnApiError):  # type: ignore[misc]
    status_code = 403
    default_code = "staff_only"
    default_detail = _("Only staff accounts can use passkeys here.")


def _check_staff(request: HttpRequest) -> None:
    if not services.is_staff_account(request.user):
        raise StaffOnly()


def configuration(request: HttpRequest) -> dict[str, Any]:
    """What the library's script reads from the page (as JSON, never as inline script)."""
    from django.middleware import csrf

    return {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": "input[name='next']",
        "csrfToken": csrf.get_token(request),
        "beginAuthenticationUrl": reverse("staff:account:passkey_verify_begin"),
        "completeAuthenticationUrl": reverse("staff:account:passkey_verify_complete"),
        "beginRegistrationUrl": reverse("staff:account:passkey_register_begin"),
        "completeRegistrationUrl": reverse("staff:account:passkey_register_complete"),
    }


class RegisterBegin(BeginCredentialRegistrationView):  # type: ignore[misc]
    """Start adding a passkey. The library refuses an account that has a second factor but has
    not used it in this session, so a password alone cannot add an attacker's passkey."""

    def check_can_register(self) -> None:
        _check_staff(self.request)


class RegisterComplete(CompleteCredentialRegistrationView):  # type: ignore[misc]
    def check_can_register(self) -> None:
        _check_staff(self.request)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        user = self.request.user
        first = not services.has_second_factor(user)
        was_verified = services.is_verified(user)
        try:
            with transaction.atomic():
                response: HttpResponse = super().post(*args, **kwargs)
                if not was_verified:
                    # The library has just marked the session verified with the new passkey.
                    services.second_factor_passed(request=self.request)
                    services.remember_device(request=self.request, response=response)
                services.record_passkey_enrolled(user=user)
                if first:
                    self.request.session[services.NEW_RECOVERY_CODES] = (
                        services.issue_recovery_codes(user=user)
                    )
        except exceptions.OTPWebAuthnApiError:
            with transaction.atomic():
                services.record_passkey_failed(user=user, stage="register")
            raise
        return response


class VerifyBegin(BeginCredentialAuthenticationView):  # type: ignore[misc]
    def check_can_authenticate(self) -> None:
        _check_staff(self.request)
        super().check_can_authenticate()


class VerifyComplete(CompleteCredentialAuthenticationView):  # type: ignore[misc]
    def check_can_authenticate(self) -> None:
        _check_staff(self.request)
        super().check_can_authenticate()

    def complete_auth(self, device: Any) -> None:
        # Only signed-in staff reach this view (check_can_authenticate), so unlike the library's
        # version there is no password-less sign-in to do here.
        services.second_factor_passed(request=self.request, device=device)

    def get_success_url(self) -> str:
        target = str(self.request.GET.get("next", ""))
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return reverse("staff:account:home")

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        user = self.request.user
        try:
            response: HttpResponse = super().post(*args, **kwargs)
        except exceptions.OTPWebAuthnApiError:
            with transaction.atomic():
                services.record_passkey_failed(user=user, stage="verify")
            raise
        with transaction.atomic():
            services.record_passkey_verified(user=user)
        services.remember_device(request=self.request, response=response)
        return response

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _

from haven.accounts.services import could_be_username
from haven.core import govuk


class SignInUsernameField(UsernameField):
    """The username as typed, NUL bytes and all, so that the password backend (not a field
    error) refuses what no account can be called, and the attempt counts as a failure."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = []

    def bound_data(self, data: Any, initial: Any) -> Any:
        # A name no account can have is not shown again: the page never echoes hostile input.
        return data if isinstance(data, str) and could_be_username(data) else ""


class SignInForm(AuthenticationForm):
    """Django's sign-in form. Any input, however long or odd, gets the one "enter a correct
    username and password" answer and is counted by django-axes like any wrong password."""

    username = SignInUsernameField(widget=forms.TextInput(attrs={"autofocus": True}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django refuses a NUL byte with its own field error, before authenticate() runs; the
        # password is only compared with a hash, so any text may reach it.
        self.fields["password"].validators = []
        self.fields["username"].error_messages["required"] = _("Enter your username")
        self.fields["password"].error_messages["required"] = _("Enter your password")


class AppCodeForm(govuk.Form):
    """The 6-digit code an authenticator app shows. Spaces and hyphens are forgiven."""

    code = forms.CharField(
        max_length=12,
        error_messages={
            "required": _("Enter the 6-digit code from your authenticator app"),
            "max_length": _("The code is 6 digits"),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if ch not in " -")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("The code is 6 digits, like 123456"))
        return code


class RecoveryCodeForm(govuk.Form):
    code = forms.CharField(
        max_length=24,
        error_messages={
            "required": _("Enter one of your recovery codes"),
            "max_length": _("A recovery code is 12 letters and numbers"),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "class": "govuk-input--width-20"},
        ),
    )

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _

from haven.accounts.roles import Role
from haven.accounts.services import (
    USERNAME_MAX,
    USERNAME_MIN,
    could_be_username,
    normalise_username,
    username_problem,
)
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


# --- Account administration ---------------------------------------------------------------------

USERNAME_PROBLEMS = {
    "short": _("The username must be at least %(num)s characters"),
    "long": _("The username must be %(num)s characters or fewer"),
    "characters": _(
        "The username can only use lower-case letters a to z, numbers, full stops, hyphens and "
        "underscores, and must start with a letter or number"
    ),
    "taken": _("There is already an account with that username"),
}

ROLE_HINTS = {
    Role.ADVISOR: _("Reads reports and works the cases they claim or are given."),
    Role.SUPERVISOR: _(
        "Everything an advisor does, and assigns, restricts and closes cases, and sees the team "
        "and the audit trail."
    ),
    Role.ADMINISTRATOR: _(
        "Looks after staff accounts and reads the audit trail. Does not read reports or cases."
    ),
}


def _role_field() -> forms.ChoiceField:
    field = forms.ChoiceField(
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select a role"),
            "invalid_choice": _("Select a role"),
        },
    )
    field.item_hints = {str(role): hint for role, hint in ROLE_HINTS.items()}  # type: ignore[attr-defined]
    return field


class NewStaffAccountForm(govuk.Form):
    """A new staff account: its username and role. Its holder chooses the password."""

    # The browser is given no maxlength, so a long name gets this message rather than being
    # cut without a word.
    username = forms.CharField(
        max_length=USERNAME_MAX,
        strip=True,
        error_messages={
            "required": _("Enter a username"),
            "max_length": _("The username must be %(limit_value)s characters or fewer"),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "govuk-input--width-20"}
        ),
    )
    role = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("maxlength", None)

    def clean_username(self) -> str:
        username = normalise_username(self.cleaned_data["username"])
        problem = username_problem(username)
        if problem:
            limits = {"short": USERNAME_MIN, "long": USERNAME_MAX}
            raise forms.ValidationError(
                str(USERNAME_PROBLEMS[problem]) % {"num": limits.get(problem, "")}
            )
        return username


class RoleForm(govuk.Form):
    role = _role_field()


class SetPasswordForm(govuk.Form):
    """A new password, typed twice, checked by the project's password validators."""

    password = forms.CharField(
        max_length=200,
        strip=False,
        error_messages={
            "required": _("Enter a new password"),
            "max_length": _("The password must be 200 characters or fewer"),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        max_length=200,
        strip=False,
        error_messages={
            "required": _("Enter the new password again"),
            "max_length": _("The password must be 200 characters or fewer"),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        try:
            password_validation.validate_password(password, self.user)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                [_password_message(item) for item in error.error_list]
            ) from None
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "password" in data
            and "password_again" in data
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", _("The passwords do not match"))
        return data


def _password_message(error: forms.ValidationError) -> str:
    """Django's password validators' messages in plain words, without their full stops."""
    params = error.params or {}
    if error.code == "password_too_short":
        return str(_("The password must be at least %(num)s characters")) % {
            "num": params.get("min_length", "")
        }
    plain = {
        "password_too_common": _("That password is too easy to guess. Choose another"),
        "password_entirely_numeric": _("The password cannot be only numbers"),
        "password_too_similar": _("The password is too like your username. Choose another"),
    }
    if error.code in plain:
        return str(plain[error.code])
    return " ".join(str(message).rstrip(".") for message in error.messages)

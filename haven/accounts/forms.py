from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AppCodeForm(forms.Form):
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


class RecoveryCodeForm(forms.Form):
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

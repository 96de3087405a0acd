"""The forms of the agency's moves on a referral. Each maps to one verb in
``haven.referrals.services``; acknowledging needs nothing but its button.

Request data is text from anyone: every field has a limit and a message of ours for each way it
can be wrong, and no message repeats what was sent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.core import govuk

# As long as a reason in case work may be (haven.staff.forms.reason_field).
TEXT_MAX = 2000
# Referral.partner_reference's column.
REFERENCE_MAX = 60


def _text(label: Any, *, required: Any, hint: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint or "",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": required,
            "max_length": _("This must be 2,000 characters or fewer"),
        },
    )


def _reference(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=REFERENCE_MAX,
        help_text=_("The number your own system gives this referral. Not a person's details."),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
        error_messages={"max_length": _("Your reference must be 60 characters or fewer")},
    )


class AcceptForm(govuk.Form):
    partner_reference = _reference(_("Your reference (optional)"))


class DeclineForm(govuk.Form):
    reason = _text(
        _("Why are you declining it?"),
        required=_("Enter why you are declining this referral"),
        hint=_("The referring advisor reads this. Say what would help, such as who to refer to."),
    )


class QuestionForm(govuk.Form):
    question = _text(
        _("What do you need to know?"),
        required=_("Enter what you need to know"),
        hint=_("The referring advisor answers you here, in the messages about this referral."),
    )


class CloseForm(govuk.Form):
    outcome = _text(
        _("What was the outcome?"),
        required=_("Enter the outcome"),
        hint=_("For example, the assessment or enquiry made and what was decided."),
    )


class ReferenceForm(govuk.Form):
    partner_reference = _reference(_("Your reference"))

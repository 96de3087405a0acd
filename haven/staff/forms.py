"""Forms for case work. Each maps to one verb in haven.cases.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases.lifecycle import Move
from haven.cases.models import ContactMethod, ContactOutcome, NoteKind
from haven.core.govuk import DatePartsField
from haven.triage.rules import Priority


def reason_field(label: Any, *, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class StatusForm(forms.Form):
    to = forms.ChoiceField(
        label=_("What happens next?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens next")},
    )
    reason = reason_field(_("Reason"))

    def __init__(self, *args: Any, moves: list[tuple[str, Move]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.moves = dict(moves)
        self.fields["to"].choices = [(to, move.label) for to, move in moves]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        move = self.moves.get(data.get("to", ""))
        if move is not None and move.needs_reason and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for this decision"))
        return data


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(
        label=_("New priority"), choices=Priority.choices, widget=forms.RadioSelect
    )
    reason = reason_field(
        _("Why are you changing it?"),
        required=True,
        error_messages={"required": _("Give a reason for changing the priority")},
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Is this a fact or your professional opinion?"),
        choices=NoteKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose fact or professional opinion")},
    )
    text = forms.CharField(
        label=_("Note"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the note")},
    )


class ContactAttemptForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How did you try?"), choices=ContactMethod.choices, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(
        label=_("What happened?"), choices=ContactOutcome.choices, widget=forms.RadioSelect
    )
    note = reason_field(_("Note (optional)"))


class SafetyActionForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Describe the action")},
    )
    owner = forms.CharField(
        label=_("Who will do it?"),
        max_length=100,
        error_messages={"required": _("Say who will do it")},
    )
    due_on = DatePartsField(label=_("Due date (optional)"), required=False, allow_future=True)


class LinkForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of the other case"),
        max_length=24,
        error_messages={"required": _("Enter a reference, like HVN-7KQ4-M2XD")},
    )

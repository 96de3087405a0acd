"""Forms for case work. Each maps to one verb in haven.cases.services.

Request data is text from anyone. Numbers and ids in it are read with ``positive_int`` and
``parse_uuid`` (never ``str.isdigit()``, which takes "²" for a digit that ``int()`` refuses),
and no error message repeats what was sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from haven.cases.lifecycle import Move, Status
from haven.cases.models import ContactMethod, ContactOutcome, NoteKind
from haven.cases.queries import QueueFilter, find_reference
from haven.cases.services import BULK_CLOSE_MAX
from haven.core import govuk
from haven.core.govuk import DatePartsField
from haven.core.parsing import parse_uuid
from haven.staff.message_templates import BY_SLUG
from haven.triage.rules import Priority


def reason_field(label: Any, *, required: bool = False, **kwargs: Any) -> forms.CharField:
    error_messages = {
        "max_length": _("The reason must be 2,000 characters or fewer"),
        **kwargs.pop("error_messages", {}),
    }
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=error_messages,
        **kwargs,
    )


def choose(message: Any) -> dict[str, Any]:
    """One message for a choice not made and for one not in the list (Django's repeats it)."""
    return {"required": message, "invalid_choice": message}


class ChosenIdsField(forms.Field):
    """Several ids ticked in a list (checkboxes of one name), each read with ``parse``."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Tick the cases in the list"),
        # A message may name the field's limit as ``%(max)s``.
        "too_many": _("Tick fewer cases"),
    }

    def __init__(self, *, parse: Callable[[str], Any], max_count: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parse = parse
        self.max_count = max_count

    def to_python(self, value: Any) -> list[Any]:
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        if len(values) > self.max_count:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.max_count}
            )
        parsed = [self.parse(item) for item in values]
        if any(item is None for item in parsed):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(parsed))


class CaseVerbForm(govuk.Form):
    """A verb on a case. On a case another advisor holds, a supervisor (who may act on it) is
    asked why: ``acting_for`` names that advisor and adds the required ``override`` field."""

    def __init__(self, *args: Any, acting_for: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting_for = acting_for
        if acting_for:
            self.fields["override"] = reason_field(
                _("Reason for acting on %(name)s's case") % {"name": acting_for},
                required=True,
                error_messages={
                    "required": _("Give a reason for acting on %(name)s's case")
                    % {"name": acting_for}
                },
            )

    @property
    def override_reason(self) -> str:
        return str(self.cleaned_data.get("override", "")) if self.acting_for else ""


class OverrideForm(CaseVerbForm):
    """A verb with nothing to fill in but, on another advisor's case, the reason for acting."""


class StatusForm(CaseVerbForm):
    to = forms.ChoiceField(
        label=_("What happens next?"),
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose what happens next")),
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


class PriorityForm(CaseVerbForm):
    priority = forms.ChoiceField(
        label=_("New priority"),
        choices=Priority.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose a priority from P1 to P4")),
    )
    reason = reason_field(
        _("Why are you changing it?"),
        required=True,
        error_messages={"required": _("Give a reason for changing the priority")},
    )


class NoteForm(govuk.Form):
    kind = forms.ChoiceField(
        label=_("Is this a fact or your professional opinion?"),
        choices=NoteKind.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose fact or professional opinion")),
    )
    text = forms.CharField(
        label=_("Note"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write the note"),
            "max_length": _("The note must be 10,000 characters or fewer"),
        },
    )


class MessageForm(CaseVerbForm):
    """A message to the reporter, through their report's page; ``template`` is the one its
    words started from, if any (only for the audit trail)."""

    template = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Message"),
        help_text=_(
            "The reporter reads this when they check on their report with their code. Write as "
            "you would speak to them. Never put a staff note here."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": _("Write the message"),
            "max_length": _("The message must be 5,000 characters or fewer"),
        },
    )

    def clean_template(self) -> str:
        """The template's name if it is one (anything else, however long, is none)."""
        chosen = str(self.cleaned_data.get("template", ""))
        return chosen if chosen in BY_SLUG else ""


class ContactAttemptForm(CaseVerbForm):
    method = forms.ChoiceField(
        label=_("How did you try?"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose how you tried to make contact")),
    )
    outcome = forms.ChoiceField(
        label=_("What happened?"),
        choices=ContactOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose what happened")),
    )
    note = reason_field(
        _("Note (optional)"),
        error_messages={"max_length": _("The note must be 2,000 characters or fewer")},
    )


class SafetyActionForm(CaseVerbForm):
    action = forms.CharField(
        label=_("Action"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Describe the action"),
            "max_length": _("The action must be 2,000 characters or fewer"),
        },
    )
    owner = forms.CharField(
        label=_("Who will do it?"),
        max_length=100,
        error_messages={
            "required": _("Say who will do it"),
            "max_length": _("Who will do it must be 100 characters or fewer"),
        },
    )
    due_on = DatePartsField(label=_("Due date (optional)"), required=False, allow_future=True)


REFERENCE_CHARACTERS = re.compile(r"[A-Z0-9-]+")


def clean_reference(value: str, message: Any) -> str:
    """A case reference in capitals, as stored; ``message`` if it cannot be one."""
    reference = value.strip().upper()
    if reference and not REFERENCE_CHARACTERS.fullmatch(reference):
        raise ValidationError(message, code="invalid")
    return reference


def reference_field(label: Any, message: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=24,
        error_messages={
            "required": message,
            "max_length": message,
            "null_characters_not_allowed": message,
        },
        **kwargs,
    )


REFERENCE_MESSAGE = _("Enter a reference, like HVN-7KQ4-M2XD")


class LinkForm(CaseVerbForm):
    reference = reference_field(_("Reference of the other case"), REFERENCE_MESSAGE)

    def clean_reference(self) -> str:
        """The reference in its canonical form, however it was typed (``hvn 3qmq 3rhh``)."""
        typed = self.cleaned_data["reference"]
        # Text of a reference's characters but not its shape is looked up as typed, and found by
        # nobody: "no case has that reference", the answer every reference without a case gets.
        return find_reference(typed) or clean_reference(typed, REFERENCE_MESSAGE)


ASSIGN_MESSAGE = _("Choose an advisor from the list")


class AssignForm(govuk.Form):
    """Who holds the case: one of ``people`` (``cases.services.assignable_staff``), or nobody."""

    # Unprefixed, as the team page's own assign forms post it ("advisor"); on the case page it
    # is the form under this key.
    page_key = "assign"

    advisor = forms.ChoiceField(
        label=_("Who should hold this case?"),
        required=False,
        error_messages=choose(ASSIGN_MESSAGE),
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.fields["advisor"].choices = [  # type: ignore[attr-defined]
            ("", _("Nobody (unassigned)")),
            *((pk, person.get_username()) for pk, person in self.people.items()),
        ]

    def chosen(self) -> User | None:
        return self.people.get(self.cleaned_data["advisor"])


class ApproveForm(govuk.Form):
    reason = reason_field(_("Anything to add? (optional)"))


class ReturnForm(govuk.Form):
    reason = reason_field(
        _("Why are you returning it?"),
        required=True,
        error_messages={"required": _("Give a reason for returning the change")},
    )


class RestrictForm(govuk.Form):
    """Who may open a restricted case, from the staff listed, and why."""

    people = forms.MultipleChoiceField(
        label=_("Who may open it? You are always included."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose the people from the list"),
            "invalid_list": _("Choose the people from the list"),
        },
    )
    reason = reason_field(
        _("Why? For example, the person of concern is a colleague"),
        required=True,
        error_messages={"required": _("Give a reason for restricting the case")},
    )

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(person.pk): person for person in staff}
        self.fields["people"].choices = [  # type: ignore[attr-defined]
            (pk, person.get_username()) for pk, person in self.staff.items()
        ]

    def chosen(self) -> list[Any]:
        return [self.staff[pk] for pk in self.cleaned_data["people"]]


class BulkCloseForm(govuk.Form):
    """The cases of a flood, ticked on the queue, and the one reason for closing them."""

    cases = ChosenIdsField(
        parse=parse_uuid,
        max_count=BULK_CLOSE_MAX,
        error_messages={
            "required": _("Tick the cases to close"),
            "invalid": _("Tick the cases to close"),
            "too_many": _("Tick at most %(max)s cases at a time"),
        },
    )
    reason = reason_field(
        _("Why are you closing these cases?"),
        required=True,
        error_messages={"required": _("Give a reason for closing these cases")},
    )


class QueueFilterForm(govuk.Form):
    """The queue's two lists, shown with what ``cases.queries.QueueFilter`` read from the query.

    Never bound: a value not offered is ignored by the filter, so the list shows "Any".
    """

    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any")), *Priority.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any open")), *Status.choices]
    )

    def __init__(self, *, filters: QueueFilter) -> None:
        # The ids are the query's names, as the checkboxes beside the lists have them.
        super().__init__(
            auto_id="%s", initial={"priority": filters.priority, "status": filters.status}
        )

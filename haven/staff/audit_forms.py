"""The audit page's filters: a date range, kinds of event, a person, a case, a partner agency.

Request data is text from anyone: every field answers hostile input (a NUL byte, ``²``, a
300-character string, the year 99999) with an error that does not repeat it, never a 5xx.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.audit.queries import EventSearch, KindGroup, kind_groups, kind_names, local_day_start
from haven.cases.models import Case
from haven.cases.queries import find_reference, may_open
from haven.core import govuk
from haven.core.govuk import DatePartsField
from haven.referrals.models import PartnerAgency

# Without dates the page shows the last seven days, today included.
DEFAULT_DAYS = 7

REFERENCE_MESSAGE = _("Enter a case reference, like HVN-7KQ4-M2XD")
# Said alike of a reference no case has and of a restricted case the person is not named on,
# so the page never tells which restricted references exist.
NO_SUCH_CASE = _("No case you can see has that reference")
PERSON_MESSAGE = _("Choose a person from the list")
KIND_MESSAGE = _("Choose the kinds of event from the list")


def _date_field(label: Any, messages: dict[str, Any]) -> DatePartsField:
    return DatePartsField(
        label=label, required=False, help_text=_("For example, 27 3 2026"), error_messages=messages
    )


# Each message names its date: the error summary lists both fields' errors together.
SINCE_MESSAGES = {
    "incomplete": _("Enter the day, month and year of the start date"),
    "invalid": _("The start date must be a real date, like 27 3 2026"),
    "future": _("The start date must be today or in the past"),
    "too_old": _("The year of the start date must be 1900 or later"),
}
UNTIL_MESSAGES = {
    "incomplete": _("Enter the day, month and year of the end date"),
    "invalid": _("The end date must be a real date, like 27 3 2026"),
    "future": _("The end date must be today or in the past"),
    "too_old": _("The year of the end date must be 1900 or later"),
}


class AuditFilterForm(govuk.Form):
    """What the audit page is asked. Bound to the query string, always; blank dates are the
    last seven days.

    The people are every staff account, active or not: a former advisor's events stay asked.
    """

    since = _date_field(_("Start date"), SINCE_MESSAGES)
    until = _date_field(_("End date"), UNTIL_MESSAGES)
    kind = forms.MultipleChoiceField(
        label=_("Kinds of event"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": KIND_MESSAGE, "invalid_list": KIND_MESSAGE},
    )
    advisor = forms.ChoiceField(
        label=_("Person"),
        required=False,
        error_messages={"invalid_choice": PERSON_MESSAGE},
    )
    reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=64,
        error_messages={
            "max_length": REFERENCE_MESSAGE,
            "null_characters_not_allowed": REFERENCE_MESSAGE,
        },
    )

    agency = forms.ChoiceField(
        label=_("Partner agency"),
        required=False,
        error_messages={"invalid_choice": _("Choose an agency from the list")},
    )

    case: Case | None = None
    person: User | None = None
    partner: PartnerAgency | None = None

    def __init__(self, data: QueryDict, *, viewer: User) -> None:
        data = data.copy()
        today = timezone.localdate()
        start = today - datetime.timedelta(days=DEFAULT_DAYS - 1)
        for name, default in (("since", start), ("until", today)):
            if not any(data.get(f"{name}-{part}") for part in ("day", "month", "year")):
                data[f"{name}-day"] = str(default.day)
                data[f"{name}-month"] = str(default.month)
                data[f"{name}-year"] = str(default.year)
        super().__init__(data)
        self.viewer = viewer
        self.groups: list[KindGroup] = kind_groups()
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            kind for group in self.groups for kind in group.kinds
        ]
        self.staff = {
            user.username: user
            for user in User.objects.filter(is_staff=True)
            .only("id", "username")
            .order_by("username")
        }
        self.fields["advisor"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            *((username, username) for username in self.staff),
        ]
        self.agencies = {
            str(a.id): a for a in PartnerAgency.objects.only("id", "name").order_by("name")
        }
        self.fields["agency"].choices = [  # type: ignore[attr-defined]
            ("", _("Any agency")),
            *((key, a.name) for key, a in self.agencies.items()),
        ]

    def clean_agency(self) -> str:
        chosen: str = self.cleaned_data["agency"]
        self.partner = self.agencies.get(chosen)
        return chosen

    def clean_advisor(self) -> str:
        username: str = self.cleaned_data["advisor"]
        self.person = self.staff.get(username)
        return username

    def clean_reference(self) -> str:
        text: str = self.cleaned_data["reference"].strip()
        if not text:
            return ""
        reference = find_reference(text)
        if reference is None:
            raise ValidationError(REFERENCE_MESSAGE, code="invalid")
        self.case = (
            Case.objects.filter(reference=reference)
            .annotate(may_open=may_open(self.viewer))
            .filter(may_open=True)
            .only("id", "report_id", "reference", "restricted")
            .first()
        )
        if self.case is None:
            raise ValidationError(NO_SUCH_CASE, code="unknown")
        return reference

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be the same as or after the start date"))
        return cleaned

    def search(self) -> EventSearch | None:
        """The search asked for; None while any filter has an error."""
        if not self.is_valid():
            return None
        since: datetime.date = self.cleaned_data["since"]
        until: datetime.date = self.cleaned_data["until"]
        return EventSearch(
            since=local_day_start(since),
            until=local_day_start(until + datetime.timedelta(days=1)),
            kinds=frozenset(self.cleaned_data["kind"]) & kind_names(),
            actor_id=self.person.pk if self.person else None,
            report_id=self.case.report_id if self.case else None,
            agency_id=self.partner.id if self.partner else None,
        )

    def audited(self) -> dict[str, Any]:
        """The filters used, as the audit event records them: ids, dates and names of kinds,
        never the text typed (a mistyped reference could be anything)."""
        if not self.is_valid():
            return {"errors": sorted(self.errors)}
        detail: dict[str, Any] = {
            "from": self.cleaned_data["since"].isoformat(),
            "to": self.cleaned_data["until"].isoformat(),
        }
        if self.cleaned_data["kind"]:
            detail["kinds"] = sorted(self.cleaned_data["kind"])
        if self.person:
            detail["person"] = self.person.pk
        if self.case:
            detail["case"] = str(self.case.id)
        if self.partner:
            detail["agency"] = str(self.partner.id)
        return detail

    def kind_checkboxes(self) -> list[dict[str, Any]]:
        """The kinds' checkboxes, one GOV.UK checkboxes group (a fieldset) per group of kinds.

        All are named ``kind``; the first checkbox has the field's id, where the error summary
        links.
        """
        bf = self["kind"]
        chosen = {str(value) for value in (bf.value() or [])}
        error = {"text": str(bf.errors[0])} if bf.errors else None
        groups = []
        for number, group in enumerate(self.groups):
            groups.append(
                {
                    "idPrefix": bf.auto_id if number == 0 else f"{bf.auto_id}-{group.slug}",
                    "name": bf.html_name,
                    "classes": "govuk-checkboxes--small",
                    "fieldset": {
                        "legend": {"text": str(group.label), "classes": "govuk-fieldset__legend--s"}
                    },
                    "errorMessage": error if number == 0 else None,
                    "items": [
                        {"value": value, "text": label, "checked": value in chosen}
                        for value, label in group.kinds
                    ],
                }
            )
        return groups

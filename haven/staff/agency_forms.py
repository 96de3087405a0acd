"""The forms of the partner agency directory's pages (``views/agencies.py``).

Each maps to a verb of ``haven.referrals.directory``: an agency's entry is checked by
``AgencyEntry.check`` as well as by its fields, and each problem it finds is shown on the field
it names. No error message repeats what was sent.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from haven.core import govuk
from haven.referrals import directory
from haven.referrals.models import AgencyKind, Delivery, PartnerAgency
from haven.staff.forms import choose

# Longer than any area list an administrator types (50 areas of 100 characters), so the
# splitting never reads a pasted book.
AREAS_MAX_LENGTH = 10_000
# A directory of 2,000 agencies is well under this; a file over it is not the directory.
IMPORT_MAX_BYTES = 1_000_000

IN_USE = [("yes", _("Yes")), ("no", _("No, it is not in use"))]


class AgencyForm(govuk.Form):
    """An agency's entry, to add (``with_in_use=False``: a new agency is in use) or change."""

    name = forms.CharField(
        label=_("Name of the agency"),
        max_length=200,
        error_messages={
            "required": _("Enter the agency's name"),
            "max_length": _("The agency's name must be 200 characters or fewer"),
        },
    )
    kind = forms.ChoiceField(
        label=_("What kind of agency is it?"),
        choices=AgencyKind.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose what kind of agency it is")),
    )
    areas = forms.CharField(
        label=_("Areas it serves"),
        help_text=_(
            "The local authority areas, one per line, for example Leeds. Advisors find the "
            "agency by any of them."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter at least one area it serves")},
    )
    delivery = forms.ChoiceField(
        label=_("How do referrals reach it?"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose how referrals reach it")),
    )
    # Checked in clean(), and only when referrals go by secure email: otherwise it is hidden
    # under its radio, and whatever it holds is not kept.
    secure_email = forms.CharField(
        label=_("Secure email address"),
        help_text=_(
            "Where exported referrals are sent, for example cpu@example.gov.uk. Needed only "
            "when referrals reach it by secure email."
        ),
        required=False,
        widget=forms.EmailInput,
    )
    out_of_hours = forms.CharField(
        label=_("Out-of-hours contact (optional)"),
        help_text=_(
            "Who advisors ring when an urgent referral is not acknowledged in time, for "
            "example Emergency duty team 0300 555 0000"
        ),
        required=False,
        max_length=200,
        error_messages={
            "max_length": _("The out-of-hours contact must be 200 characters or fewer"),
        },
    )
    active = forms.ChoiceField(
        label=_("Is the agency in use?"),
        help_text=_("Advisors are offered only the agencies in use when they make a referral."),
        choices=IN_USE,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose whether the agency is in use")),
    )

    def __init__(self, *args: Any, with_in_use: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_in_use:
            del self.fields["active"]

    @staticmethod
    def initial_for(agency: PartnerAgency) -> dict[str, Any]:
        return {
            "name": agency.name,
            "kind": agency.kind,
            "areas": "\n".join(agency.areas),
            "delivery": agency.delivery,
            "secure_email": agency.secure_email,
            "out_of_hours": agency.out_of_hours,
            "active": "yes" if agency.active else "no",
        }

    def clean_areas(self) -> list[str]:
        text = str(self.cleaned_data["areas"])
        if len(text) > AREAS_MAX_LENGTH:
            raise ValidationError(_("The areas must be 10,000 characters or fewer"), code="long")
        # split_areas cuts what is too long or too many; here the administrator is told instead.
        written = [" ".join(part.split()) for part in re.split(r"[;\n]", text)]
        if any(len(area) > directory.MAX_AREA_LENGTH for area in written):
            raise ValidationError(
                _("Each area must be %(max)s characters or fewer"),
                code="area_long",
                params={"max": directory.MAX_AREA_LENGTH},
            )
        if len({directory.area_key(area) for area in written if area}) > directory.MAX_AREAS:
            raise ValidationError(
                _("Enter at most %(max)s areas"),
                code="too_many",
                params={"max": directory.MAX_AREAS},
            )
        return directory.split_areas(text)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        by_email = data.get("delivery") == Delivery.SECURE_EMAIL
        email = str(data.get("secure_email") or "")
        if not by_email:
            data["secure_email"] = ""
        elif "secure_email" in self.errors:
            pass
        elif not email:
            self.add_error(
                "secure_email", _("Enter the secure email address referrals are sent to")
            )
        else:
            try:
                if len(email) > 254:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                self.add_error(
                    "secure_email",
                    _(
                        "Enter the secure email address in the right format, like cpu@example.gov.uk"
                    ),
                )
        # What the directory itself refuses, on the field it is about (a field already in error
        # has said what is wrong with it).
        for problem in self._entry(data).check():
            if problem.field in self.fields and problem.field not in self.errors:
                self.add_error(problem.field, problem.message)
        return data

    def _entry(self, data: dict[str, Any]) -> directory.AgencyEntry:
        return directory.AgencyEntry(
            name=str(data.get("name") or ""),
            kind=str(data.get("kind") or ""),
            areas=list(data.get("areas") or []),
            delivery=str(data.get("delivery") or ""),
            secure_email=str(data.get("secure_email") or ""),
            out_of_hours=str(data.get("out_of_hours") or ""),
            active=data.get("active", "yes") != "no",
        )

    def entry(self) -> directory.AgencyEntry:
        """The entry to save, once the form is valid."""
        return self._entry(self.cleaned_data)


class AgencySearchForm(govuk.Form):
    """The directory's search: by the area served, and whether to list agencies not in use."""

    area = forms.CharField(
        label=_("Area served"),
        help_text=_(
            "A town, city or local authority, as the directory lists it, for example Leeds"
        ),
        required=False,
        max_length=200,
        error_messages={"max_length": _("The area must be 200 characters or fewer")},
    )
    inactive = forms.MultipleChoiceField(
        label=_("Agencies not in use"),
        choices=[("yes", _("Show agencies not in use"))],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Tick the box or leave it empty"),
            "invalid_list": _("Tick the box or leave it empty"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The ids are the query's names: the error summary links to them.
        super().__init__(*args, auto_id="%s", **kwargs)


class AgencyImportForm(govuk.Form):
    """A CSV file of agencies, up to 1 MB, in UTF-8; its text is ``cleaned_data["file"]``."""

    file = forms.FileField(
        label=_("Choose the CSV file"),
        help_text=_("A CSV file saved as UTF-8, of 1 MB or smaller"),
        error_messages={
            "required": _("Choose a CSV file to import"),
            "missing": _("Choose a CSV file to import"),
            "invalid": _("Choose a CSV file to import"),
            "empty": _("The file is empty"),
            "max_length": _("The file's name is too long"),
            "contradiction": _("Choose a CSV file to import"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="%s", **kwargs)

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        assert isinstance(upload, UploadedFile)
        if upload.size is None or upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file must be 1 MB or smaller"), code="too_big")
        # One more byte than allowed: a file whose size was misreported is still cut short.
        content: bytes = upload.read(IMPORT_MAX_BYTES + 1)
        if len(content) > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file must be 1 MB or smaller"), code="too_big")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                _(
                    "The file must be a CSV file saved as UTF-8. In a spreadsheet, save it as "
                    "“CSV UTF-8”"
                ),
                code="not_utf8",
            ) from None
        if "\x00" in text:
            raise ValidationError(
                _("The file must be a CSV file: this one has characters a CSV file never has"),
                code="binary",
            )
        return text

    def upload_params(self) -> dict[str, Any]:
        """GOV.UK's file upload component's parameters (``core.govuk.field_params`` knows no
        file inputs)."""
        bf = self["file"]
        return {
            "id": bf.auto_id,
            "name": bf.html_name,
            "label": {"text": str(bf.label), "classes": "govuk-label--s"},
            "hint": {"text": str(bf.field.help_text)},
            "errorMessage": {"text": str(bf.errors[0])} if bf.errors else None,
            "attributes": {"accept": ".csv,text/csv"},
        }

"""Forms for referrals, each mapping to one verb of ``haven.referrals.services``.

The draft form has a text box per section (``words_<slug>``) and one list of the sections to
share; the referrer is always shared, so it is not in the list. Choosing the reporter's identity
reveals the box for the reason it must be shared.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.core import govuk
from haven.referrals import sections
from haven.referrals.models import AgencyKind, LawfulBasis
from haven.referrals.services import Draft
from haven.staff.forms import choose, reason_field

WORDS_MAX = 10_000


def _words_field(section: sections.Section) -> forms.CharField:
    return forms.CharField(
        label=str(section.title),
        help_text=str(section.hint),
        required=False,
        max_length=WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _("Each section must be 10,000 characters or fewer"),
        },
    )


class ReferralDraftForm(govuk.Form):
    """The advisor's referral: the words of every section, what is shared, the lawful basis."""

    share = forms.MultipleChoiceField(
        label=_("Which sections will you share with the agency?"),
        help_text=_("Who is referring is always shared."),
        required=False,
        choices=[(s.slug, s.title) for s in sections.SECTIONS if s.slug != sections.REFERRER],
        widget=forms.CheckboxSelectMultiple,
        error_messages=choose(_("Choose the sections from the list")),
    )
    reporter_reason = reason_field(_("Why must the reporter's identity be shared?"))
    lawful_basis = forms.ChoiceField(
        label=_("On what lawful basis are you sharing this?"),
        required=False,
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose the lawful basis for sharing")),
    )
    consent_by = forms.CharField(
        label=_("Who gave consent?"),
        help_text=_("For example, the child's mother, or the young person themselves."),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Who gave consent must be 200 characters or fewer")},
    )
    consent_at = forms.CharField(
        label=_("When, and how, was consent given?"),
        help_text=_("For example, 2 December 2026, by phone."),
        required=False,
        max_length=200,
        error_messages={"max_length": _("When consent was given must be 200 characters or fewer")},
    )
    no_consent_reason = reason_field(_("Why was consent not sought?"))
    urgent = forms.ChoiceField(
        label=_("Is this referral urgent?"),
        help_text=_("An urgent referral must be acknowledged within hours, not a working day."),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose whether the referral is urgent")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in sections.SECTIONS:
            field = _words_field(section)
            field.error_messages.setdefault("null_characters_not_allowed", govuk.NULL_CHARACTER)
            self.fields[f"words_{section.slug}"] = field
        self.fields["lawful_basis"].item_hints = {  # type: ignore[attr-defined]
            LawfulBasis.WITHOUT_CONSENT: _(
                "Where seeking consent would put the child at risk, or cannot be done in time."
            ),
        }

    @staticmethod
    def initial_from(draft: Draft, *, lawful_basis: str, urgent: bool) -> dict[str, Any]:
        return {
            **{f"words_{slug}": words for slug, words in draft.words.items()},
            "share": [s for s in draft.shared if s != sections.REFERRER],
            "reporter_reason": draft.reporter_reason,
            "lawful_basis": lawful_basis,
            "consent_by": draft.consent_by,
            "consent_at": draft.consent_at,
            "no_consent_reason": draft.no_consent_reason,
            "urgent": "yes" if urgent else "no",
        }

    def draft(self) -> Draft:
        data = self.cleaned_data
        return Draft(
            words={s.slug: data.get(f"words_{s.slug}", "") for s in sections.SECTIONS},
            shared=[sections.REFERRER, *data.get("share", [])],
            consent_by=data.get("consent_by", ""),
            consent_at=data.get("consent_at", ""),
            no_consent_reason=data.get("no_consent_reason", ""),
            reporter_reason=data.get("reporter_reason", ""),
        )

    def words_fields(self) -> list[forms.BoundField]:
        return [self[f"words_{s.slug}"] for s in sections.SECTIONS]


class FindAgencyForm(govuk.Form):
    """The one search of the directory on the referral form: the child's area, and a kind."""

    area = forms.CharField(
        label=_("The child's town or area"),
        help_text=_("For example, Leeds. Leave it empty to see every agency."),
        required=False,
        max_length=100,
        error_messages={"max_length": _("The area must be 100 characters or fewer")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of agency"),
        required=False,
        choices=[("", _("Any kind")), *AgencyKind.choices],
        widget=forms.Select,
        error_messages=choose(_("Choose a kind of agency from the list")),
    )


class ChooseAgencyForm(govuk.Form):
    agency = forms.ChoiceField(
        label=_("Which agency are you referring to?"),
        widget=forms.RadioSelect,
        error_messages=choose(_("Choose the agency to refer to")),
    )

    def __init__(self, *args: Any, agencies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        field.choices = [(str(a.id), a.name) for a in agencies]  # type: ignore[attr-defined]
        field.item_hints = {  # type: ignore[attr-defined]
            str(a.id): f"{a.get_kind_display()} · {'; '.join(a.areas)}" for a in agencies
        }


class ReferralReasonForm(govuk.Form):
    """A move that needs a reason: returning, revoking."""

    reason = reason_field(_("Why?"), required=True, error_messages={"required": _("Give a reason")})


class AnswerForm(govuk.Form):
    answer = forms.CharField(
        label=_("Your answer to the agency"),
        max_length=WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write your answer"),
            "max_length": _("The answer must be 10,000 characters or fewer"),
        },
    )

"""The questions of the report journey, one form per page, worded for each audience.

A child is asked about "you"; everyone else about "the child". Only "what happened" is required:
a person can send a report knowing nothing else. Every free-text field has a length limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.govuk import DatePartsField
from haven.reporting.models import AgeBand, Audience

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Text = str | _StrPromise
else:
    Text = str | Promise


@dataclass(frozen=True)
class Words:
    """One piece of wording, with variants for the audiences that need their own."""

    default: Text
    child: Text | None = None
    parent: Text | None = None
    member_of_public: Text | None = None
    professional: Text | None = None

    def for_audience(self, audience: str) -> Text:
        variant = getattr(self, audience, None) if audience in Audience.values else None
        return variant if variant is not None else self.default


YES_NO_UNKNOWN = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("I don't know"))]


class Question(forms.Form):
    """A question page. ``heading`` is the page's h1 when it asks more than one thing."""

    heading: ClassVar[Words | None] = None
    wording: ClassVar[dict[str, dict[str, Words]]] = {}
    choice_wording: ClassVar[dict[str, dict[str, Words]]] = {}

    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audience = audience
        for name, words in self.wording.items():
            if "label" in words:
                self.fields[name].label = words["label"].for_audience(audience)
            if "hint" in words:
                self.fields[name].help_text = words["hint"].for_audience(audience)
        for name, choices in self.choice_wording.items():
            field = self.fields[name]
            field.choices = [  # type: ignore[attr-defined]
                (value, choices[value].for_audience(audience) if value in choices else label)
                for value, label in field.choices  # type: ignore[attr-defined]
            ]

    def page_heading(self) -> str:
        if self.heading is not None:
            return str(self.heading.for_audience(self.audience))
        return str(next(iter(self.fields.values())).label)

    def answers(self) -> dict[str, Any]:
        """The cleaned data in a form that survives JSON (dates as ISO strings)."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            out[name] = value
        return out


def radio(choices: Sequence[tuple[str, Text]], **kwargs: Any) -> forms.ChoiceField:
    kwargs.setdefault("required", False)
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **kwargs)


def text(
    max_length: int, *, autocomplete: str = "off", width: str = "", **kwargs: Any
) -> forms.CharField:
    attrs = {"autocomplete": autocomplete}
    if width:
        attrs["class"] = width
    kwargs.setdefault("required", False)
    return forms.CharField(max_length=max_length, widget=forms.TextInput(attrs=attrs), **kwargs)


def long_text(max_length: int, rows: int = 5, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("required", False)
    return forms.CharField(
        max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), strip=True, **kwargs
    )


class AudienceForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Who are you?"),
        choices=[
            (Audience.CHILD.value, _("A child or young person")),
            (Audience.PARENT.value, _("A parent or carer")),
            (Audience.PUBLIC.value, _("A member of the public")),
            (Audience.PROFESSIONAL.value, _("A professional who works with children")),
        ],
        widget=forms.RadioSelect,
        help_text=_("We will show you information that fits. You can change this at any time."),
        error_messages={"required": _("Select who you are")},
    )
    audience.item_hints = {  # type: ignore[attr-defined]
        Audience.CHILD.value: _("You are under 18 and something has happened to you or a friend"),
        Audience.PUBLIC.value: _("You are worried about a child, even one you do not know"),
        Audience.PROFESSIONAL.value: _(
            "For example, a teacher, social worker, nurse or youth worker"
        ),
    }


class SafeguardingPolicyQuestion(Question):
    policy_followed = radio(
        [
            ("yes", _("Yes")),
            ("not_yet", _("Not yet")),
            ("no_policy", _("My organisation does not have a safeguarding policy")),
        ],
        label=_("Have you followed your organisation's safeguarding policy?"),
        help_text=_(
            "For example, you have told your designated safeguarding lead. Do this first, "
            "because they may need to act straight away."
        ),
    )


class StatutoryServicesQuestion(Question):
    told_statutory = radio(
        YES_NO_UNKNOWN,
        label=_("Have you already told local children's social care or the police?"),
    )
    statutory_agency = text(200, label=_("Who did you tell? (optional)"))
    statutory_reference = text(
        100, label=_("Their reference number (optional)"), width="govuk-input--width-20"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("told_statutory") != "yes":
            data["statutory_agency"] = ""
            data["statutory_reference"] = ""
        return data


class DangerQuestion(Question):
    danger_now = radio(
        [("yes", _("Yes")), ("no", _("No")), ("unknown", _("I'm not sure"))],
        label=_("Is a child in danger right now?"),
        help_text=_(
            "For example, someone is on their way to meet them, or the child is with that person now."
        ),
    )
    wording = {
        "danger_now": {
            "label": Words(
                _("Is a child in danger right now?"), child=_("Are you in danger right now?")
            ),
            "hint": Words(
                _(
                    "For example, someone is on their way to meet the child, or the child is with that person now."
                ),
                child=_(
                    "For example, someone is on their way to meet you, or you are with them now."
                ),
            ),
        }
    }


IN_SCOPE_CONCERNS = [
    "asked_for_images",
    "sexual_messages",
    "threats_or_money",
    "wants_to_meet",
    "images_shared",
    "something_else",
]
OUT_OF_SCOPE_CONCERNS = ["bullying", "fake_account", "hacked_account"]


class ConcernQuestion(Question):
    concerns = forms.MultipleChoiceField(
        required=False,
        choices=[(value, value) for value in IN_SCOPE_CONCERNS + OUT_OF_SCOPE_CONCERNS],
        widget=forms.CheckboxSelectMultiple,
    )
    concerns.divider_before = "bullying"  # type: ignore[attr-defined]
    wording = {
        "concerns": {
            "label": Words(_("What is worrying you?"), child=_("What has happened?")),
            "hint": Words(
                _("Select all that apply. If you are not sure, you can leave this and continue.")
            ),
        }
    }
    choice_wording = {
        "concerns": {
            "asked_for_images": Words(
                _("Someone asked the child for sexual pictures or videos"),
                child=_("Someone asked me for sexual pictures or videos"),
            ),
            "sexual_messages": Words(
                _("Someone sent the child sexual messages or talked to them about sex"),
                child=_("Someone sent me sexual messages or talked to me about sex"),
            ),
            "threats_or_money": Words(
                _("Someone is threatening the child or asking for money"),
                child=_("Someone is threatening me or asking me for money"),
            ),
            "wants_to_meet": Words(
                _("Someone wants to meet the child"), child=_("Someone wants to meet me")
            ),
            "images_shared": Words(
                _("Sexual pictures or videos of the child are being shared"),
                child=_("Pictures or videos of me are being shared"),
            ),
            "something_else": Words(
                _("Something else sexual that worries you"),
                child=_("Something else that made me feel uncomfortable"),
            ),
            "bullying": Words(_("Bullying or unkind messages")),
            "fake_account": Words(
                _("A fake account, or someone pretending to be the child"),
                child=_("A fake account, or someone pretending to be me"),
            ),
            "hacked_account": Words(
                _("Someone got into the child's account (hacking)"),
                child=_("Someone got into my account (hacking)"),
            ),
        }
    }


def only_out_of_scope(concerns: list[str]) -> bool:
    """True when every concern ticked is one the service does not handle on its own."""
    return bool(concerns) and all(c in OUT_OF_SCOPE_CONCERNS for c in concerns)


class WhatHappenedQuestion(Question):
    what_happened = long_text(
        10_000,
        rows=10,
        required=True,
        error_messages={
            "required": _("Tell us what happened, even if you only know a little"),
            "max_length": _("What happened must be 10,000 characters or fewer"),
        },
    )
    # The honeypot: hidden from people by CSS; a robot that fills every box fills it.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this blank"))
    wording = {
        "what_happened": {
            "label": Words(_("What happened?"), child=_("Tell us what happened")),
            "hint": Words(
                _(
                    "Tell us what you know, in your own words. You do not need all the details. "
                    "Please do not blame the child: it is never their fault."
                ),
                child=_(
                    "Use your own words. You do not need to know all the details. "
                    "Whatever happened, it is not your fault."
                ),
            ),
        }
    }


class WhenQuestion(Question):
    when = radio(
        [
            ("date", _("On a date")),
            ("ongoing", _("It is still happening")),
            ("unknown", _("I don't know")),
        ],
    )
    when.divider_before = "unknown"  # type: ignore[attr-defined]
    when_date = DatePartsField(
        required=False,
        label=_("Date"),
        help_text=_("For example, 27 3 2026. If you only know roughly, give your best guess."),
    )
    wording = {
        "when": {
            "label": Words(_("When did it happen?"), child=_("When did it happen?")),
        }
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "date":
            if not data.get("when_date") and "when_date" not in self.errors:
                self.add_error("when_date", _("Enter the date, or choose \u201cI don't know\u201d"))
        else:
            data["when_date"] = None
        return data


class PlatformQuestion(Question):
    """One platform of the "add another" list on the "where" page."""

    platform = text(
        100,
        label=_("Name of the app, website or game"),
        help_text=_("For example, a social network, a chat app or an online game."),
    )
    usernames = long_text(
        1_000,
        rows=3,
        label=_("Their usernames or profile links on it (optional)"),
    )
    wording = {
        "usernames": {
            "label": Words(
                _("The usernames or profile links of the person you are worried about (optional)"),
                child=_("The usernames or profile links of the person (optional)"),
            ),
            "hint": Words(_("Put each one on a new line.")),
        }
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("usernames") and not data.get("platform"):
            self.add_error("platform", _("Enter the name of the app, website or game"))
        return data


MAX_PLATFORMS = 10


class ChildQuestion(Question):
    heading = Words(_("About the child"), child=_("About you"))
    child_name = text(
        100, label=_("Their first name or initials (optional)"), width="govuk-input--width-20"
    )
    child_age_band = radio(
        [
            (AgeBand.UNDER_13.value, _("Under 13")),
            (AgeBand.FROM_13_TO_15.value, _("13 to 15")),
            (AgeBand.FROM_16_TO_17.value, _("16 or 17")),
            (AgeBand.ADULT.value, _("18 or over")),
            (AgeBand.UNKNOWN.value, _("I don't know")),
        ],
    )
    child_age_band.divider_before = AgeBand.UNKNOWN.value  # type: ignore[attr-defined]
    child_age = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=25,
        label=_("Exact age, if you know it (optional)"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
        error_messages={
            "invalid": _("Age must be a number, like 14"),
            "min_value": _("Age must be 0 or more"),
            "max_value": _(
                "Age must be 25 or less. If the person is now an adult, choose 18 or over"
            ),
        },
    )
    child_area = text(100, label=_("Town or area where they live (optional)"), autocomplete="off")
    relationship = radio(
        [
            ("my_child", _("I am their parent or carer")),
            ("relative", _("I am a relative")),
            ("professional", _("I know them through my work")),
            ("friend", _("I am a friend or know their family")),
            ("none", _("I do not know them")),
            ("other", _("Something else")),
        ],
    )
    several_children = radio(YES_NO_UNKNOWN)
    wording = {
        "child_name": {
            "label": Words(
                _("The child's first name or initials (optional)"),
                child=_("Your first name or initials (optional)"),
            )
        },
        "child_age_band": {"label": Words(_("How old is the child?"), child=_("How old are you?"))},
        "child_area": {
            "label": Words(
                _("Town or area where the child lives (optional)"),
                child=_("Town or area where you live (optional)"),
            )
        },
        "relationship": {"label": Words(_("How do you know the child?"))},
        "several_children": {
            "label": Words(
                _("Is this happening to more than one child?"),
                child=_("Is this happening to other children too?"),
            )
        },
    }

    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        super().__init__(*args, audience=audience, **kwargs)
        if audience == Audience.CHILD.value:
            # A child answers about themself: there is no relationship to ask about.
            del self.fields["relationship"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        age = data.get("child_age")
        if age is not None and not data.get("child_age_band"):
            data["child_age_band"] = age_band_for(age)
        return data


def age_band_for(age: int) -> str:
    if age < 13:
        return AgeBand.UNDER_13.value
    if age < 16:
        return AgeBand.FROM_13_TO_15.value
    if age < 18:
        return AgeBand.FROM_16_TO_17.value
    return AgeBand.ADULT.value


class PersonQuestion(Question):
    heading = Words(
        _("About the person you are worried about"), child=_("About the person who worried you")
    )
    person_names = long_text(
        1_000,
        rows=3,
        label=_("Their names or usernames, if you know any (optional)"),
        help_text=_("Put each one on a new line."),
    )
    person_adult = radio(
        [
            ("yes", _("Yes")),
            ("no", _("No, they seem to be under 18")),
            ("unknown", _("I don't know")),
        ],
        label=_("Do they seem to be an adult?"),
    )
    works_with_children = radio(
        YES_NO_UNKNOWN,
        label=_("Do they work or volunteer with children?"),
        help_text=_("For example, as a teacher, sports coach, youth worker or childminder."),
    )


class OrganisationQuestion(Question):
    heading = Words(_("About your organisation"))
    organisation = text(200, label=_("Organisation (optional)"), autocomplete="organization")
    role = text(200, label=_("Your role (optional)"), autocomplete="organization-title")


PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{7,24}$")


class ContactQuestion(Question):
    heading = Words(_("How can we contact you?"))
    contact_choice = radio(
        [
            ("yes", _("I can give contact details")),
            ("no", _("I would rather not give contact details")),
        ],
        label=_("Can an advisor contact you?"),
        error_messages={"required": _("Select whether we can contact you")},
    )
    contact_choice.item_hints = {  # type: ignore[attr-defined]
        "no": _(
            "You will get a follow-up code instead: it shows the report is yours if you get in touch later."
        ),
    }
    name = text(100, label=_("Your name (optional)"), autocomplete="name")
    phone = text(30, label=_("Phone number"), autocomplete="tel", width="govuk-input--width-20")
    phone.widget.input_type = "tel"
    email = forms.EmailField(
        required=False,
        max_length=254,
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": _("Enter an email address in the right format, like name@example.com")
        },
    )
    safe_times = text(200, label=_("When is it safe to contact you? (optional)"))
    leave_message = radio(YES_NO_UNKNOWN[:2], label=_("Can we leave a message?"))
    wording = {
        "safe_times": {
            "label": Words(_("When is it safe to contact you? (optional)")),
            "hint": Words(
                _("For example, weekday evenings."),
                child=_("For example, after school, when you can talk privately."),
            ),
        },
        "contact_choice": {
            "hint": Words(
                _(
                    "An advisor may want to talk to you about what happened and make a plan with you."
                ),
                child=_(
                    "An advisor may want to talk to you about what happened and how to keep you safe."
                ),
            ),
        },
    }

    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        super().__init__(*args, audience=audience, **kwargs)
        if audience not in settings.HAVEN_ANONYMOUS_AUDIENCES:
            self.fields["contact_choice"].choices = [("yes", _("I can give contact details"))]  # type: ignore[attr-defined]
            self.fields["contact_choice"].required = True

    @property
    def anonymous_allowed(self) -> bool:
        return self.audience in settings.HAVEN_ANONYMOUS_AUDIENCES

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        if phone and (not PHONE_RE.match(phone) or sum(ch.isdigit() for ch in phone) < 7):
            raise ValidationError(_("Enter a phone number, like 07700 900 982"))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("contact_choice")
        details_given = any(data.get(n) for n in ("name", "phone", "email", "safe_times"))
        if not self.anonymous_allowed or (not choice and details_given):
            choice = data["contact_choice"] = "yes"
        if choice == "yes":
            if (
                not data.get("phone")
                and not data.get("email")
                and not self.errors.get("phone")
                and not self.errors.get("email")
            ):
                self.add_error("phone", _("Enter a phone number or an email address"))
        else:
            for name in ("name", "phone", "email", "safe_times", "leave_message"):
                data[name] = ""
        return data

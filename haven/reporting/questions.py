"""The questions of the report journey, one form per page, worded for whoever is reporting.

A page speaks in one *voice*: an audience's (a child is asked about "you", everyone else about
"the child"), or a child telling us about a friend ("your friend"). Only "what happened" is
required: a person can send a report knowing nothing else. Every free-text field has a length
limit, and every error message is written here, in GOV.UK style, and never repeats what was sent.

Each form also says how its answers read on a summary (``rows``): the check-answers page, the
staff view and the journey's "does this answer still read the same?" all ask it.
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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.cases.queries import find_reference
from haven.core import crockford, govuk
from haven.core.govuk import DatePartsBase, MonthYearField, display_date
from haven.reporting.models import AgeBand
from haven.triage.rules import Audience

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Text = str | _StrPromise
else:
    Text = str | Promise

# A child telling us about a friend: the page speaks to the child about "your friend".
CHILD_FRIEND = "child_friend"
VOICES = (*Audience.values, CHILD_FRIEND)
# The key, in each stored answer, of the voice it was given in; no field is named like it.
VOICE_KEY = "_voice"


def voice_for(audience: str, about_whom: str | None) -> str:
    """Whose words the pages speak in, from who is reporting and whom it is about."""
    if audience == Audience.CHILD.value and about_whom == "friend":
        return CHILD_FRIEND
    return audience


def audience_of(voice: str) -> str:
    return Audience.CHILD.value if voice == CHILD_FRIEND else voice


def is_child_voice(voice: str) -> bool:
    return audience_of(voice) == Audience.CHILD.value


@dataclass(frozen=True)
class Words:
    """One piece of wording, with variants for the voices that need their own.

    A wording with a ``child`` variant speaks to a child about themself, so it needs a
    ``child_friend`` one too (a test holds every wording to that).
    """

    default: Text
    child: Text | None = None
    child_friend: Text | None = None
    parent: Text | None = None
    member_of_public: Text | None = None
    professional: Text | None = None

    def for_voice(self, voice: str) -> Text:
        variant = getattr(self, voice, None) if voice in VOICES else None
        return variant if variant is not None else self.default


# --- Error messages ----------------------------------------------------------------------------
# Each field carries a message of ours for every error it can give (a NUL byte's, the same for
# every text field, is set by govuk.Form): Django's own ("Ensure this value has at most …",
# "Select a valid choice. X is not one of …") must never reach a page.

# For an optional field's "required", which cannot happen but must not be Django's either.
ANSWER_IT = _("Answer this question")


def _text_messages(too_long: Text, enter: Text) -> dict[str, Text]:
    return {"required": enter, "max_length": too_long}


def radio(choices: Sequence[tuple[str, Text]], *, select: Text, **kwargs: Any) -> forms.ChoiceField:
    """Radios; ``select`` says what to do when nothing, or something not offered, is chosen."""
    kwargs.setdefault("required", False)
    return forms.ChoiceField(
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": select, "invalid_choice": select},
        **kwargs,
    )


def checkboxes(
    choices: Sequence[tuple[str, Text]], *, select: Text, **kwargs: Any
) -> forms.MultipleChoiceField:
    kwargs.setdefault("required", False)
    return forms.MultipleChoiceField(
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": select, "invalid_choice": select, "invalid_list": select},
        **kwargs,
    )


def text(
    max_length: int,
    *,
    too_long: Text,
    enter: Text = ANSWER_IT,
    autocomplete: str = "off",
    width: str = "",
    **kwargs: Any,
) -> forms.CharField:
    """A one-line answer; ``too_long`` is "<Name> must be <max_length> characters or fewer"."""
    attrs = {"autocomplete": autocomplete}
    if width:
        attrs["class"] = width
    kwargs.setdefault("required", False)
    return forms.CharField(
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages=_text_messages(too_long, enter),
        **kwargs,
    )


def long_text(
    max_length: int, rows: int = 5, *, too_long: Text, enter: Text = ANSWER_IT, **kwargs: Any
) -> forms.CharField:
    """A long answer, shown with the GOV.UK character count."""
    kwargs.setdefault("required", False)
    return forms.CharField(
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        strip=True,
        error_messages=_text_messages(too_long, enter),
        **kwargs,
    )


YES_NO_UNKNOWN = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("I don't know"))]
SELECT_YES_NO_UNKNOWN = _("Select yes, no or \u201cI don't know\u201d")


# --- The question pages ------------------------------------------------------------------------


class Question(govuk.Form):
    """A question page. ``heading`` is the page's h1 when it asks more than one thing."""

    heading: ClassVar[Words | None] = None
    wording: ClassVar[dict[str, dict[str, Words]]] = {}
    choice_wording: ClassVar[dict[str, dict[str, Words]]] = {}
    # Fields a person never sees (the honeypot): not on the page's list, never on a summary.
    hidden: ClassVar[frozenset[str]] = frozenset()
    # A field whose answer is shown in another field's row (a detail of that answer).
    shown_with: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, audience: str, voice: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        voice = voice or audience
        if audience_of(voice) != audience:
            raise ValueError(f"the voice {voice!r} is not one of the audience {audience!r}")
        self.audience = audience
        self.voice = voice
        for name, words in self.wording.items():
            if name not in self.fields:
                continue
            if "label" in words:
                self.fields[name].label = words["label"].for_voice(voice)
            if "hint" in words:
                self.fields[name].help_text = words["hint"].for_voice(voice)
        for name, choices in self.choice_wording.items():
            field = self.fields[name]
            field.choices = [  # type: ignore[attr-defined]
                (value, choices[value].for_voice(voice) if value in choices else label)
                for value, label in field.choices  # type: ignore[attr-defined]
            ]

    def page_heading(self) -> str:
        if self.heading is not None:
            return str(self.heading.for_voice(self.voice))
        return str(next(iter(self.fields.values())).label)

    def title(self) -> str:
        """The heading of this page's answers on a summary."""
        return self.page_heading()

    def answers(self) -> dict[str, Any]:
        """The cleaned data in a form that survives JSON, with the voice it was given in."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            out[name] = value
        out[VOICE_KEY] = self.voice
        return out

    # -- how the answers read ---------------------------------------------------------------

    def row_owner(self, name: str) -> str:
        """The field in whose row ``name`` is shown (itself, unless it is a detail)."""
        owner = self.shown_with.get(name)
        return owner if owner in self.fields else name

    def display(self, name: str, given: dict[str, Any]) -> str:
        """The answer to one field as words ("" when there is none)."""
        field = self.fields[name]
        value = given.get(name)
        if value in (None, "", []):
            return ""
        if isinstance(field, DatePartsBase):
            return display_date(value)
        choices = {str(k): str(v) for k, v in getattr(field, "choices", [])}
        if isinstance(value, list):
            return "\n".join(choices.get(str(v), str(v)) for v in value)
        if choices:
            return choices.get(str(value), str(value))
        return str(value)

    def row(self, name: str, given: dict[str, Any]) -> tuple[str, str]:
        """The key and value of the row that shows ``name``'s answer."""
        owner = self.row_owner(name)
        return (
            str(self.fields[owner].label).replace(" (optional)", ""),
            self.display(owner, given),
        )

    def rows(self, given: dict[str, Any]) -> list[tuple[str, str]]:
        """The page's answers as (question, answer) rows.

        The first question always has a row ("Not answered" if blank); the others appear only
        when they hold something, so a conditional detail never shows as a gap.
        """
        out: list[tuple[str, str]] = []
        shown = [n for n in self.fields if n not in self.hidden and self.row_owner(n) == n]
        for index, name in enumerate(shown):
            key, value = self.row(name, given)
            if value or index == 0:
                out.append((key, value or gettext("Not answered")))
        return out


class AudienceForm(govuk.Form):
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
        error_messages={
            "required": _("Select who you are"),
            "invalid_choice": _("Select who you are"),
        },
    )
    audience.item_hints = {  # type: ignore[attr-defined]
        Audience.CHILD.value: _("You are under 18 and something has happened to you or a friend"),
        Audience.PUBLIC.value: _("You are worried about a child, even one you do not know"),
        Audience.PROFESSIONAL.value: _(
            "For example, a teacher, social worker, nurse or youth worker"
        ),
    }


class AboutWhomQuestion(Question):
    about_whom = radio(
        [("me", _("Me")), ("friend", _("A friend"))],
        required=True,
        select=_("Select if this is about you or a friend"),
        label=_("Is this about you or a friend?"),
        help_text=_(
            "If it is about you and a friend, choose \u201cMe\u201d. "
            "You can tell us about your friend too."
        ),
    )


class SafeguardingPolicyQuestion(Question):
    policy_followed = radio(
        [
            ("yes", _("Yes")),
            ("not_yet", _("Not yet")),
            ("no_policy", _("My organisation does not have a safeguarding policy")),
        ],
        select=_("Select if you have followed your organisation's safeguarding policy"),
        label=_("Have you followed your organisation's safeguarding policy?"),
        help_text=_(
            "For example, you have told your designated safeguarding lead. Do this first, "
            "because they may need to act straight away."
        ),
    )


class StatutoryServicesQuestion(Question):
    told_statutory = radio(
        YES_NO_UNKNOWN,
        select=SELECT_YES_NO_UNKNOWN,
        label=_("Have you already told local children's social care or the police?"),
    )
    statutory_agency = text(
        200,
        too_long=_("Who you told must be 200 characters or fewer"),
        label=_("Who did you tell? (optional)"),
    )
    statutory_reference = text(
        100,
        too_long=_("Their reference number must be 100 characters or fewer"),
        label=_("Their reference number (optional)"),
        width="govuk-input--width-20",
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
        select=_("Select yes, no or \u201cI'm not sure\u201d"),
    )
    wording = {
        "danger_now": {
            "label": Words(
                _("Is a child in danger right now?"),
                child=_("Are you in danger right now?"),
                child_friend=_("Is your friend in danger right now?"),
            ),
            "hint": Words(
                _(
                    "For example, someone is on their way to meet the child, or the child is with that person now."
                ),
                child=_(
                    "For example, someone is on their way to meet you, or you are with them now."
                ),
                child_friend=_(
                    "For example, someone is on their way to meet your friend, or your friend is with them now."
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
    concerns = checkboxes(
        [(value, value) for value in IN_SCOPE_CONCERNS + OUT_OF_SCOPE_CONCERNS],
        select=_("Select from the list, or leave it blank"),
    )
    concerns.divider_before = "bullying"  # type: ignore[attr-defined]
    wording = {
        "concerns": {
            "label": Words(
                _("What is worrying you?"),
                child=_("What has happened?"),
                child_friend=_("What is worrying you?"),
            ),
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
                child_friend=_("Someone asked my friend for sexual pictures or videos"),
            ),
            "sexual_messages": Words(
                _("Someone sent the child sexual messages or talked to them about sex"),
                child=_("Someone sent me sexual messages or talked to me about sex"),
                child_friend=_(
                    "Someone sent my friend sexual messages or talked to them about sex"
                ),
            ),
            "threats_or_money": Words(
                _("Someone is threatening the child or asking for money"),
                child=_("Someone is threatening me or asking me for money"),
                child_friend=_("Someone is threatening my friend or asking them for money"),
            ),
            "wants_to_meet": Words(
                _("Someone wants to meet the child"),
                child=_("Someone wants to meet me"),
                child_friend=_("Someone wants to meet my friend"),
            ),
            "images_shared": Words(
                _("Sexual pictures or videos of the child are being shared"),
                child=_("Pictures or videos of me are being shared"),
                child_friend=_("Pictures or videos of my friend are being shared"),
            ),
            "something_else": Words(
                _("Something else sexual that worries you"),
                child=_("Something else that made me feel uncomfortable"),
                child_friend=_("Something else that made my friend or me feel uncomfortable"),
            ),
            "bullying": Words(_("Bullying or unkind messages")),
            "fake_account": Words(
                _("A fake account, or someone pretending to be the child"),
                child=_("A fake account, or someone pretending to be me"),
                child_friend=_("A fake account, or someone pretending to be my friend"),
            ),
            "hacked_account": Words(
                _("Someone got into the child's account (hacking)"),
                child=_("Someone got into my account (hacking)"),
                child_friend=_("Someone got into my friend's account (hacking)"),
            ),
        }
    }


def only_out_of_scope(concerns: list[str]) -> bool:
    """True when every concern ticked is one the service does not handle on its own."""
    return bool(concerns) and all(c in OUT_OF_SCOPE_CONCERNS for c in concerns)


class WhatHappenedQuestion(Question):
    # One label for everyone: the person's own words stay theirs whoever they say they are, so
    # a change of audience never asks them to write it again.
    what_happened = long_text(
        10_000,
        rows=10,
        required=True,
        label=_("What happened?"),
        enter=_("Tell us what happened, even if you only know a little"),
        too_long=_("What happened must be 10,000 characters or fewer"),
    )
    # The honeypot: hidden from people by CSS; a robot that fills every box fills it.
    website = forms.CharField(
        required=False,
        max_length=200,
        label=_("Leave this blank"),
        error_messages=_text_messages(_("Leave this blank"), _("Leave this blank")),
    )
    hidden = frozenset({"website"})
    wording = {
        "what_happened": {
            "hint": Words(
                _(
                    "Tell us what you know, in your own words. You do not need all the details. "
                    "Please do not blame the child: it is never their fault."
                ),
                child=_(
                    "Use your own words. You do not need to know all the details. "
                    "Whatever happened, it is not your fault."
                ),
                child_friend=_(
                    "Use your own words. You do not need to know all the details. "
                    "Whatever happened, it is not your friend's fault, and you are doing the "
                    "right thing by telling us."
                ),
            ),
        }
    }


class WhenQuestion(Question):
    when = radio(
        [
            ("date", _("I know the month")),
            ("ongoing", _("It is still happening")),
            ("unknown", _("I don't know")),
        ],
        select=_("Select when it happened, or \u201cI don't know\u201d"),
        label=_("When did it happen?"),
    )
    when.divider_before = "unknown"  # type: ignore[attr-defined]
    when_date = MonthYearField(
        required=False,
        label=_("Month and year"),
        help_text=_("For example, 3 2026. If you are not sure, give your best guess."),
    )
    shown_with = {"when_date": "when"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "date":
            if not data.get("when_date") and "when_date" not in self.errors:
                self.add_error(
                    "when_date", _("Enter the month and year, or choose \u201cI don't know\u201d")
                )
        else:
            data["when_date"] = None
        return data

    def display(self, name: str, given: dict[str, Any]) -> str:
        if name == "when" and given.get("when") == "date" and given.get("when_date"):
            return display_date(given["when_date"])
        return super().display(name, given)


class PlatformQuestion(Question):
    """One platform of the "add another" list on the "where" page."""

    platform = text(
        100,
        too_long=_("The name of the app, website or game must be 100 characters or fewer"),
        label=_("Name of the app, website or game"),
        help_text=_("For example, a social network, a chat app or an online game."),
    )
    usernames = long_text(
        1_000,
        rows=3,
        too_long=_("Usernames and profile links must be 1,000 characters or fewer"),
        label=_("Their usernames or profile links on it (optional)"),
    )
    wording = {
        "usernames": {
            "label": Words(
                _("The usernames or profile links of the person you are worried about (optional)"),
                child=_("The usernames or profile links of the person (optional)"),
                child_friend=_("The usernames or profile links of the person (optional)"),
            ),
            "hint": Words(_("Put each one on a new line.")),
        }
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("usernames") and not data.get("platform"):
            self.add_error("platform", _("Enter the name of the app, website or game"))
        return data

    def title(self) -> str:
        return gettext("Where it happened online")

    def rows(self, given: dict[str, Any]) -> list[tuple[str, str]]:
        """One row per platform added, with the usernames seen there."""
        platforms = given.get("platforms", [])
        if not platforms:
            return [(gettext("Apps, websites or games"), gettext("Not answered"))]
        return [
            (
                str(platform.get("platform") or gettext("Not named")),
                str(platform.get("usernames") or gettext("No usernames given")),
            )
            for platform in platforms
        ]


MAX_PLATFORMS = 10

# How an age band from before exact ages were asked reads ("unknown" was "I don't know").
LEGACY_AGE_BANDS = {
    **{band.value: band.label for band in AgeBand},
    AgeBand.UNKNOWN.value: _("I don't know"),
}


class ChildQuestion(Question):
    """About the child. The age is a number, or "I don't know"; its band is worked out here."""

    heading = Words(_("About the child"), child=_("About you"), child_friend=_("About your friend"))
    child_name = text(
        100,
        too_long=_("Name or initials must be 100 characters or fewer"),
        width="govuk-input--width-20",
    )
    child_age_known = radio(
        [("known", _("I know how old they are")), ("unknown", _("I don't know"))],
        select=_("Select if you know how old they are"),
    )
    child_age_known.divider_before = "unknown"  # type: ignore[attr-defined]
    child_age = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=25,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        help_text=_("For example, 14"),
        error_messages={
            "required": _("Enter their age, or choose \u201cI don't know\u201d"),
            "invalid": _("Age must be a number, like 14"),
            "min_value": _("Age must be 0 or more"),
            "max_value": _("Age must be 25 or under. If they are older, tell us in what happened"),
        },
    )
    child_area = text(
        100, too_long=_("Town or area must be 100 characters or fewer"), autocomplete="off"
    )
    relationship = radio(
        [
            ("my_child", _("I am their parent or carer")),
            ("relative", _("I am a relative")),
            ("professional", _("I know them through my work")),
            ("friend", _("I am a friend or know their family")),
            ("none", _("I do not know them")),
            ("other", _("Something else")),
        ],
        select=_("Select how you know the child"),
    )
    several_children = radio(YES_NO_UNKNOWN, select=SELECT_YES_NO_UNKNOWN)
    shown_with = {"child_age": "child_age_known"}
    wording = {
        "child_name": {
            "label": Words(
                _("The child's first name or initials (optional)"),
                child=_("Your first name or initials (optional)"),
                child_friend=_("Your friend's first name or initials (optional)"),
            )
        },
        "child_age_known": {
            "label": Words(
                _("How old is the child?"),
                child_friend=_("How old is your friend?"),
            )
        },
        "child_age": {
            "label": Words(
                _("Age"),
                child=_("How old are you?"),
                child_friend=_("Age"),
            )
        },
        "child_area": {
            "label": Words(
                _("Town or area where the child lives (optional)"),
                child=_("Town or area where you live (optional)"),
                child_friend=_("Town or area where your friend lives (optional)"),
            )
        },
        "relationship": {"label": Words(_("How do you know the child?"))},
        "several_children": {
            "label": Words(
                _("Is this happening to more than one child?"),
                child=_("Is this happening to other children too?"),
                child_friend=_("Is this happening to other children too?"),
            )
        },
    }

    def __init__(self, *args: Any, audience: str, voice: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, audience=audience, voice=voice, **kwargs)
        if is_child_voice(self.voice):
            # A child is the child, or the friend: there is no relationship to ask about.
            del self.fields["relationship"]
        if self.voice == Audience.CHILD.value:
            # A child knows their own age: the number alone is asked, and may be left blank.
            del self.fields["child_age_known"]
        elif self.is_bound and self.data.get("child_age") and not self.data.get("child_age_known"):
            # An age typed without choosing (the box is not hidden without JavaScript) means
            # "I know how old they are": shown so, an error on the age is not hidden under it.
            # (A plain dict: this page has no field of several values.)
            self.data = {**{key: self.data[key] for key in self.data}, "child_age_known": "known"}
        elif self.initial and "child_age_known" not in self.initial:
            # An answer stored before "I don't know" was its own choice.
            if self.initial.get("child_age") is not None:
                self.initial["child_age_known"] = "known"
            elif self.initial.get("child_age_band") == AgeBand.UNKNOWN.value:
                self.initial["child_age_known"] = "unknown"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        age = data.get("child_age")
        if "child_age_known" in self.fields:
            known = data.get("child_age_known") or ("known" if age is not None else "")
            if known == "unknown":
                age = data["child_age"] = None
            elif known == "known" and age is None and "child_age" not in self.errors:
                self.add_error("child_age", self.fields["child_age"].error_messages["required"])
            data["child_age_known"] = known
        else:
            known = "known" if age is not None else ""
        if age is not None:
            data["child_age_band"] = age_band_for(age)
        else:
            data["child_age_band"] = AgeBand.UNKNOWN.value if known == "unknown" else ""
        return data

    def display(self, name: str, given: dict[str, Any]) -> str:
        if name in ("child_age_known", "child_age") and self.row_owner("child_age") == name:
            age = given.get("child_age")
            if isinstance(age, int):
                return str(age)
            if given.get("child_age_known") == "unknown":
                return str(_("I don't know"))
            # A report from before exact ages were asked holds only the band.
            return str(LEGACY_AGE_BANDS.get(str(given.get("child_age_band") or ""), ""))
        return super().display(name, given)


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
        _("About the person you are worried about"),
        child=_("About the person who worried you"),
        child_friend=_("About the person you are worried about"),
    )
    person_names = long_text(
        1_000,
        rows=3,
        too_long=_("Names or usernames must be 1,000 characters or fewer"),
        label=_("Their names or usernames, if you know any (optional)"),
        help_text=_("Put each one on a new line."),
    )
    person_adult = radio(
        [
            ("yes", _("Yes")),
            ("no", _("No, they seem to be under 18")),
            ("unknown", _("I don't know")),
        ],
        select=SELECT_YES_NO_UNKNOWN,
        label=_("Do they seem to be an adult?"),
    )
    works_with_children = radio(
        YES_NO_UNKNOWN,
        select=SELECT_YES_NO_UNKNOWN,
        label=_("Do they work or volunteer with children?"),
        help_text=_("For example, as a teacher, sports coach, youth worker or childminder."),
    )


class OrganisationQuestion(Question):
    heading = Words(_("About your organisation"))
    organisation = text(
        200,
        too_long=_("Organisation must be 200 characters or fewer"),
        label=_("Organisation (optional)"),
        autocomplete="organization",
    )
    role = text(
        200,
        too_long=_("Your role must be 200 characters or fewer"),
        label=_("Your role (optional)"),
        autocomplete="organization-title",
    )


PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{7,24}$")


class ContactQuestion(Question):
    heading = Words(_("How can we contact you?"))
    contact_choice = radio(
        [
            ("yes", _("I can give contact details")),
            ("no", _("I would rather not give contact details")),
        ],
        select=_("Select whether we can contact you"),
        label=_("Can an advisor contact you?"),
    )
    contact_choice.item_hints = {  # type: ignore[attr-defined]
        "no": _(
            "You will get a follow-up code instead: it shows the report is yours if you get in touch later."
        ),
    }
    name = text(
        100,
        too_long=_("Name must be 100 characters or fewer"),
        label=_("Your name (optional)"),
        autocomplete="name",
    )
    phone = text(
        30,
        too_long=_("Phone number must be 30 characters or fewer"),
        enter=_("Enter a phone number or an email address"),
        label=_("Phone number"),
        autocomplete="tel",
        width="govuk-input--width-20",
    )
    phone.widget.input_type = "tel"
    email = forms.EmailField(
        required=False,
        max_length=254,
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter a phone number or an email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
            "max_length": _("Email address must be 254 characters or fewer"),
        },
    )
    safe_times = text(
        200,
        too_long=_("When it is safe to contact you must be 200 characters or fewer"),
        label=_("When is it safe to contact you? (optional)"),
    )
    leave_message = radio(
        YES_NO_UNKNOWN[:2], select=_("Select yes or no"), label=_("Can we leave a message?")
    )
    wording = {
        "safe_times": {
            "label": Words(_("When is it safe to contact you? (optional)")),
            "hint": Words(
                _("For example, weekday evenings."),
                child=_("For example, after school, when you can talk privately."),
                child_friend=_("For example, after school, when you can talk privately."),
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
                child_friend=_(
                    "An advisor may want to talk to you about what happened and how to keep your friend safe."
                ),
            ),
        },
    }

    def __init__(self, *args: Any, audience: str, voice: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, audience=audience, voice=voice, **kwargs)
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


CODE_MESSAGE = _("Enter your follow-up code as it was shown to you: 16 letters and numbers")


class CheckForm(govuk.Form):
    """The reference and follow-up code of a report, typed back in any usual way."""

    reference = forms.CharField(
        label=_("Your reference"),
        max_length=64,
        error_messages={
            "required": _("Enter your reference"),
            "max_length": _("Enter your reference as it was shown to you"),
            "null_characters_not_allowed": _("Enter your reference as it was shown to you"),
        },
    )
    code = forms.CharField(
        label=_("Your follow-up code"),
        help_text=_("16 letters and numbers, in groups of four. Capital letters are not needed."),
        max_length=64,
        error_messages={
            "required": _("Enter your follow-up code"),
            "max_length": CODE_MESSAGE,
            "null_characters_not_allowed": CODE_MESSAGE,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example = f"{settings.HAVEN_REFERENCE_PREFIX}-7KQ2-M4TD"
        self.fields["reference"].help_text = _(
            "It was shown when you sent your report, for example %(example)s"
        ) % {"example": example}

    def clean_reference(self) -> str:
        reference = find_reference(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _("Enter your reference as it was shown to you, for example %(example)s")
                % {"example": f"{settings.HAVEN_REFERENCE_PREFIX}-7KQ2-M4TD"},
                code="invalid",
            )
        return reference

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        normalised = crockford.normalise(code)
        if len(normalised) != 16 or not crockford.is_valid(normalised):
            raise forms.ValidationError(CODE_MESSAGE, code="invalid")
        return normalised


# --- The reporter's side of the conversation (checking on a report) ----------------------------


class ReplyForm(govuk.Form):
    text = long_text(
        5_000,
        rows=6,
        required=True,
        too_long=_("Your message must be 5,000 characters or fewer"),
        enter=_("Write your message"),
        label=_("Write a message to the advisor"),
        help_text=_("Only advisors working on your report can read it."),
    )


class AddInformationForm(PlatformQuestion):
    """More for the report: what happened since or was remembered, whether a child is in danger
    now (asked as the journey asks it), and one more place online, as the "where" page asks."""

    heading = Words(_("Add to your report"))
    text = long_text(
        10_000,
        rows=8,
        too_long=_("What you add must be 10,000 characters or fewer"),
        label=_("What do you want to add?"),
    )
    danger_now = DangerQuestion.base_fields["danger_now"]
    field_order = ["text", "danger_now", "platform", "usernames"]
    wording = {
        **PlatformQuestion.wording,
        **DangerQuestion.wording,
        "text": {
            # Not "(optional)": it is the page's question, though where it happened online
            # alone, or that a child is in danger now, is enough (``clean``).
            "label": Words(_("What do you want to add?")),
            "hint": Words(
                _(
                    "Something you have remembered, or something that has happened since. You can leave this empty if you only want to tell us where it happened online."
                ),
                child=_(
                    "Something you have remembered, or something that has happened since. Nothing you say will get you into trouble. You can leave this empty if you only want to tell us where it happened online."
                ),
                child_friend=_(
                    "Something you have remembered, or something that has happened since. You can leave this empty if you only want to tell us where it happened online."
                ),
            ),
        },
        "platform": {
            "label": Words(_("Another app, website or game where it happened (optional)")),
        },
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (
            data.get("text") or data.get("platform") or data.get("danger_now") == "yes"
        ):
            self.add_error("text", _("Write what you want to add, or where it happened online"))
        return data

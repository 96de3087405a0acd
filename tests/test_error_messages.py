"""Every public error message is ours, in GOV.UK style, and none repeats what was sent.

Django's own messages ("Ensure this value has at most …", "Select a valid choice. X is not one
of the available choices.") must never reach a public page, and no hostile value makes a 500.
"""

from __future__ import annotations

import inspect
from html import unescape
from typing import Any

import pytest
from django import forms
from django.core import validators

from haven.reporting import journey as steps
from haven.reporting import questions
from tests.conftest import text_of as raw_text_of
from tests.journey import step_url

VOICES = ["child", "child_friend", "parent", "member_of_public", "professional"]


def text_of(response):
    """The page's text with entities decoded (an apostrophe is &#39; in the HTML)."""
    return unescape(raw_text_of(response))


def public_form_classes() -> list[type[forms.Form]]:
    return [
        cls
        for _name, cls in inspect.getmembers(questions, inspect.isclass)
        if issubclass(cls, forms.Form)
        and cls.__module__ == questions.__name__
        and cls is not questions.Question
    ]


def build(cls: type[forms.Form], voice: str) -> forms.Form:
    if issubclass(cls, questions.Question):
        return cls(audience=questions.audience_of(voice), voice=voice)
    return cls()


def django_defaults() -> set[str]:
    """Every default message Django's form fields and validators carry."""
    messages: set[str] = set()
    for module in (forms.fields,):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            for klass in cls.__mro__:
                for message in getattr(klass, "default_error_messages", {}).values():
                    messages.add(str(message))
    for _name, cls in inspect.getmembers(validators, inspect.isclass):
        message = getattr(cls, "message", None)
        if message is not None:
            messages.add(str(message))
    return messages


def fields_of_every_public_form() -> list[tuple[str, str, forms.Field]]:
    out = []
    for cls in public_form_classes():
        for voice in VOICES:
            form = build(cls, voice)
            for name, field in form.fields.items():
                out.append((f"{cls.__name__}.{name} ({voice})", name, field))
    return out


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in public_form_classes()}
    assert {"AudienceForm", "AboutWhomQuestion", "ChildQuestion", "ContactQuestion"} <= names
    assert len(names) >= 12


def field_id(value: object) -> str:
    """A test id that is the same in every process: a field's repr holds its memory address,
    and pytest-xdist refuses workers whose collections differ."""
    return type(value).__name__ if isinstance(value, forms.Field) else str(value)[:60]


@pytest.mark.parametrize(("where", "name", "field"), fields_of_every_public_form(), ids=field_id)
def test_every_field_has_its_own_message_for_every_error_it_can_give(where, name, field):
    defaults = django_defaults()
    codes = set(field.error_messages) | {
        getattr(v, "code", None) for v in field.validators if getattr(v, "code", None)
    }
    for code in codes:
        assert code in field.error_messages, f"{where}: no message of ours for {code!r}"
        message = str(field.error_messages[code])
        assert message not in defaults, f"{where}: Django's message for {code!r}: {message}"
        assert "%(value)" not in message and "%(show_value)" not in message, where
        assert message[0].isupper() and not message.endswith("."), f"{where}: {message}"


def test_the_check_would_catch_a_django_default():
    field = forms.CharField(max_length=10)
    assert str(field.error_messages["required"]) in django_defaults()
    assert str(validators.MaxLengthValidator.message) in django_defaults()


CRAFTED = "<b>x</b>"
DJANGO_WORDS = [
    "Select a valid choice",
    "is not one of the available choices",
    "Ensure this value",
    "Enter a whole number",
    "Enter a list of values",
    "This field is required",
    "Null characters are not allowed",
    "Enter a valid",
]


def answer_form(journey: Any, audience: str, about: str | None = None) -> None:
    journey.choose(audience)
    if about:
        journey.answer("about-whom", {"about_whom": about})


def choice_fields(voice: str) -> list[tuple[str, str, bool]]:
    """(step, field, multiple) for every radio and checkbox question this person sees."""
    out = []
    for step in steps.STEPS:
        audience = questions.audience_of(voice)
        if not step.applies(audience, {}):
            continue
        form = step.form(audience=audience, voice=voice)
        for name, field in form.fields.items():
            if isinstance(field, forms.ChoiceField):
                out.append((step.slug, name, isinstance(field, forms.MultipleChoiceField)))
    return out


@pytest.mark.parametrize(
    ("audience", "about"),
    [("child", "me"), ("child", "friend"), ("parent", None), ("professional", None)],
)
def test_a_crafted_choice_is_refused_without_repeating_it_or_using_djangos_words(
    journey, audience, about
):
    answer_form(journey, audience, about)
    voice = "child_friend" if about == "friend" else audience
    checked = 0
    for slug, name, _multiple in choice_fields(voice):
        response = journey.client.post(step_url(slug), {name: CRAFTED})
        assert response.status_code == 200, (slug, name)
        html = response.content.decode()
        text = text_of(response)
        assert "There is a problem" in text, (slug, name)
        assert CRAFTED not in html and "&lt;b&gt;x" not in html and "x</b>" not in html
        for words in DJANGO_WORDS:
            assert words not in text, (slug, name, words)
        checked += 1
    assert checked >= 7


HOSTILE = ["²", "a\x00b", "x" * 300, CRAFTED, "\u202e" * 3, "9" * 5000]


def text_fields(voice: str) -> list[tuple[str, str]]:
    out = []
    for step in steps.STEPS:
        audience = questions.audience_of(voice)
        if not step.applies(audience, {}):
            continue
        form = step.form(audience=audience, voice=voice)
        for bf in form:
            names = (
                [f"{bf.html_name}-{part}" for part in bf.field.widget.parts]
                if hasattr(bf.field.widget, "parts")
                else [bf.html_name]
            )
            out += [(step.slug, n) for n in names]
    return out


@pytest.mark.parametrize(
    ("audience", "about"),
    [("child", "me"), ("child", "friend"), ("parent", None), ("professional", None)],
)
def test_no_hostile_value_in_any_field_makes_a_server_error(journey, audience, about):
    answer_form(journey, audience, about)
    voice = "child_friend" if about == "friend" else audience
    for slug, name in text_fields(voice):
        for value in HOSTILE:
            data = {name: value}
            if slug == "when":
                data["when"] = "date"
            if slug == "child":
                data.setdefault("child_age_known", "known")
            response = journey.client.post(step_url(slug), data)
            assert response.status_code in (200, 302), (slug, name, value[:10])
            text = text_of(response) if response.status_code == 200 else ""
            for words in DJANGO_WORDS:
                assert words not in text, (slug, name, value[:10], words)


@pytest.mark.parametrize(
    ("slug", "data", "message"),
    [
        ("what-happened", {"what_happened": "a\x00b"}, "Your answer has a character we cannot"),
        ("child", {"child_name": "x" * 101}, "Name or initials must be 100 characters or fewer"),
        ("child", {"child_area": "x" * 101}, "Town or area must be 100 characters or fewer"),
        (
            "child",
            {"child_age_known": "known", "child_age": "²"},
            "Age must be a number, like 14",
        ),
        ("contact", {"name": "x" * 101, "phone": "07700 900982"}, "Name must be 100 characters"),
        ("danger", {"danger_now": CRAFTED}, "Select yes, no or"),
        ("concern", {"concerns": [CRAFTED]}, "Select from the list, or leave it blank"),
    ],
)
def test_each_error_says_what_to_do(journey, slug, data, message):
    journey.choose("parent")
    response = journey.client.post(step_url(slug), data)
    assert response.status_code == 200
    assert message in text_of(response)

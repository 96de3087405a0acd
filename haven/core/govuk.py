"""Django form fields as GOV.UK Frontend macro parameters, mapped once, here.

Templates never build a macro's dictionary by hand: ``field(form["x"])`` returns the macro to
call and its parameters, with the value, the error message and the hint already in place, and
``error_summary(form)`` returns the error summary's list with links to the right inputs.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Django's validator for NUL bytes speaks in its own words ("Null characters are not allowed."),
# which must never reach a page: every text field of a Form here says this instead.
NULL_CHARACTER = _("Your answer has a character we cannot use. Remove it and try again")


class Form(forms.Form):
    """A form whose every text field answers a NUL byte with our message, not Django's.

    The other messages (required, too long, a choice not offered) are each field's own, since
    they name the question; a test walks every form for Django's defaults.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            if isinstance(form_field, forms.CharField):
                form_field.error_messages.setdefault("null_characters_not_allowed", NULL_CHARACTER)


class DatePartsWidget(forms.Widget):
    """One input per part, named ``<name>-day``, ``-month``, ``-year``, as the GOV.UK date input."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, parts: tuple[str, ...] = ("day", "month", "year")
    ) -> None:
        super().__init__(attrs)
        self.parts = parts

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, ...]:
        # Cut to 8 characters: a part is a few digits, and a huge one must not reach int().
        return tuple(str(data.get(f"{name}-{part}", "")).strip()[:8] for part in self.parts)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in self.parts)


class DatePartsBase(forms.Field):
    """What a date typed in parts shares: reading the parts as numbers and the date's limits."""

    parts: tuple[str, ...] = ()
    default_error_messages = {
        "required": _("Enter the date"),
        "too_old": _("The year must be 1900 or later"),
    }

    def __init__(self, *, allow_future: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DatePartsWidget(parts=self.parts))
        super().__init__(**kwargs)
        self.allow_future = allow_future

    def _numbers(self, value: Any) -> list[int] | None:
        """The parts as whole numbers, in ``parts`` order; None when every part is blank."""
        if not value or not any(value):
            return None
        if not all(value):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            return [int(part) for part in value]
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def _real_date(self, **parts: int) -> datetime.date:
        try:
            result = datetime.date(parts["year"], parts["month"], parts.get("day", 1))
        except (ValueError, OverflowError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if result.year < 1900:
            raise ValidationError(self.error_messages["too_old"], code="too_old")
        if not self.allow_future and result > timezone.localdate():
            raise ValidationError(self.error_messages["future"], code="future")
        return result

    def prepare_value(self, value: Any) -> tuple[str, ...]:
        """The text of each part: from the stored ISO text, or as typed when the form is bound."""
        if isinstance(value, (tuple, list)) and len(value) == len(self.parts):
            return tuple(str(part) for part in value)
        if isinstance(value, str) and value:
            value = _parse_iso(value)
        if isinstance(value, datetime.date):
            known = {"day": value.day, "month": value.month, "year": value.year}
            return tuple(str(known[part]) for part in self.parts)
        return tuple("" for _part in self.parts)


def _parse_iso(value: str) -> datetime.date | None:
    """A stored "YYYY-MM-DD", or "YYYY-MM" (the first of that month); None for anything else."""
    try:
        if len(value) == len("2026-03"):
            return datetime.date.fromisoformat(f"{value}-01")
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


class DatePartsField(DatePartsBase):
    """A date typed as day, month and year; must be a real date, today or earlier."""

    parts = ("day", "month", "year")
    default_error_messages = {
        "incomplete": _("Enter the day, month and year, or leave the date blank"),
        "invalid": _("The date must be a real date, like 27 3 2026"),
        "future": _("The date must be today or in the past"),
    }

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        numbers = self._numbers(value)
        if numbers is None:
            return None
        day, month, year = numbers
        return self._real_date(day=day, month=month, year=year)


class MonthYearField(DatePartsBase):
    """A month typed as month and year, for when people know roughly but not the day.

    Its value is the text "YYYY-MM"; this month or earlier unless ``allow_future``.
    """

    parts = ("month", "year")
    default_error_messages = {
        "incomplete": _("Enter the month and the year, like 3 2026"),
        "invalid": _("Enter a real month and year, like 3 2026"),
        "future": _("The month must be this month or in the past"),
    }

    def to_python(self, value: Any) -> str | None:
        numbers = self._numbers(value)
        if numbers is None:
            return None
        month, year = numbers
        first = self._real_date(month=month, year=year)
        return f"{first.year:04d}-{first.month:02d}"


def display_date(value: Any) -> str:
    """A stored date in words: "YYYY-MM" as "March 2026", "YYYY-MM-DD" as "27 March 2026"."""
    text = str(value or "")
    parsed = _parse_iso(text)
    if parsed is None:
        return text
    return date_format(parsed, "F Y" if len(text) == len("2026-03") else "j F Y")


def _first_error(bf: forms.BoundField) -> dict[str, str] | None:
    return {"text": str(bf.errors[0])} if bf.errors else None


def _value(bf: forms.BoundField) -> Any:
    value = bf.value()
    return bf.field.prepare_value(value) if isinstance(bf.field, DatePartsBase) else value


def _anchor(bf: forms.BoundField) -> str:
    if isinstance(bf.field, DatePartsBase):
        return f"{bf.auto_id}-{bf.field.parts[0]}"
    return bf.auto_id


# The width of each part's input, as the GOV.UK date input has them.
DATE_PART_WIDTHS = {
    "day": "govuk-input--width-2",
    "month": "govuk-input--width-2",
    "year": "govuk-input--width-4",
}
DATE_PART_LABELS = {"day": _("Day"), "month": _("Month"), "year": _("Year")}


def _character_count_texts(max_length: int) -> dict[str, Any]:
    """The character count's words, translated, with the limit written as people read it.

    The description is shown as it is when JavaScript is off; with JavaScript the count of
    characters left replaces it. ``%{count}`` is filled in by GOV.UK Frontend's script.
    """
    limit = number_format(max_length, force_grouping=True)
    return {
        "textareaDescriptionText": ngettext(
            "You can enter up to %(limit)s character",
            "You can enter up to %(limit)s characters",
            max_length,
        )
        % {"limit": limit},
        "charactersUnderLimitText": {
            "one": str(_("You have %{count} character remaining")),
            "other": str(_("You have %{count} characters remaining")),
        },
        "charactersAtLimitText": str(_("You have 0 characters remaining")),
        "charactersOverLimitText": {
            "one": str(_("You have %{count} character too many")),
            "other": str(_("You have %{count} characters too many")),
        },
    }


def field_params(
    bf: forms.BoundField,
    *,
    heading: bool = False,
    size: str = "m",
    conditionals: dict[str, str] | None = None,
    label: str | None = None,
    hint: str | None = None,
    width: str | None = None,
) -> dict[str, Any]:
    """The macro name and its parameters for one bound field.

    ``heading`` makes the label (or legend) the page's h1, as GOV.UK question pages do when a
    page asks one thing. ``conditionals`` maps a radio value to HTML revealed under it.
    """
    field = bf.field
    widget = field.widget
    text = str(label if label is not None else bf.label)
    hint_text = hint if hint is not None else (str(field.help_text) if field.help_text else "")
    size_class = f"govuk-label--{size}" if heading or size != "m" else ""
    common: dict[str, Any] = {
        "hint": {"text": hint_text} if hint_text else None,
        "errorMessage": _first_error(bf),
    }
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        multiple = isinstance(widget, forms.CheckboxSelectMultiple)
        current = _value(bf)
        selected = {str(v) for v in current} if multiple and current else {str(current or "")}
        item_hints: dict[str, str] = getattr(field, "item_hints", {})
        exclusive: set[str] = set(getattr(field, "exclusive", ()))
        divider_before = getattr(field, "divider_before", None)
        items: list[dict[str, Any]] = []
        for value, choice_label in field.choices:  # type: ignore[attr-defined]
            value = str(value)
            if value == divider_before:
                items.append({"divider": str(_("or"))})
            item: dict[str, Any] = {
                "value": value,
                "text": str(choice_label),
                "checked": value in selected,
            }
            if value in item_hints:
                item["hint"] = {"text": str(item_hints[value])}
            if value in exclusive:
                item["behaviour"] = "exclusive"
            if conditionals and value in conditionals:
                item["conditional"] = {"html": conditionals[value]}
            items.append(item)
        params = {
            "idPrefix": bf.auto_id,
            "name": bf.html_name,
            "fieldset": {
                "legend": {
                    "text": text,
                    "isPageHeading": heading,
                    "classes": f"govuk-fieldset__legend--{size}"
                    if heading or size != "m"
                    else "govuk-fieldset__legend--s",
                }
            },
            "items": items,
            **common,
        }
        return {"macro": "checkboxes" if multiple else "radios", "params": params}
    if isinstance(field, DatePartsBase):
        error_class = " govuk-input--error" if bf.errors else ""
        params = {
            "id": bf.auto_id,
            "namePrefix": bf.html_name,
            "fieldset": {
                "legend": {
                    "text": text,
                    "isPageHeading": heading,
                    "classes": f"govuk-fieldset__legend--{size}"
                    if heading
                    else "govuk-fieldset__legend--s",
                }
            },
            "items": [
                {
                    "name": part,
                    "label": str(DATE_PART_LABELS[part]),
                    "value": value,
                    "classes": DATE_PART_WIDTHS[part] + error_class,
                }
                for part, value in zip(field.parts, _value(bf), strict=True)
            ],
            **common,
        }
        return {"macro": "date", "params": params}
    label_params = {
        "text": text,
        "isPageHeading": heading,
        "classes": size_class or "govuk-label--s",
    }
    value = _value(bf)
    attrs = widget.attrs
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        current = str(value or "")
        params = {
            "id": bf.auto_id,
            "name": bf.html_name,
            "items": [
                {
                    "value": str(choice),
                    "text": str(choice_label),
                    "selected": str(choice) == current,
                }
                for choice, choice_label in field.choices  # type: ignore[attr-defined]
            ],
            "label": label_params,
            "classes": width or attrs.get("class", ""),
            **common,
        }
        return {"macro": "select", "params": params}
    if isinstance(widget, forms.Textarea):
        params = {
            "id": bf.auto_id,
            "name": bf.html_name,
            "value": value or "",
            "label": label_params,
            "rows": attrs.get("rows", 8),
            "spellcheck": True,
            **common,
        }
        max_length = getattr(field, "max_length", None)
        if max_length:
            # The character count counts and warns but never cuts: the server says when the
            # answer is too long (an HTML maxlength would drop the end of a pasted answer).
            params["maxlength"] = max_length
            params.update(_character_count_texts(max_length))
            return {"macro": "character_count", "params": params}
        return {"macro": "textarea", "params": params}
    input_type = getattr(widget, "input_type", "text")
    # No maxlength attribute: a browser would silently cut what is typed or pasted; the
    # server's error message says how long the answer may be instead.
    params = {
        "id": bf.auto_id,
        "name": bf.html_name,
        "type": input_type if input_type in ("email", "tel", "password") else "text",
        "value": value or "",
        "label": label_params,
        "classes": width or attrs.get("class", ""),
        "autocomplete": attrs.get("autocomplete", "off"),
        "spellcheck": False if input_type in ("email", "tel") else None,
        "inputmode": attrs.get("inputmode"),
        **common,
    }
    return {"macro": "input", "params": params}


def error_summary(*forms_: forms.Form | None) -> list[dict[str, str]]:
    """The GOV.UK error summary list for one or more forms, in field order."""
    entries: list[dict[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound or not form.errors:
            continue
        for error in form.non_field_errors():
            entries.append({"text": str(error), "href": "#main-content"})
        for name in form.fields:
            bf = form[name]
            if bf.errors:
                entries.append({"text": str(bf.errors[0]), "href": f"#{_anchor(bf)}"})
    return entries

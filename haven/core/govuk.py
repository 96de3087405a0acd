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
from django.utils.translation import gettext_lazy as _


class DatePartsWidget(forms.Widget):
    """Three inputs named ``<name>-day``, ``-month`` and ``-year``, as the GOV.UK date input."""

    parts = ("day", "month", "year")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str, str]:
        day, month, year = (str(data.get(f"{name}-{part}", "")).strip()[:8] for part in self.parts)
        return (day, month, year)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in self.parts)


class DatePartsField(forms.Field):
    """A date typed as day, month and year; must be a real date, today or earlier."""

    widget = DatePartsWidget
    default_error_messages = {
        "incomplete": _("Enter the day, month and year, or leave the date blank"),
        "invalid": _("The date must be a real date, like 27 3 2026"),
        "future": _("The date must be today or in the past"),
        "too_old": _("The year must be 1900 or later"),
    }

    def __init__(self, *, allow_future: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_future = allow_future

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        if not value or not any(value):
            return None
        if not all(value):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            day, month, year = (int(part) for part in value)
            result = datetime.date(year, month, day)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if result.year < 1900:
            raise ValidationError(self.error_messages["too_old"], code="too_old")
        if not self.allow_future and result > timezone.localdate():
            raise ValidationError(self.error_messages["future"], code="future")
        return result

    def prepare_value(self, value: Any) -> tuple[str, str, str]:
        if isinstance(value, datetime.date):
            return (str(value.day), str(value.month), str(value.year))
        if isinstance(value, str) and value:
            parsed = datetime.date.fromisoformat(value)
            return (str(parsed.day), str(parsed.month), str(parsed.year))
        if isinstance(value, (tuple, list)) and len(value) == 3:
            return (str(value[0]), str(value[1]), str(value[2]))
        return ("", "", "")


def _first_error(bf: forms.BoundField) -> dict[str, str] | None:
    return {"text": str(bf.errors[0])} if bf.errors else None


def _value(bf: forms.BoundField) -> Any:
    value = bf.value()
    return bf.field.prepare_value(value) if isinstance(bf.field, DatePartsField) else value


def _anchor(bf: forms.BoundField) -> str:
    if isinstance(bf.field, DatePartsField):
        return f"{bf.auto_id}-day"
    return bf.auto_id


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
    if isinstance(field, DatePartsField):
        day, month, year = _value(bf)
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
                    "name": "day",
                    "label": str(_("Day")),
                    "value": day,
                    "classes": "govuk-input--width-2" + error_class,
                },
                {
                    "name": "month",
                    "label": str(_("Month")),
                    "value": month,
                    "classes": "govuk-input--width-2" + error_class,
                },
                {
                    "name": "year",
                    "label": str(_("Year")),
                    "value": year,
                    "classes": "govuk-input--width-4" + error_class,
                },
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
            params["maxlength"] = max_length
            return {"macro": "character_count", "params": params}
        return {"macro": "textarea", "params": params}
    input_type = getattr(widget, "input_type", "text")
    max_length = getattr(field, "max_length", None)
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
        "attributes": {"maxlength": str(max_length)} if max_length else {},
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

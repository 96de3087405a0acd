"""Answers as summary rows: the check-answers page and the staff view both read them here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from haven.core.govuk import DatePartsField
from haven.reporting import journey

HIDDEN_FIELDS = {"website"}


@dataclass
class Row:
    key: str
    value: str


@dataclass
class Section:
    slug: str
    title: str
    rows: list[Row] = field(default_factory=list)


def _display(form_field: forms.Field, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(form_field, DatePartsField):
        try:
            return date_format(datetime.date.fromisoformat(str(value)), "j F Y")
        except ValueError:
            return str(value)
    choices = dict((str(k), str(v)) for k, v in getattr(form_field, "choices", []))
    if isinstance(value, list):
        return "\n".join(choices.get(str(v), str(v)) for v in value)
    if choices:
        return choices.get(str(value), str(value))
    return str(value)


def _key(label: Any) -> str:
    return str(label).replace(" (optional)", "")


def sections(audience: str, answers: journey.Answers) -> list[Section]:
    """One section per question page that applies, in journey order.

    The first field of a page always has a row ("Not answered" if blank); other fields appear
    only when they hold something, so a conditional detail never shows as a gap.
    """
    out: list[Section] = []
    for step in journey.steps_for(audience, answers):
        given = answers.get(step.slug, {})
        if step.slug == "where":
            out.append(_where_section(given))
            continue
        form = step.form(audience=audience)
        section = Section(slug=step.slug, title=form.page_heading())
        for index, (name, form_field) in enumerate(form.fields.items()):
            if name in HIDDEN_FIELDS:
                continue
            text = _display(form_field, given.get(name))
            if text or index == 0:
                section.rows.append(
                    Row(key=_key(form_field.label), value=text or _("Not answered"))
                )
        out.append(section)
    return out


def _where_section(given: dict[str, Any]) -> Section:
    section = Section(slug="where", title=_("Where it happened online"))
    platforms = given.get("platforms", [])
    if not platforms:
        section.rows.append(Row(key=_("Apps, websites or games"), value=_("Not answered")))
    for platform in platforms:
        section.rows.append(
            Row(
                key=str(platform.get("platform") or _("Not named")),
                value=str(platform.get("usernames") or _("No usernames given")),
            )
        )
    return section

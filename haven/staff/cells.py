"""The cells every staff list repeats in each row: a case's priority and its next time target.

Written in Python rather than as Jinja macros because a 50-row queue calls them a hundred
times: as macros (with GOV.UK's tag macro inside) they were a third of the page's time. They
are offered to the staff pages by the context processor in ``navigation``.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _
from markupsafe import Markup, escape

from haven.cases.services import TimeLeft
from haven.core.jinja import duration, tag
from haven.triage.rules import TargetName

PRIORITY_COLOURS = {"P1": "red", "P2": "orange", "P3": "blue", "P4": "grey"}


def priority_tag(priority: str) -> Markup:
    return tag(priority, PRIORITY_COLOURS[priority])


def time_left(left: TimeLeft) -> Markup:
    """Which target is next and how long is left, or by how long it is overdue.

    A list shows the same few targets and spans in row after row, so each cell is written once
    per language, target and span as ``duration`` shows it (minutes under a day, whole hours
    beyond) and kept.
    """
    if left.seconds is None:
        return escape(_("No target"))
    minutes = abs(left.seconds) // 60
    shown = minutes - minutes % 60 if minutes >= 24 * 60 else minutes
    return _time_left_cell(translation.get_language(), left.target, left.overdue, shown * 60)


@lru_cache(maxsize=4096)
def _time_left_cell(language: str | None, target: str, overdue: bool, seconds: int) -> Markup:
    del language  # in the cache key only: gettext reads the active language itself
    label = Markup(
        '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{}</span>'
    )
    words = TargetName(target).label if target else ""
    if overdue:
        when = tag(_("Overdue by %(time)s") % {"time": duration(seconds)}, "red")
    else:
        when = escape(_("%(time)s left") % {"time": duration(seconds)})
    return label.format(words) + when

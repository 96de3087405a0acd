"""The cells every staff list repeats in each row: a case's priority and its next time target.

Written in Python rather than as Jinja macros because a 50-row queue calls them a hundred
times: as macros (with GOV.UK's tag macro inside) they were a third of the page's time. They
are offered to the staff pages by the context processor in ``navigation``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from markupsafe import Markup, escape

from haven.cases.services import TimeLeft
from haven.core.jinja import duration, tag

PRIORITY_COLOURS = {"P1": "red", "P2": "orange", "P3": "blue", "P4": "grey"}


def priority_tag(priority: str) -> Markup:
    return tag(priority, PRIORITY_COLOURS[priority])


def time_left(left: TimeLeft) -> Markup:
    """Which target is next and how long is left, or by how long it is overdue."""
    if left.seconds is None:
        return escape(_("No target"))
    label = Markup(
        '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{}</span>'
    )
    if left.overdue:
        when = tag(_("Overdue by %(time)s") % {"time": duration(-left.seconds)}, "red")
    else:
        when = escape(_("%(time)s left") % {"time": duration(left.seconds)})
    return label.format(left.label) + when

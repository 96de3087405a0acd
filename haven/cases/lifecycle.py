"""The case lifecycle as one table: which status may follow which, and what each move needs.

new → assessing → below threshold (then closed, with signposting)
                | meets threshold → contacting reporter → planning → action taken | referred
                  → monitoring → closed;  closed → assessing (reopen)

A case marked "many reports from one network" may also be closed from new or assessing, but
only by a supervisor's bulk close of a flood (``cases.services.close_in_bulk``), never from the
case page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSESSING = "assessing", _("Assessing")
    BELOW_THRESHOLD = "below_threshold", _("Below threshold")
    MEETS_THRESHOLD = "meets_threshold", _("Meets threshold")
    CONTACTING = "contacting_reporter", _("Contacting reporter")
    PLANNING = "planning", _("Planning")
    ACTION_TAKEN = "action_taken", _("Action taken")
    REFERRED = "referred", _("Referred")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


@dataclass(frozen=True)
class Move:
    label: str | Promise
    needs_reason: bool = False
    # A threshold decision: recorded as such, with its reason, on the case.
    threshold: bool | None = None
    # Made only by the bulk close, for cases marked as many reports from one network.
    only_in_bulk: bool = False


TRANSITIONS: dict[tuple[str, str], Move] = {
    (Status.NEW, Status.ASSESSING): Move(_("Start assessing")),
    (Status.ASSESSING, Status.BELOW_THRESHOLD): Move(
        _("Below threshold"), needs_reason=True, threshold=False
    ),
    (Status.ASSESSING, Status.MEETS_THRESHOLD): Move(
        _("Meets threshold"), needs_reason=True, threshold=True
    ),
    (Status.BELOW_THRESHOLD, Status.CLOSED): Move(_("Close with signposting"), needs_reason=True),
    (Status.MEETS_THRESHOLD, Status.CONTACTING): Move(_("Contact the reporter")),
    (Status.CONTACTING, Status.PLANNING): Move(_("Start planning")),
    (Status.PLANNING, Status.ACTION_TAKEN): Move(_("Action taken"), needs_reason=True),
    (Status.PLANNING, Status.REFERRED): Move(_("Referred"), needs_reason=True),
    (Status.ACTION_TAKEN, Status.MONITORING): Move(_("Monitor")),
    (Status.REFERRED, Status.MONITORING): Move(_("Monitor")),
    (Status.ACTION_TAKEN, Status.CLOSED): Move(_("Close"), needs_reason=True),
    (Status.REFERRED, Status.CLOSED): Move(_("Close"), needs_reason=True),
    (Status.MONITORING, Status.CLOSED): Move(_("Close"), needs_reason=True),
    (Status.CLOSED, Status.ASSESSING): Move(_("Reopen"), needs_reason=True),
    (Status.NEW, Status.CLOSED): Move(
        _("Close with the rest of a flood"), needs_reason=True, only_in_bulk=True
    ),
    (Status.ASSESSING, Status.CLOSED): Move(
        _("Close with the rest of a flood"), needs_reason=True, only_in_bulk=True
    ),
}

OPEN_STATUSES = [s.value for s in Status if s != Status.CLOSED]


def moves_from(status: str) -> list[tuple[str, Move]]:
    """The moves an advisor may make from ``status`` on the case page."""
    return [
        (to, move)
        for (frm, to), move in TRANSITIONS.items()
        if frm == status and not move.only_in_bulk
    ]


def case_page_move(frm: str, to: str) -> Move | None:
    """The move from ``frm`` to ``to``, if one may be made on the case page."""
    move = TRANSITIONS.get((frm, to))
    return None if move is None or move.only_in_bulk else move

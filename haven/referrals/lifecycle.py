"""A referral's life as one table: which state may follow which, who makes each move, and
whether it needs a reason.

draft → awaiting approval → sent             (or draft → sent, where no approval is needed)
      ← returned, with a reason
sent → acknowledged → accepted → closed (with the partner's outcome)
                    | declined (with a reason) → closed
                    | more information requested ⇄ answered (back to acknowledged)
revoked from any state after sent, with a reason: the partner's copy is destroyed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    MORE_INFORMATION = "more_information", _("More information requested")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")


class Side(models.TextChoices):
    """Who makes a move: the referring advisor (the case's holder), a supervisor deciding an
    approval, or a user of the agency the referral was sent to."""

    REFERRER = "referrer", _("Referring advisor")
    SUPERVISOR = "supervisor", _("Supervisor")
    PARTNER = "partner", _("Partner agency")


@dataclass(frozen=True)
class Move:
    label: str | Promise
    side: str
    needs_reason: bool = False


# The states in which the agency holds a copy: revoking takes it away.
WITH_PARTNER = (
    State.SENT,
    State.ACKNOWLEDGED,
    State.ACCEPTED,
    State.DECLINED,
    State.MORE_INFORMATION,
    State.CLOSED,
)
# Still waiting on someone: a referral in these counts towards "open referrals".
OPEN_STATES = (State.DRAFT, State.AWAITING_APPROVAL, *WITH_PARTNER[:-1])

TRANSITIONS: dict[tuple[str, str], Move] = {
    (State.DRAFT, State.AWAITING_APPROVAL): Move(_("Ask a supervisor to approve"), Side.REFERRER),
    (State.DRAFT, State.SENT): Move(_("Send the referral"), Side.REFERRER),
    (State.AWAITING_APPROVAL, State.SENT): Move(_("Approve and send"), Side.SUPERVISOR),
    (State.AWAITING_APPROVAL, State.DRAFT): Move(
        _("Return to the advisor"), Side.SUPERVISOR, needs_reason=True
    ),
    (State.SENT, State.ACKNOWLEDGED): Move(_("Acknowledge"), Side.PARTNER),
    (State.ACKNOWLEDGED, State.ACCEPTED): Move(_("Accept"), Side.PARTNER),
    (State.ACKNOWLEDGED, State.DECLINED): Move(_("Decline"), Side.PARTNER, needs_reason=True),
    (State.ACKNOWLEDGED, State.MORE_INFORMATION): Move(
        _("Ask for more information"), Side.PARTNER, needs_reason=True
    ),
    (State.MORE_INFORMATION, State.ACKNOWLEDGED): Move(
        _("Answer the request"), Side.REFERRER, needs_reason=True
    ),
    (State.ACCEPTED, State.CLOSED): Move(
        _("Close with the outcome"), Side.PARTNER, needs_reason=True
    ),
    (State.DECLINED, State.CLOSED): Move(_("Close"), Side.REFERRER),
    **{
        (state, State.REVOKED): Move(_("Revoke"), Side.REFERRER, needs_reason=True)
        for state in WITH_PARTNER
    },
}


def move(frm: str, to: str) -> Move | None:
    return TRANSITIONS.get((frm, to))


def moves_from(state: str, side: str) -> list[tuple[str, Move]]:
    """The moves ``side`` may make from ``state``, in the table's order."""
    return [(to, m) for (f, to), m in TRANSITIONS.items() if f == state and m.side == side]

"""The verbs of case work. Each change locks the case, checks the rules, and writes its audit
event in the same transaction. Free text an advisor writes is sealed like the report."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.lifecycle import TRANSITIONS, Move, Status, case_page_move
from haven.cases.models import (
    Case,
    CaseAccess,
    CaseLink,
    ContactAttempt,
    Note,
    PriorityChange,
    SafetyAction,
    Transition,
)
from haven.sealing.services import open_sealed, seal
from haven.triage.rules import Priority, TargetName
from haven.triage.services import Assessment, due_at


class CaseRuleBroken(Exception):
    """The change is not allowed; the message says why, in words for the advisor."""


class ReceivedReport(Protocol):
    """What a case reads of the report it is opened for (a ``reporting.models.Report``).

    Reporting sits above cases and opens a case for each report it receives, so cases name the
    shape they need rather than import the model.
    """

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def reference(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def audience(self) -> str: ...
    @property
    def concerns(self) -> Any: ...
    @property
    def contactable(self) -> bool: ...


def _seal_text(case: Case, kind: str, text: str) -> tuple[str, bytes]:
    sealed = seal(record_id=str(case.id), contents={"kind": kind, "text": text})
    return sealed.key_id, sealed.ciphertext


def open_text(case: Case, key_id: str, ciphertext: bytes | memoryview | None) -> str:
    if not ciphertext:
        return ""
    contents = open_sealed(record_id=str(case.id), key_id=key_id, ciphertext=bytes(ciphertext))
    return str(contents.get("text", ""))


def _unmet_targets(case: Case) -> list[tuple[datetime, str]]:
    """The targets not yet met, with when each is due, in TargetName order; none once closed."""
    if case.status == Status.CLOSED:
        return []
    targets = [
        (case.first_read_due, TargetName.FIRST_READ, case.first_read_at),
        (case.threshold_decision_due, TargetName.THRESHOLD_DECISION, case.threshold_decided_at),
        (case.first_contact_due, TargetName.FIRST_CONTACT, case.first_contact_at),
    ]
    return [(due, name.value) for due, name, met in targets if due is not None and met is None]


# The columns set_next_target writes.
NEXT_TARGET_FIELDS = ["next_due_at", "next_target"]


def set_next_target(case: Case) -> None:
    """Point the queue at the earliest unmet target; of two due together, the one met first."""
    unmet = _unmet_targets(case)
    # min keeps the first of equals, and _unmet_targets lists them in the order work meets them.
    due, name = min(unmet, key=lambda target: target[0]) if unmet else (None, "")
    case.next_due_at, case.next_target = due, name


def _required_due(priority: str, start: datetime, what: str) -> datetime:
    due = due_at(priority=priority, received_at=start, what=what)
    if due is None:
        raise ValueError(f"every priority needs a {what} target; {priority} has none")
    return due


def _first_read_due(priority: str, received_at: datetime) -> datetime:
    return _required_due(priority, received_at, TargetName.FIRST_READ)


# The columns count_targets writes.
DUE_FIELDS = ["first_read_due", "threshold_decision_due", "first_contact_due"]


def count_targets(case: Case, *, start: datetime, contactable: bool) -> list[str]:
    """Set when each target not yet met is due, counted from ``start``; returns their names.

    A met target keeps the due time it was met against. A reporter who left no way to be
    contacted has no first-contact target. The caller then calls set_next_target.
    """
    counted = []
    if case.first_read_at is None:
        case.first_read_due = _first_read_due(case.priority, start)
        counted.append(TargetName.FIRST_READ.value)
    if case.threshold_decided_at is None:
        case.threshold_decision_due = _required_due(
            case.priority, start, TargetName.THRESHOLD_DECISION
        )
        counted.append(TargetName.THRESHOLD_DECISION.value)
    if case.first_contact_at is None:
        case.first_contact_due = (
            due_at(priority=case.priority, received_at=start, what=TargetName.FIRST_CONTACT)
            if contactable
            else None
        )
        if case.first_contact_due is not None:
            counted.append(TargetName.FIRST_CONTACT.value)
    return counted


# The columns a reopening writes besides the status.
REOPENING_FIELDS = ["reopened_at", "threshold_decided_at", "first_contact_at", *DUE_FIELDS]


def _restart_targets(case: Case, *, at: datetime) -> list[str]:
    """A reopened case's targets start again at ``at``; returns the names of those counted.

    Reopening means something new has to be weighed: the case needs a fresh threshold decision
    and, if the reporter can be reached, a fresh conversation. The first read stays met (the
    report's words have not changed, and the advisor reopening has the case before them), unless
    the case was closed unread, in a flood's bulk close.
    """
    case.reopened_at = at
    case.threshold_decided_at = None
    case.first_contact_at = None
    return count_targets(case, start=at, contactable=case.report.contactable)


def build_case(
    *, report: ReceivedReport, assessment: Assessment, many_from_network: bool = False
) -> Case:
    """The case a report opens, with its triage and its time targets, not yet saved.

    ``open_case`` saves one; the development seeding saves many in bulk.
    """
    case = Case(
        report_id=report.id,
        reference=report.reference,
        received_at=report.received_at,
        audience=report.audience,
        concerns=report.concerns,
        scope=assessment.scope,
        out_category=assessment.out_category,
        computed_priority=assessment.priority,
        priority=assessment.priority,
        reasons=[
            {"code": r.code, "priority": r.priority, "text": r.text} for r in assessment.reasons
        ],
        many_from_network=many_from_network,
    )
    count_targets(case, start=report.received_at, contactable=report.contactable)
    set_next_target(case)
    return case


def open_case(
    *, report: ReceivedReport, assessment: Assessment, many_from_network: bool = False
) -> Case:
    """Every report becomes a case, with its triage, inside the submission's transaction.

    ``many_from_network`` marks a report sent when its network had already sent more than
    HAVEN_SUBMISSIONS_PER_WINDOW in the window; the mark is in case.opened's detail too.
    """
    case = build_case(report=report, assessment=assessment, many_from_network=many_from_network)
    case.save()
    record_event(
        action=Action.CASE_OPENED,
        report_id=report.id,
        detail={
            "case": str(case.id),
            "priority": case.priority,
            "scope": case.scope,
            "many_from_network": many_from_network,
        },
    )
    return case


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _refuse(*, action: Action, case: Case, by: User, message: str, **detail: Any) -> CaseRuleBroken:
    """Record a refusal in its own transaction (the refused change has rolled back)."""
    with transaction.atomic():
        record_event(
            action=action,
            actor=by,
            report_id=case.report_id,
            detail={"case": str(case.id), **detail},
        )
    return CaseRuleBroken(message)


def claim_case(*, case: Case, by: User) -> Case:
    """Assign the case to ``by``. Refused, and audited, if someone else holds it."""
    with transaction.atomic():
        # Lock first: without it two advisors reading "unassigned" at once could both claim it.
        current = _locked(case)
        taken = current.assigned_to_id is not None and current.assigned_to_id != by.pk
        if current.assigned_to_id is None:
            current.assigned_to_id = by.pk
            current.save(update_fields=["assigned_to"])
            record_event(
                action=Action.CASE_CLAIMED,
                actor=by,
                report_id=current.report_id,
                detail={"case": str(current.id)},
            )
    if taken:
        raise _refuse(
            action=Action.CASE_CLAIM_REFUSED,
            case=current,
            by=by,
            message="Someone else has already claimed this case.",
        )
    return current


def assign_case(*, case: Case, to: User | None, by: User) -> Case:
    """A supervisor's reassignment (or release, with ``to=None``)."""
    with transaction.atomic():
        current = _locked(case)
        previous = current.assigned_to_id
        current.assigned_to_id = to.pk if to is not None else None
        current.save(update_fields=["assigned_to"])
        record_event(
            action=Action.CASE_ASSIGNED,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id), "from": previous, "to": current.assigned_to_id},
        )
    return current


def _make_move(current: Case, *, to: str, move: Move, by: User, reason: str, **detail: Any) -> None:
    """Move a locked case: its Transition (the reason sealed) and its audit event."""
    now = timezone.now()
    key_id, sealed = _seal_text(current, "transition_reason", reason) if reason else ("", None)
    Transition.objects.create(
        case=current,
        at=now,
        by=by,
        from_status=current.status,
        to_status=to,
        reason_key_id=key_id,
        reason_sealed=sealed,
    )
    detail = {"case": str(current.id), "from": current.status, "to": to, **detail}
    # Closed has one way out, the reopening.
    reopening = current.status == Status.CLOSED
    fields = ["status", "closed_at", *NEXT_TARGET_FIELDS]
    current.status = to
    current.closed_at = now if to == Status.CLOSED else None
    if move.threshold is not None:
        detail["meets_threshold"] = move.threshold
        current.threshold_decided_at = now
        fields.append("threshold_decided_at")
    if reopening:
        detail["targets"] = _restart_targets(current, at=now)
        fields += REOPENING_FIELDS
    set_next_target(current)
    current.save(update_fields=fields)
    action = (
        Action.CASE_THRESHOLD_DECIDED if move.threshold is not None else Action.CASE_STATUS_CHANGED
    )
    record_event(action=action, actor=by, report_id=current.report_id, detail=detail)


def change_status(*, case: Case, to: str, by: User, reason: str = "") -> Case:
    """Move the case along the lifecycle table; illegal moves and missing reasons are refused.

    The moves only the bulk close makes (``Move.only_in_bulk``) are refused here. A threshold
    decision meets the threshold-decision target. Reopening a closed case starts its unmet
    targets again from that moment (``_restart_targets``); the event names the targets counted.
    """
    reason = reason.strip()
    with transaction.atomic():
        current = _locked(case)
        move = case_page_move(current.status, to)
        if move is not None:
            if move.needs_reason and not reason:
                raise CaseRuleBroken("Give a reason for this decision.")
            _make_move(current, to=to, move=move, by=by, reason=reason)
    if move is None:
        raise _refuse(
            action=Action.CASE_TRANSITION_REFUSED,
            case=current,
            by=by,
            message=f"A case cannot go from {current.get_status_display()} to {to}.",
            **{"from": current.status, "to": to},
        )
    return current


def record_first_read(*, case: Case, by: User) -> bool:
    """Mark the first time an advisor opened the sealed report. True if this was it."""
    with transaction.atomic():
        current = _locked(case)
        if current.first_read_at is not None:
            return False
        current.first_read_at = timezone.now()
        current.first_read_by_id = by.pk
        set_next_target(current)
        current.save(update_fields=["first_read_at", "first_read_by", *NEXT_TARGET_FIELDS])
        record_event(
            action=Action.CASE_FIRST_READ,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id)},
        )
    case.first_read_at, case.first_read_by_id = current.first_read_at, current.first_read_by_id
    return True


def change_priority(*, case: Case, to: str, by: User, reason: str) -> Case:
    """An advisor's override; the computed priority and its reasons stay as they were.

    The targets not yet met are counted again under the new priority, from receipt (or from the
    reopening, for a reopened case).
    """
    reason = reason.strip()
    if to not in Priority.values:
        raise CaseRuleBroken("Choose a priority from P1 to P4.")
    if not reason:
        raise CaseRuleBroken("Give a reason for changing the priority.")
    with transaction.atomic():
        current = _locked(case)
        if current.priority == to:
            raise CaseRuleBroken("The case already has that priority.")
        key_id, sealed = _seal_text(current, "priority_reason", reason)
        PriorityChange.objects.create(
            case=current,
            at=timezone.now(),
            by=by,
            from_priority=current.priority,
            to_priority=to,
            reason_key_id=key_id,
            reason_sealed=sealed,
        )
        record_event(
            action=Action.CASE_PRIORITY_CHANGED,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id), "from": current.priority, "to": to},
        )
        current.priority = to
        count_targets(
            current,
            start=current.reopened_at or current.received_at,
            contactable=current.report.contactable,
        )
        set_next_target(current)
        current.save(update_fields=["priority", *DUE_FIELDS, *NEXT_TARGET_FIELDS])
    return current


def add_note(*, case: Case, by: User, kind: str, text: str) -> Note:
    text = text.strip()
    if not text:
        raise CaseRuleBroken("Write the note.")
    with transaction.atomic():
        key_id, sealed = _seal_text(case, "note", text)
        note = Note.objects.create(
            case=case, at=timezone.now(), by=by, kind=kind, key_id=key_id, sealed=sealed
        )
        record_event(
            action=Action.CASE_NOTE_ADDED,
            actor=by,
            report_id=case.report_id,
            detail={"case": str(case.id), "kind": kind},
        )
    return note


def log_contact_attempt(
    *,
    case: Case,
    by: User,
    method: str,
    outcome: str,
    at: datetime | None = None,
    note: str = "",
) -> ContactAttempt:
    """Record an attempt to reach the reporter; speaking to them meets the first-contact target.

    A conversation from before the case was last reopened does not meet the reopened case's.
    """
    with transaction.atomic():
        current = _locked(case)
        when = at or timezone.now()
        key_id, sealed = (
            _seal_text(current, "contact_note", note.strip()) if note.strip() else ("", None)
        )
        attempt = ContactAttempt.objects.create(
            case=current,
            at=when,
            by=by,
            method=method,
            outcome=outcome,
            key_id=key_id,
            sealed_note=sealed,
        )
        since_reopened = current.reopened_at is None or when >= current.reopened_at
        if outcome == "spoke" and current.first_contact_at is None and since_reopened:
            current.first_contact_at = when
            set_next_target(current)
            current.save(update_fields=["first_contact_at", *NEXT_TARGET_FIELDS])
        record_event(
            action=Action.CASE_CONTACT_ATTEMPTED,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id), "method": method, "outcome": outcome},
        )
    return attempt


def add_safety_action(
    *, case: Case, by: User, action: str, owner: str, due_on: date | None
) -> SafetyAction:
    """Add an action to the safety plan; what it is and who will do it are both sealed."""
    action = action.strip()
    if not action:
        raise CaseRuleBroken("Describe the action.")
    with transaction.atomic():
        key_id, sealed = _seal_text(case, "safety_action", action)
        owner_key_id, owner_sealed = _seal_text(case, "safety_action_owner", owner.strip())
        item = SafetyAction.objects.create(
            case=case,
            created_at=timezone.now(),
            created_by=by,
            due_on=due_on,
            key_id=key_id,
            sealed=sealed,
            owner_key_id=owner_key_id,
            owner_sealed=owner_sealed,
        )
        record_event(
            action=Action.CASE_SAFETY_ACTION_ADDED,
            actor=by,
            report_id=case.report_id,
            detail={"case": str(case.id), "action": item.pk},
        )
    return item


def complete_safety_action(*, item: SafetyAction, by: User) -> SafetyAction:
    """Mark a safety plan action done, once: marking it again changes and records nothing."""
    with transaction.atomic():
        now = timezone.now()
        # Only the update that finds it not done yet writes: two clicks that both read "not
        # done" would otherwise each record it.
        changed = SafetyAction.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=now)
        if changed:
            record_event(
                action=Action.CASE_SAFETY_ACTION_DONE,
                actor=by,
                report_id=item.case.report_id,
                detail={"case": str(item.case_id), "action": item.pk},
            )
            item.done_at = now
        else:
            item.refresh_from_db(fields=["done_at"])
    return item


def link_cases(*, case: Case, other: Case, by: User | None, reason: str) -> CaseLink | None:
    """Link two cases (once); returns None if they are already linked either way."""
    if case.pk == other.pk:
        raise CaseRuleBroken("A case cannot be linked to itself.")
    with transaction.atomic():
        if (
            CaseLink.objects.filter(from_case=case, to_case=other).exists()
            or CaseLink.objects.filter(from_case=other, to_case=case).exists()
        ):
            return None
        link = CaseLink.objects.create(
            from_case=case, to_case=other, at=timezone.now(), by=by, reason=reason
        )
        record_event(
            action=Action.CASE_LINKED,
            actor=by,
            report_id=case.report_id,
            detail={"case": str(case.id), "other": str(other.id), "reason": reason},
        )
    return link


BULK_CLOSE_MAX = 100


class NotClosed(models.TextChoices):
    """Why the bulk close left a case open: the code in the audit, the words the supervisor reads.

    ``NO_MOVE``'s words name the case's status, as ``%(status)s``.
    """

    RESTRICTED = "restricted", _("It is restricted and you are not named on it")
    CLOSED = "closed", _("It was already closed")
    NOT_MARKED = "not_marked", _("It is not marked as one of many reports from one network")
    NO_MOVE = "no_move", _("Its status, %(status)s, cannot be closed from here: use its case page")


@dataclass(frozen=True)
class BulkClosing:
    """What one bulk close did: the cases closed, those refused (with why), ids not found."""

    closed: list[Case]
    refused: list[tuple[Case, NotClosed]]
    missing: int


def _why_not_closed(case: Case, *, named: set[uuid.UUID]) -> NotClosed | None:
    """Why the bulk close may not close ``case`` (None if it may)."""
    if case.restricted and case.id not in named:
        return NotClosed.RESTRICTED
    if case.status == Status.CLOSED:
        return NotClosed.CLOSED
    if not case.many_from_network:
        return NotClosed.NOT_MARKED
    # Only the flood's own moves: a case past a threshold decision is closed on its case page,
    # with the reason that decision needs, never with the flood's.
    move = TRANSITIONS.get((case.status, Status.CLOSED))
    if move is None or not move.only_in_bulk:
        return NotClosed.NO_MOVE
    return None


def close_in_bulk(*, case_ids: Sequence[uuid.UUID], by: User, reason: str) -> BulkClosing:
    """Close many cases at once with one reason: a flood of reports from one network.

    Rules:
    - a reason is needed, and at most BULK_CLOSE_MAX cases are closed at a time;
    - only cases marked many_from_network are closed, and only along the lifecycle table's
      moves made only in bulk (from new and assessing): a case with a threshold decision
      (below threshold, action taken, referred, monitoring) is closed on its case page;
    - each case closed gets its own Transition, with the reason sealed to it, and its own
      case.status_changed event; the events of one bulk close share a ``batch`` id;
    - a case refused is returned with its NotClosed reason. A restricted case ``by`` is not
      named on is recorded as every refused opening is, case.access_refused (with the
      ``batch``); one already closed, not marked, or past a threshold decision gets a
      case.bulk_close_refused event with the reason. Unknown ids are counted;
    - all in one transaction, the cases locked in id order (two bulk closes cannot deadlock).
    """
    reason = reason.strip()
    if not reason:
        raise CaseRuleBroken("Give a reason for closing these cases.")
    wanted = list(dict.fromkeys(case_ids))
    if len(wanted) > BULK_CLOSE_MAX:
        raise CaseRuleBroken(f"Tick at most {BULK_CLOSE_MAX} cases at a time.")
    batch = uuid.uuid4().hex
    closed: list[Case] = []
    refused: list[tuple[Case, NotClosed]] = []
    with transaction.atomic():
        found = {
            case.id: case
            for case in Case.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
        }
        named = set(
            CaseAccess.objects.filter(
                user=by, case_id__in=[pk for pk, case in found.items() if case.restricted]
            ).values_list("case_id", flat=True)
        )
        for case in (found[pk] for pk in wanted if pk in found):
            why = _why_not_closed(case, named=named)
            if why is not None:
                refused.append((case, why))
                if why == NotClosed.RESTRICTED:
                    refuse_access(case=case, by=by, batch=batch)
                else:
                    record_event(
                        action=Action.CASE_BULK_CLOSE_REFUSED,
                        actor=by,
                        report_id=case.report_id,
                        detail={"case": str(case.id), "why": why.value, "batch": batch},
                    )
                continue
            move = TRANSITIONS[(case.status, Status.CLOSED)]
            _make_move(case, to=Status.CLOSED, move=move, by=by, reason=reason, batch=batch)
            closed.append(case)
    return BulkClosing(closed=closed, refused=refused, missing=len(wanted) - len(found))


@dataclass(frozen=True)
class TimeLeft:
    due: datetime | None
    seconds: int | None  # negative when overdue
    target: str = ""  # the TargetName due next, "" when none is

    @property
    def overdue(self) -> bool:
        return self.seconds is not None and self.seconds < 0

    @property
    def label(self) -> str | Promise:
        """The next target in words ("Threshold decision"), "" when none is due."""
        return TargetName(self.target).label if self.target else ""


def time_left(case: Case, now: datetime | None = None) -> TimeLeft:
    """How long until the case's next target (``next_due_at``), and which target it is."""
    if case.next_due_at is None:
        return TimeLeft(None, None)
    now = now or timezone.now()
    seconds = int((case.next_due_at - now).total_seconds())
    return TimeLeft(case.next_due_at, seconds, case.next_target)


def can_open(case: Case, user: User) -> bool:
    """Anyone with case access may open an unrestricted case; a restricted one, only those named."""
    if not case.restricted:
        return True
    return CaseAccess.objects.filter(case=case, user=user).exists()


def restrict_case(*, case: Case, by: User, allowed: list[User], reason: str) -> Case:
    """Restrict a case to the people named (the supervisor who restricts it is always one).

    For example when the person of concern is a colleague. Others then see only that a restricted
    case exists. The reason is sealed; the audit event records who and how many were named.
    """
    reason = reason.strip()
    if not reason:
        raise CaseRuleBroken("Give a reason for restricting the case.")
    people = {user.pk: user for user in [*allowed, by]}
    with transaction.atomic():
        current = _locked(case)
        CaseAccess.objects.filter(case=current).delete()
        CaseAccess.objects.bulk_create(
            [CaseAccess(case=current, user=user) for user in people.values()]
        )
        current.restricted = True
        current.save(update_fields=["restricted"])
        key_id, sealed = _seal_text(current, "restriction_reason", reason)
        Note.objects.create(
            case=current, at=timezone.now(), by=by, kind="fact", key_id=key_id, sealed=sealed
        )
        record_event(
            action=Action.CASE_RESTRICTED,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id), "people": sorted(people)},
        )
    return current


def lift_restriction(*, case: Case, by: User) -> Case:
    with transaction.atomic():
        current = _locked(case)
        CaseAccess.objects.filter(case=current).delete()
        current.restricted = False
        current.save(update_fields=["restricted"])
        record_event(
            action=Action.CASE_RESTRICTION_LIFTED,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id)},
        )
    return current


def refuse_access(*, case: Case, by: User, batch: str = "") -> None:
    """Record that someone not named on a restricted case tried to open it (or close it).

    ``batch`` is the id of the bulk close that tried to close it, if one did.
    """
    detail = {"case": str(case.id), **({"batch": batch} if batch else {})}
    with transaction.atomic():
        record_event(
            action=Action.CASE_ACCESS_REFUSED, actor=by, report_id=case.report_id, detail=detail
        )

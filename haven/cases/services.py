"""The verbs of case work. Each change locks the case, checks the rules, and writes its audit
event in the same transaction. Free text an advisor writes is sealed like the report."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.accounts.services import has_permission
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.lifecycle import TRANSITIONS, Move, Status, case_page_move
from haven.cases.models import (
    Approval,
    ApprovalKind,
    ApprovalOutcome,
    Case,
    CaseAccess,
    CaseLink,
    ContactAttempt,
    Note,
    OwnershipOverride,
    PriorityChange,
    SafetyAction,
    Transition,
)
from haven.cases.queries import case_workers, may_open
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
        # Met by answering, which clears it.
        (case.reply_due, TargetName.REPLY, None),
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
DUE_FIELDS = ["first_read_due", "threshold_decision_due", "first_contact_due", "reply_due"]


def count_targets(case: Case, *, start: datetime) -> list[str]:
    """Set when each target not yet met is due, counted from ``start``; returns their names.

    A met target keeps the due time it was met against. Every reporter can be reached, by
    phone or email if they gave one and through their report's messages if not, so every band
    with a first-contact target gives one. A reply waiting keeps the time it arrived, and is
    counted again under the case's priority. The caller then calls set_next_target.
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
        case.first_contact_due = due_at(
            priority=case.priority, received_at=start, what=TargetName.FIRST_CONTACT
        )
        if case.first_contact_due is not None:
            counted.append(TargetName.FIRST_CONTACT.value)
    if case.reply_waiting_since is not None:
        case.reply_due = due_at(
            priority=case.priority, received_at=case.reply_waiting_since, what=TargetName.REPLY
        )
        if case.reply_due is not None:
            counted.append(TargetName.REPLY.value)
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
    return count_targets(case, start=at)


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
    count_targets(case, start=report.received_at)
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


# --- Who may act on a case --------------------------------------------------------------------
#
# A claimed case belongs to its advisor: only they change its status, priority, contacts, safety
# plan and links. Anyone who works cases may still add a note. A supervisor (cases.override) may
# act on it too, giving a reason, which is sealed (OwnershipOverride) and named in the audit. An
# unclaimed case is anyone's to work.


def acting_for(case: Case, user: User) -> User | None:
    """The advisor whose case ``user`` would be acting on, or None if it is theirs or nobody's."""
    if case.assigned_to_id is None or case.assigned_to_id == user.pk:
        return None
    return case.assigned_to


def may_override(user: User) -> bool:
    return has_permission(user, "cases.override")


def _owner_name(case: Case) -> str:
    owner = case.assigned_to
    return owner.get_username() if owner is not None else ""


def ownership_message(case: Case) -> str:
    return f"This case is {_owner_name(case)}'s. You can add a note."


@dataclass(frozen=True)
class _Refusal:
    action: Action
    message: str
    detail: dict[str, Any]


def _check_owner(current: Case, *, by: User, verb: str, override_reason: str) -> _Refusal | bool:
    """May ``by`` make ``verb`` on the locked ``current``? True: as an override, recorded here.

    False: it is their case, or nobody's. A _Refusal: it is another advisor's, and ``by`` may not
    override (the caller records it once the transaction has rolled back). A supervisor without a
    reason breaks a rule (CaseRuleBroken), which is a form to fill in, not a refusal.
    """
    if current.assigned_to_id is None or current.assigned_to_id == by.pk:
        return False
    if not may_override(by):
        return _Refusal(
            Action.CASE_OWNERSHIP_REFUSED,
            ownership_message(current),
            {"owner": current.assigned_to_id, "verb": verb},
        )
    override_reason = override_reason.strip()
    if not override_reason:
        raise CaseRuleBroken(f"Give a reason for acting on {_owner_name(current)}'s case.")
    key_id, sealed = _seal_text(current, "override_reason", override_reason)
    OwnershipOverride.objects.create(
        case=current,
        at=timezone.now(),
        by=by,
        owner_id=current.assigned_to_id,
        verb=verb,
        key_id=key_id,
        sealed=sealed,
    )
    record_event(
        action=Action.CASE_OWNERSHIP_OVERRIDDEN,
        actor=by,
        report_id=current.report_id,
        detail={
            "case": str(current.id),
            "owner": current.assigned_to_id,
            "verb": verb,
            "override": True,
        },
    )
    return True


def _raise_refusal(refusal: _Refusal | bool, *, case: Case, by: User) -> None:
    if isinstance(refusal, _Refusal):
        raise _refuse(
            action=refusal.action, case=case, by=by, message=refusal.message, **refusal.detail
        )


def _override_detail(outcome: _Refusal | bool) -> dict[str, Any]:
    return {"override": True} if outcome is True else {}


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


def assignable_staff(case: Case) -> models.QuerySet[User]:
    """Who may be given ``case``: the advisors (``queries.case_workers``: active staff whose role
    works cases); if restricted, only those named on it."""
    people = case_workers()
    if case.restricted:
        people = people.filter(pk__in=CaseAccess.objects.filter(case=case).values("user_id"))
    return people.order_by("username")


ASSIGN_MESSAGE = "Choose an advisor from the list."


def refuse_assignment(*, case: Case, by: User, to: int | None = None) -> CaseRuleBroken:
    """Record an assignment to someone who may not be given the case (or to no one known)."""
    return _refuse(
        action=Action.CASE_ASSIGN_REFUSED,
        case=case,
        by=by,
        message=ASSIGN_MESSAGE,
        **({"to": to} if to is not None else {}),
    )


def assign_case(*, case: Case, to: User | None, by: User) -> Case:
    """A supervisor's reassignment (or release, with ``to=None``).

    Only to someone ``assignable_staff`` offers: active, in a role that works cases, and named
    on the case if it is restricted. Anyone else is refused and audited.
    """
    with transaction.atomic():
        current = _locked(case)
        allowed = to is None or assignable_staff(current).filter(pk=to.pk).exists()
        if allowed:
            previous = current.assigned_to_id
            current.assigned_to_id = to.pk if to is not None else None
            current.save(update_fields=["assigned_to"])
            record_event(
                action=Action.CASE_ASSIGNED,
                actor=by,
                report_id=current.report_id,
                detail={"case": str(current.id), "from": previous, "to": current.assigned_to_id},
            )
    if not allowed:
        raise refuse_assignment(case=current, by=by, to=to.pk if to is not None else None)
    current.assigned_to = to
    return current


def _take_off(case: Case, *, by: User, reason: str) -> None:
    """Take a locked case off its holder (back to the queue), recorded as ``case.assigned``
    with why: the account can no longer work cases, or is not named on a restricted case."""
    holder = case.assigned_to_id
    case.assigned_to = None
    case.save(update_fields=["assigned_to"])
    record_event(
        action=Action.CASE_ASSIGNED,
        actor=by,
        report_id=case.report_id,
        detail={"case": str(case.id), "from": holder, "to": None, "reason": reason},
    )


def release_open_cases(*, holder: User, by: User, reason: str) -> int:
    """Take every open case ``holder`` holds off them (back to the queue, unassigned), each
    recorded as ``case.assigned`` with ``reason``; closed cases keep their holder as history.

    For an account that can no longer work cases: its cases must not wait on someone who
    cannot act. Run inside the caller's transaction; the cases are locked as they are changed.
    """
    released = 0
    with transaction.atomic():
        held = (
            Case.objects.select_for_update()
            .filter(assigned_to=holder)
            .exclude(status=Status.CLOSED)
            .only("id", "report_id", "assigned_to")
            .order_by("pk")
        )
        for case in held:
            _take_off(case, by=by, reason=reason)
            released += 1
    return released


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


# --- Four-eyes approvals ---------------------------------------------------------------------
#
# Closing below threshold, lowering a priority and closing a P1 or P2 case are asked for, not
# made: an Approval waits (at most one per case) until a supervisor other than the person who
# asked approves it, which makes the change, or returns it with a reason. Each kind can be
# switched off in HAVEN_APPROVALS.

PENDING_MESSAGE = (
    "A change to this case is awaiting approval. A supervisor must approve or return it first."
)


def approval_needed(kind: str) -> bool:
    return bool(settings.HAVEN_APPROVALS.get(kind, True))


def pending_approval(case: Case) -> Approval | None:
    return (
        Approval.objects.select_related("requested_by")
        .filter(case=case, decided_at__isnull=True)
        .first()
    )


PENDING_SHOWN = 50


def pending_approvals(*, user: User, limit: int = PENDING_SHOWN) -> list[Approval]:
    """The changes waiting for a supervisor, oldest first, at most ``limit``; each case with
    ``may_open`` (is ``user`` named on it), so a restricted one is shown only as restricted."""
    return list(
        Approval.objects.filter(decided_at__isnull=True)
        .select_related("case", "requested_by")
        # Only what the list shows: a case row is 40 columns, a person's 11.
        .only("kind", "requested_at", "case__reference", "requested_by__username")
        .annotate(may_open=may_open(user, case="case"))
        .order_by("requested_at", "pk")[:limit]
    )


def pending_approval_count() -> int:
    """How many changes wait for a supervisor (the partial unique index holds just those)."""
    return Approval.objects.filter(decided_at__isnull=True).count()


def _closing_approval(current: Case, to: str) -> str | None:
    """The approval closing ``current`` needs, if any: a P1 or P2 case first, then below threshold."""
    if to != Status.CLOSED:
        return None
    if current.priority in (Priority.P1, Priority.P2) and approval_needed(ApprovalKind.CLOSE_P1_P2):
        return ApprovalKind.CLOSE_P1_P2
    if current.status == Status.BELOW_THRESHOLD and approval_needed(
        ApprovalKind.CLOSE_BELOW_THRESHOLD
    ):
        return ApprovalKind.CLOSE_BELOW_THRESHOLD
    return None


def _lowering(frm: str, to: str) -> bool:
    return Priority.values.index(to) > Priority.values.index(frm)


def _refuse_if_pending(current: Case) -> None:
    if Approval.objects.filter(case=current, decided_at__isnull=True).exists():
        raise CaseRuleBroken(PENDING_MESSAGE)


def _request_approval(
    current: Case,
    *,
    kind: str,
    by: User,
    reason: str,
    to_status: str = "",
    to_priority: str = "",
    **detail: Any,
) -> Approval:
    key_id, sealed = _seal_text(current, "approval_reason", reason)
    approval = Approval.objects.create(
        case=current,
        kind=kind,
        requested_by=by,
        requested_at=timezone.now(),
        to_status=to_status,
        to_priority=to_priority,
        reason_key_id=key_id,
        reason_sealed=sealed,
    )
    record_event(
        action=Action.CASE_APPROVAL_REQUESTED,
        actor=by,
        report_id=current.report_id,
        detail={
            "case": str(current.id),
            "approval": approval.pk,
            "kind": kind,
            "to": to_status or to_priority,
            **detail,
        },
    )
    return approval


def _locked_pending(current: Case) -> Approval:
    """The change waiting on a locked case, locked too; a plain rule if nothing waits."""
    pending = (
        Approval.objects.select_for_update().filter(case=current, decided_at__isnull=True).first()
    )
    if pending is None:
        raise CaseRuleBroken("Nothing on this case is awaiting approval.")
    return pending


def _approval_event(action: Action, current: Case, pending: Approval, *, by: User) -> None:
    record_event(
        action=action,
        actor=by,
        report_id=current.report_id,
        detail={
            "case": str(current.id),
            "approval": pending.pk,
            "kind": pending.kind,
            "requested_by": pending.requested_by_id,
        },
    )


def _decide(
    *, case: Case, by: User, reason: str, outcome: str
) -> tuple[Case, Approval | None, str]:
    """Lock the case and its pending approval; '' or why ``by`` may not decide it."""
    current = _locked(case)
    pending = _locked_pending(current)
    if not has_permission(by, "cases.approve"):
        return current, pending, "Only a supervisor can approve or return a change."
    if pending.requested_by_id == by.pk:
        return current, pending, "You asked for this change. Another supervisor must decide it."
    pending.decided_by = by
    pending.decided_at = timezone.now()
    pending.outcome = outcome
    if reason:
        pending.decision_key_id, pending.decision_sealed = _seal_text(
            current, "approval_decision", reason
        )
    pending.save()
    return current, pending, ""


def _refuse_decision(current: Case, pending: Approval | None, *, by: User, why: str) -> None:
    if why:
        raise _refuse(
            action=Action.CASE_APPROVAL_REFUSED,
            case=current,
            by=by,
            message=why,
            approval=pending.pk if pending is not None else None,
        )


def approve_change(*, case: Case, by: User, reason: str = "") -> Case:
    """A supervisor approves the change waiting on the case, which is then made.

    The change is recorded as the requester's (their reason, sealed again to the Transition or
    PriorityChange), with the approval and its approver named in the change's audit event.
    Nobody approves their own request; that try is refused and audited.
    """
    reason = reason.strip()
    with transaction.atomic():
        current, pending, why = _decide(
            case=case, by=by, reason=reason, outcome=ApprovalOutcome.APPROVED
        )
        if not why and pending is not None:
            asked = open_text(current, pending.reason_key_id, pending.reason_sealed)
            requester = pending.requested_by
            detail = {"approval": pending.pk, "approved_by": by.pk}
            if pending.to_status:
                move = case_page_move(current.status, pending.to_status)
                if move is None:
                    raise CaseRuleBroken(
                        "The case has moved on since this was asked for: return it instead."
                    )
                _make_move(
                    current, to=pending.to_status, move=move, by=requester, reason=asked, **detail
                )
            elif current.priority == pending.to_priority:
                raise CaseRuleBroken("The case already has that priority: return it instead.")
            else:
                _set_priority(current, to=pending.to_priority, by=requester, reason=asked, **detail)
            _approval_event(Action.CASE_APPROVAL_APPROVED, current, pending, by=by)
    _refuse_decision(current, pending, by=by, why=why)
    return current


def return_change(*, case: Case, by: User, reason: str) -> Case:
    """A supervisor returns the change waiting on the case, unmade, with a reason (sealed)."""
    reason = reason.strip()
    if not reason:
        raise CaseRuleBroken("Give a reason for returning the change.")
    with transaction.atomic():
        current, pending, why = _decide(
            case=case, by=by, reason=reason, outcome=ApprovalOutcome.RETURNED
        )
        if not why and pending is not None:
            _approval_event(Action.CASE_APPROVAL_RETURNED, current, pending, by=by)
    _refuse_decision(current, pending, by=by, why=why)
    return current


def withdraw_request(*, case: Case, by: User) -> Case:
    """The person who asked for a change takes the request back before it is decided.

    Nothing changes on the case; the request is closed as withdrawn (decided by nobody) and
    the case may be worked, or the change asked for again. Anyone else is refused, audited.
    """
    with transaction.atomic():
        current = _locked(case)
        pending = _locked_pending(current)
        why = (
            "" if pending.requested_by_id == by.pk else "Only the person who asked can withdraw it."
        )
        if not why:
            pending.decided_at = timezone.now()
            pending.outcome = ApprovalOutcome.WITHDRAWN
            pending.save(update_fields=["decided_at", "outcome"])
            _approval_event(Action.CASE_APPROVAL_WITHDRAWN, current, pending, by=by)
    _refuse_decision(current, pending, by=by, why=why)
    return current


def change_status(
    *, case: Case, to: str, by: User, reason: str = "", override_reason: str = ""
) -> Case:
    """Move the case along the lifecycle table; illegal moves and missing reasons are refused.

    The moves only the bulk close makes (``Move.only_in_bulk``) are refused here. A threshold
    decision meets the threshold-decision target. Reopening a closed case starts its unmet
    targets again from that moment (``_restart_targets``); the event names the targets counted.
    Only the case's advisor (or anyone, if nobody holds it) may move it, or a supervisor giving
    ``override_reason``. A closing that needs four eyes is asked for instead (an Approval).
    """
    reason = reason.strip()
    owner: _Refusal | bool = False
    with transaction.atomic():
        current = _locked(case)
        move = case_page_move(current.status, to)
        if move is not None:
            if move.needs_reason and not reason:
                raise CaseRuleBroken("Give a reason for this decision.")
            owner = _check_owner(current, by=by, verb="status", override_reason=override_reason)
            if not isinstance(owner, _Refusal):
                _refuse_if_pending(current)
                kind = _closing_approval(current, to)
                if kind is not None:
                    _request_approval(
                        current,
                        kind=kind,
                        by=by,
                        reason=reason,
                        to_status=to,
                        **_override_detail(owner),
                    )
                else:
                    _make_move(
                        current, to=to, move=move, by=by, reason=reason, **_override_detail(owner)
                    )
    if move is None:
        raise _refuse(
            action=Action.CASE_TRANSITION_REFUSED,
            case=current,
            by=by,
            message=f"A case cannot go from {current.get_status_display()} to {to}.",
            **{"from": current.status, "to": to},
        )
    _raise_refusal(owner, case=current, by=by)
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


def _set_priority(current: Case, *, to: str, by: User, reason: str, **detail: Any) -> None:
    """Give the locked case priority ``to``: its PriorityChange (reason sealed) and audit event."""
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
        detail={"case": str(current.id), "from": current.priority, "to": to, **detail},
    )
    current.priority = to
    count_targets(current, start=current.reopened_at or current.received_at)
    set_next_target(current)
    current.save(update_fields=["priority", *DUE_FIELDS, *NEXT_TARGET_FIELDS])


def change_priority(
    *, case: Case, to: str, by: User, reason: str, override_reason: str = ""
) -> Case:
    """An advisor's override; the computed priority and its reasons stay as they were.

    The targets not yet met are counted again under the new priority, from receipt (or from the
    reopening, for a reopened case). Only the case's advisor, or a supervisor giving
    ``override_reason``; lowering it is asked for (an Approval) unless HAVEN_APPROVALS says not.
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
        owner = _check_owner(current, by=by, verb="priority", override_reason=override_reason)
        if not isinstance(owner, _Refusal):
            _refuse_if_pending(current)
            if _lowering(current.priority, to) and approval_needed(ApprovalKind.LOWER_PRIORITY):
                _request_approval(
                    current,
                    kind=ApprovalKind.LOWER_PRIORITY,
                    by=by,
                    reason=reason,
                    to_priority=to,
                    **_override_detail(owner),
                )
            else:
                _set_priority(current, to=to, by=by, reason=reason, **_override_detail(owner))
    _raise_refusal(owner, case=current, by=by)
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
    override_reason: str = "",
) -> ContactAttempt:
    """Record an attempt to reach the reporter; speaking to them meets the first-contact target.

    A conversation from before the case was last reopened does not meet the reopened case's.
    Only the case's advisor, or a supervisor giving ``override_reason``.
    """
    with transaction.atomic():
        current = _locked(case)
        owner = _check_owner(current, by=by, verb="contact", override_reason=override_reason)
        if isinstance(owner, _Refusal):
            attempt = None
        else:
            attempt = _log_contact_attempt(
                current, by=by, method=method, outcome=outcome, at=at, note=note, owner=owner
            )
    _raise_refusal(owner, case=current, by=by)
    assert attempt is not None
    return attempt


def _log_contact_attempt(
    current: Case,
    *,
    by: User,
    method: str,
    outcome: str,
    at: datetime | None,
    note: str,
    owner: bool,
) -> ContactAttempt:
    """The attempt on the locked ``current``, and the first contact it may meet."""
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
        detail={
            "case": str(current.id),
            "method": method,
            "outcome": outcome,
            **_override_detail(owner),
        },
    )
    return attempt


def add_safety_action(
    *,
    case: Case,
    by: User,
    action: str,
    owner: str,
    due_on: date | None,
    override_reason: str = "",
) -> SafetyAction:
    """Add an action to the safety plan; what it is and who will do it are both sealed.

    Only the case's advisor, or a supervisor giving ``override_reason``.
    """
    action = action.strip()
    if not action:
        raise CaseRuleBroken("Describe the action.")
    with transaction.atomic():
        holder = _check_owner(
            _locked(case), by=by, verb="safety_action", override_reason=override_reason
        )
        if isinstance(holder, _Refusal):
            item = None
        else:
            item = _add_safety_action(
                case, by=by, action=action, owner=owner, due_on=due_on, override=holder is True
            )
    _raise_refusal(holder, case=case, by=by)
    assert item is not None
    return item


def _add_safety_action(
    case: Case, *, by: User, action: str, owner: str, due_on: date | None, override: bool
) -> SafetyAction:
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
        detail={
            "case": str(case.id),
            "action": item.pk,
            **({"override": True} if override else {}),
        },
    )
    return item


def complete_safety_action(
    *, item: SafetyAction, by: User, override_reason: str = ""
) -> SafetyAction:
    """Mark a safety plan action done, once: marking it again changes and records nothing.

    Only the case's advisor, or a supervisor giving ``override_reason``.
    """
    with transaction.atomic():
        holder = _check_owner(
            _locked(item.case), by=by, verb="safety_action_done", override_reason=override_reason
        )
        if not isinstance(holder, _Refusal):
            _complete_safety_action(item, by=by, override=holder is True)
    _raise_refusal(holder, case=item.case, by=by)
    return item


def _complete_safety_action(item: SafetyAction, *, by: User, override: bool) -> None:
    now = timezone.now()
    # Only the update that finds it not done yet writes: two clicks that both read "not
    # done" would otherwise each record it.
    changed = SafetyAction.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=now)
    if changed:
        record_event(
            action=Action.CASE_SAFETY_ACTION_DONE,
            actor=by,
            report_id=item.case.report_id,
            detail={
                "case": str(item.case_id),
                "action": item.pk,
                **({"override": True} if override else {}),
            },
        )
        item.done_at = now
    else:
        item.refresh_from_db(fields=["done_at"])


def link_cases(
    *, case: Case, other: Case, by: User | None, reason: str, override_reason: str = ""
) -> CaseLink | None:
    """Link two cases (once); returns None if they are already linked either way.

    An advisor links only their own case (or nobody's), a supervisor another's giving
    ``override_reason``; the automatic linking of a new report (``by=None``) is nobody's act.
    """
    if case.pk == other.pk:
        raise CaseRuleBroken("A case cannot be linked to itself.")
    holder: _Refusal | bool = False
    link = None
    with transaction.atomic():
        if by is not None:
            holder = _check_owner(
                _locked(case), by=by, verb="link", override_reason=override_reason
            )
        if not isinstance(holder, _Refusal):
            link = _link_cases(case, other, by=by, reason=reason, override=holder is True)
    if by is not None:
        _raise_refusal(holder, case=case, by=by)
    return link


def _link_cases(
    case: Case, other: Case, *, by: User | None, reason: str, override: bool
) -> CaseLink | None:
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
        detail={
            "case": str(case.id),
            "other": str(other.id),
            "reason": reason,
            **({"override": True} if override else {}),
        },
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

    A holder who is not named is taken off the case (recorded as ``case.assigned``, reason
    "restricted"): only the people named may hold it. For example when the person of concern
    is a colleague. Others then see only that a restricted
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
        holder = current.assigned_to_id
        if holder is not None and holder not in people:
            # Only the people named may hold it: a holder left out is taken off the case.
            _take_off(current, by=by, reason="restricted")
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


# --- The conversation with the reporter ---------------------------------------------------------
#
# The messages themselves are reporting's (they are sealed to the reporter's own key, which is
# the report's); what they do to the case's targets and priority is decided here.

Written = TypeVar("Written")


def message_reporter(
    *, case: Case, by: User, write: Callable[[Case], Written], override_reason: str = ""
) -> Written:
    """Send the reporter a message: ``write`` stores it, on the locked case, in this transaction.

    It answers a reply waiting (and meets its target). To a reporter who gave no phone or email
    it is first contact, and meets that target; where they gave one, first contact still means
    speaking to them, and the message is one more way to reach them. A message written before
    the case was last reopened cannot be sent after it, so no reopening is met by an old one.
    Only the case's advisor, or a supervisor giving ``override_reason``.
    """
    with transaction.atomic():
        current = _locked(case)
        if current.status == Status.CLOSED:
            raise CaseRuleBroken("The case is closed. Reopen it to message the reporter.")
        owner = _check_owner(current, by=by, verb="message", override_reason=override_reason)
        if not isinstance(owner, _Refusal):
            written = write(current)
            fields = ["reply_waiting_since", "reply_due"]
            current.reply_waiting_since = current.reply_due = None
            if not current.report.contactable and current.first_contact_at is None:
                current.first_contact_at = timezone.now()
                fields.append("first_contact_at")
            set_next_target(current)
            current.save(update_fields=[*fields, *NEXT_TARGET_FIELDS])
    _raise_refusal(owner, case=current, by=by)
    case.reply_waiting_since, case.first_contact_at = None, current.first_contact_at
    return written


def reporter_wrote(*, case: Case, at: datetime) -> Case:
    """The reporter replied or added information: the case shows "reply waiting" to its advisor,
    due by its priority's reply target counted from the first thing not yet answered.

    Called inside the transaction that stores what they wrote. A closed case is not reopened:
    its advisor decides that, and the queue of open cases does not show it.
    """
    current = _locked(case)
    if current.reply_waiting_since is None and current.status != Status.CLOSED:
        current.reply_waiting_since = at
        count_targets(current, start=current.reopened_at or current.received_at)
        set_next_target(current)
        current.save(update_fields=["reply_waiting_since", *DUE_FIELDS, *NEXT_TARGET_FIELDS])
    return current


def raise_priority(*, case: Case, assessment: Assessment) -> tuple[str, str] | None:
    """Triage again after the reporter added information; the case takes the new band only if
    it is more urgent. ``assessment`` is of the report's answers with what was added.

    The reasons the new band gave are put first among the case's, so the case says why. No
    person decided it, so the audit event has no actor. (from, to), or None if unchanged.
    Called inside the transaction that stores what was added.
    """
    current = _locked(case)
    if not _lowering(assessment.priority, current.priority):
        return None  # the same band, or a less urgent one: an advisor lowers, never the reporter
    before = current.priority
    raised = [
        {"code": r.code, "priority": r.priority, "text": r.text, "added_later": True}
        for r in assessment.reasons
        if r.priority == assessment.priority
    ]
    current.priority = current.computed_priority = assessment.priority
    current.reasons = raised + [r for r in current.reasons if not r.get("added_later")]
    count_targets(current, start=current.reopened_at or current.received_at)
    set_next_target(current)
    current.save(
        update_fields=["priority", "computed_priority", "reasons", *DUE_FIELDS, *NEXT_TARGET_FIELDS]
    )
    record_event(
        action=Action.CASE_RETRIAGED,
        report_id=current.report_id,
        detail={
            "case": str(current.id),
            "from": before,
            "to": current.priority,
            "reasons": [r["code"] for r in raised],
        },
    )
    case.priority = current.priority
    return before, current.priority

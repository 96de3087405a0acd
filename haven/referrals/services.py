"""The verbs of referrals: drafting one from a case, choosing what is shared and on what lawful
basis, approval, sending (a frozen, sealed copy), what the agency does with it, and revoking it.

Every move goes through ``_move``, which follows ``lifecycle.TRANSITIONS``, records a
``ReferralEvent`` and its audit event in the same transaction, and refuses anything else. Who may
make a move is the table's ``side``: the referrer is the advisor holding the case, a supervisor
decides approvals, and only a member of the agency it was sent to acts for the agency. A refusal
is audited (``referral.refused``) after the refused change has rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from haven.accounts.services import has_permission
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.lifecycle import Status
from haven.cases.models import Case
from haven.notify.notifiers import Kind as NoticeKind
from haven.referrals import sections
from haven.referrals.lifecycle import OPEN_STATES, WITH_PARTNER, Side, State, move
from haven.referrals.models import (
    FOR_SUPERVISOR,
    LawfulBasis,
    PartnerAgency,
    PartnerMembership,
    Referral,
    ReferralCopy,
    ReferralEvent,
    ReferralMessage,
)
from haven.reporting import notices
from haven.reporting.models import Report
from haven.sealing.services import open_sealed, seal
from haven.triage.rules import Priority
from haven.triage.services import add_working_days


class ReferralRuleBroken(Exception):
    """Not allowed; the message says why, in words for the person who tried."""


# A case may be referred once a threshold decision says it meets the threshold, and until it
# is closed; a P1 case at once, whatever its status (a child in danger cannot wait).
REFERABLE = (
    Status.MEETS_THRESHOLD,
    Status.CONTACTING,
    Status.PLANNING,
    Status.ACTION_TAKEN,
    Status.REFERRED,
    Status.MONITORING,
)

# The audit event of arriving in each state by a move.
ARRIVAL: dict[str, Action] = {
    State.AWAITING_APPROVAL: Action.REFERRAL_SUBMITTED,
    State.SENT: Action.REFERRAL_SENT,
    State.DRAFT: Action.REFERRAL_RETURNED,
    State.ACKNOWLEDGED: Action.REFERRAL_ACKNOWLEDGED,
    State.ACCEPTED: Action.REFERRAL_ACCEPTED,
    State.DECLINED: Action.REFERRAL_DECLINED,
    State.MORE_INFORMATION: Action.REFERRAL_INFORMATION_REQUESTED,
    State.CLOSED: Action.REFERRAL_CLOSED,
    State.REVOKED: Action.REFERRAL_REVOKED,
}


@dataclass
class Draft:
    """The advisor's working referral, opened: every section's words and what is shared."""

    words: dict[str, str] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)
    consent_by: str = ""
    consent_at: str = ""
    no_consent_reason: str = ""
    reporter_reason: str = ""

    def as_contents(self) -> dict[str, Any]:
        return {
            "words": {slug: self.words.get(slug, "") for slug in sections.SLUGS},
            "shared": [slug for slug in sections.SLUGS if slug in self.shared],
            "consent_by": self.consent_by,
            "consent_at": self.consent_at,
            "no_consent_reason": self.no_consent_reason,
            "reporter_reason": self.reporter_reason,
        }

    @classmethod
    def from_contents(cls, contents: dict[str, Any]) -> Draft:
        words = contents.get("words", {})
        return cls(
            words={slug: str(words.get(slug, "")) for slug in sections.SLUGS},
            shared=[s for s in contents.get("shared", []) if s in sections.BY_SLUG],
            consent_by=str(contents.get("consent_by", "")),
            consent_at=str(contents.get("consent_at", "")),
            no_consent_reason=str(contents.get("no_consent_reason", "")),
            reporter_reason=str(contents.get("reporter_reason", "")),
        )


# --- Who may act ---------------------------------------------------------------------------


def agency_of(user: User) -> PartnerAgency | None:
    """The agency a partner user belongs to; None for everyone else."""
    membership = PartnerMembership.objects.select_related("agency").filter(user=user).first()
    return membership.agency if membership is not None else None


def _may(referral: Referral, side: str, by: User) -> str:
    """Why ``by`` may not act for ``side`` on ``referral`` ("" when they may)."""
    if side == Side.PARTNER:
        agency = agency_of(by)
        if agency is None or agency.pk != referral.agency_id:
            return "Only the agency this referral was sent to can do that."
        return ""
    if side == Side.SUPERVISOR:
        if not has_permission(by, "referrals.approve"):
            return "Only a supervisor can approve or return a referral."
        if referral.created_by_id == by.pk:
            return "Someone other than the advisor who wrote it must approve it."
        return ""
    case = referral.case
    if not has_permission(by, "referrals.make"):
        return "Only an advisor can do that."
    if case.assigned_to_id is not None and case.assigned_to_id != by.pk:
        return "This case is another advisor's: only they can change its referrals."
    return ""


def _refused(referral: Referral | None, *, by: User, why: str, case: Case | None = None) -> None:
    """Record a refusal in its own transaction, then raise it."""
    case = case or (referral.case if referral is not None else None)
    with transaction.atomic():
        record_event(
            action=Action.REFERRAL_REFUSED,
            actor=by,
            report_id=case.report_id if case is not None else None,
            detail={
                "case": str(case.id) if case is not None else None,
                "referral": str(referral.id) if referral is not None else None,
            },
        )
    raise ReferralRuleBroken(why)


def _event(action: Action, referral: Referral, *, by: User, **detail: Any) -> None:
    record_event(
        action=action,
        actor=by,
        report_id=referral.case.report_id,
        detail={
            "case": str(referral.case_id),
            "referral": str(referral.id),
            "agency": str(referral.agency_id),
            **detail,
        },
    )


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "agency")
        .get(pk=referral.pk)
    )


def _seal(referral_id: uuid.UUID, contents: dict[str, Any]) -> tuple[str, bytes]:
    sealed = seal(record_id=str(referral_id), contents=contents)
    return sealed.key_id, sealed.ciphertext


def _open(referral_id: uuid.UUID, key_id: str, ciphertext: bytes | memoryview) -> dict[str, Any]:
    return open_sealed(record_id=str(referral_id), key_id=key_id, ciphertext=bytes(ciphertext))


def _reason(referral: Referral, text: str) -> tuple[str, bytes | None]:
    if not text:
        return "", None
    return _seal(referral.id, {"kind": "reason", "text": text})


# --- Drafting ------------------------------------------------------------------------------


def why_not_referable(case: Case) -> str:
    """Why the case cannot be referred yet ("" when it can)."""
    if case.status == Status.CLOSED:
        return "The case is closed. Reopen it to refer it."
    if case.priority == Priority.P1 or case.status in REFERABLE:
        return ""
    return "Record a threshold decision that the case meets the threshold before referring it."


def referrer_words(by: User) -> str:
    lines = [
        by.get_full_name() or by.get_username(),
        str(settings.HAVEN_ORGANISATION_NAME),
        by.email,
    ]
    return "\n".join(line for line in lines if line)


def draft_referral(*, case: Case, agency: PartnerAgency, by: User) -> Referral:
    """Start a referral of ``case`` to ``agency``, pre-filled from the sealed report and the
    case's record (``sections.prefill``), with the default sections shared and the reporter's
    identity withheld. Opening the report for it is audited as an opening."""
    why = why_not_referable(case) or (
        "" if agency.active else "That agency is no longer in the directory."
    )
    if not why and case.assigned_to_id is not None and case.assigned_to_id != by.pk:
        why = "This case is another advisor's: only they can refer it."
    if not why and not has_permission(by, "referrals.make"):
        why = "Only an advisor can refer a case."
    if why:
        _refused(None, by=by, why=why, case=case)
    report = Report.objects.get(pk=case.report_id)
    opened = open_sealed(
        record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
    )
    draft = Draft(
        words=sections.prefill(
            case=case,
            audience=str(opened.get("audience", report.audience)),
            answers=opened.get("answers", {}),
            referrer=referrer_words(by),
        ),
        shared=[s.slug for s in sections.SECTIONS if s.shared_by_default],
    )
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        number = (locked.referrals.aggregate(m=Max("number"))["m"] or 0) + 1
        referral_id = uuid.uuid4()
        key_id, sealed = _seal(referral_id, draft.as_contents())
        referral = Referral.objects.create(
            id=referral_id,
            case=locked,
            number=number,
            agency=agency,
            urgent=locked.priority == Priority.P1,
            key_id=key_id,
            sealed=sealed,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        record_event(action=Action.REPORT_OPENED, actor=by, report_id=report.id)
        _event(Action.REFERRAL_DRAFTED, referral, by=by)
    return referral


def open_draft(referral: Referral) -> Draft:
    """The advisor's working referral (staff tier)."""
    return Draft.from_contents(_open(referral.id, referral.key_id, referral.sealed))


def save_draft(
    *, referral: Referral, by: User, draft: Draft, lawful_basis: str, urgent: bool
) -> Referral:
    """Keep the advisor's changes to a draft: the words, what is shared, the lawful basis.

    The referrer is always shared; the reporter's identity only with a reason. Only a draft
    changes: once it has gone for approval or been sent, its words are fixed.
    """
    if lawful_basis not in ("", *LawfulBasis.values):
        raise ReferralRuleBroken("Choose the lawful basis for sharing.")
    shared = set(draft.shared) | {sections.REFERRER}
    draft = Draft(**{**draft.__dict__, "shared": [s for s in sections.SLUGS if s in shared]})
    with transaction.atomic():
        current = _locked(referral)
        if current.state != State.DRAFT:
            raise ReferralRuleBroken("Only a draft can be changed.")
        why = _may(current, Side.REFERRER, by)
        if not why:
            current.key_id, current.sealed = _seal(current.id, draft.as_contents())
            current.lawful_basis, current.urgent = lawful_basis, urgent
            current.updated_at = timezone.now()
            current.save(update_fields=["key_id", "sealed", "lawful_basis", "urgent", "updated_at"])
            _event(Action.REFERRAL_SAVED, current, by=by, shared=draft.shared, basis=lawful_basis)
    if why:
        _refused(current, by=by, why=why)
    return current


def what_is_missing(referral: Referral, draft: Draft) -> list[tuple[str, str]]:
    """What must be put right before the referral can go, as (field, message) pairs."""
    missing = []
    if not referral.lawful_basis:
        missing.append(("lawful_basis", "Choose the lawful basis for sharing"))
    elif referral.lawful_basis == LawfulBasis.CONSENT:
        if not draft.consent_by.strip():
            missing.append(("consent_by", "Enter who gave consent"))
        if not draft.consent_at.strip():
            missing.append(("consent_at", "Enter when consent was given"))
    elif not draft.no_consent_reason.strip():
        missing.append(("no_consent_reason", "Enter why consent was not sought"))
    if sections.REPORTER in draft.shared and not draft.reporter_reason.strip():
        missing.append(
            ("reporter_reason", "Enter why the reporter's identity must be shared, or withhold it")
        )
    if not any(s != sections.REFERRER and draft.words.get(s, "").strip() for s in draft.shared):
        missing.append(("shared", "Share at least one section besides who is referring"))
    return missing


def approval_needed(referral: Referral) -> bool:
    """HAVEN_REFERRAL_APPROVAL: ``all``, ``not_p1`` (the default: a P1 case's referral goes at
    once and a supervisor reviews it afterwards) or ``none``."""
    rule = settings.HAVEN_REFERRAL_APPROVAL
    if rule == "none":
        return False
    return rule == "all" or referral.case.priority != Priority.P1


def send_referral(*, referral: Referral, by: User) -> Referral:
    """The advisor is done: the referral goes for approval, or, where none is needed, is sent.

    Refused while anything is missing (``what_is_missing``): above all, nothing is sent
    without a lawful basis.
    """
    with transaction.atomic():
        current = _locked(referral)
        missing = what_is_missing(current, open_draft(current))
        if missing:
            raise ReferralRuleBroken(missing[0][1] + ".")
        to = State.AWAITING_APPROVAL if approval_needed(current) else State.SENT
        why = _move(current, to, by=by)
        if not why and to == State.SENT and settings.HAVEN_REFERRAL_APPROVAL != "none":
            # Sent without approval only because the case is P1: a supervisor looks afterwards.
            current.review_needed = True
            current.save(update_fields=["review_needed"])
    if why:
        _refused(current, by=by, why=why)
    return current


def approve_referral(*, referral: Referral, by: User) -> Referral:
    """A supervisor other than its writer approves the referral, and it is sent."""
    with transaction.atomic():
        current = _locked(referral)
        why = _move(current, State.SENT, by=by)
        if not why:
            _event(Action.REFERRAL_APPROVED, current, by=by)
    if why:
        _refused(current, by=by, why=why)
    return current


def return_referral(*, referral: Referral, by: User, reason: str) -> Referral:
    """A supervisor sends the referral back to its advisor as a draft, saying why."""
    return _simple_move(referral, State.DRAFT, by=by, reason=reason)


def review_referral(*, referral: Referral, by: User) -> Referral:
    """A supervisor has looked at an urgent referral sent without approval."""
    with transaction.atomic():
        current = _locked(referral)
        why = "" if current.review_needed else "This referral is not waiting for a review."
        why = why or ("" if has_permission(by, "referrals.approve") else "Only a supervisor can.")
        if not why and current.sent_by_id == by.pk:
            why = "Someone other than the advisor who sent it must review it."
        if not why:
            current.review_needed = False
            current.reviewed_by, current.reviewed_at = by, timezone.now()
            current.save(update_fields=["review_needed", "reviewed_by", "reviewed_at"])
            _event(Action.REFERRAL_REVIEWED, current, by=by)
    if why:
        _refused(current, by=by, why=why)
    return current


def _acknowledge_due(referral: Referral, sent_at: datetime) -> datetime:
    target = settings.HAVEN_REFERRAL_ACKNOWLEDGE["urgent" if referral.urgent else "standard"]
    if target.working_days:
        return add_working_days(sent_at, target.working_days)
    return sent_at + timedelta(minutes=target.minutes)


def _dispatch(current: Referral, *, by: User) -> dict[str, Any]:
    """Freeze the shared sections into the agency's sealed copy and start the clock; returns
    what was shared and on what basis, for the audit event (names of sections, never words)."""
    draft = open_draft(current)
    now = timezone.now()
    consent = current.lawful_basis == LawfulBasis.CONSENT
    copy = {
        "reference": current.reference,
        "case_reference": current.case.reference,
        "agency": current.agency.name,
        "urgent": current.urgent,
        "sent_at": now.isoformat(),
        "lawful_basis": current.lawful_basis,
        "consent_by": draft.consent_by if consent else "",
        "consent_at": draft.consent_at if consent else "",
        "no_consent_reason": "" if consent else draft.no_consent_reason,
        "sections": [
            {"slug": slug, "words": draft.words.get(slug, "")}
            for slug in sections.SLUGS
            if slug in draft.shared
        ],
    }
    key_id, sealed = _seal(current.id, copy)
    ReferralCopy.objects.update_or_create(
        referral=current, defaults={"key_id": key_id, "sealed": sealed}
    )
    # Saved with the move's state, which the database allows "sent" only beside them.
    current.sent_at, current.sent_by = now, by
    current.acknowledge_due = _acknowledge_due(current, now)
    return {"shared": draft.shared, "basis": current.lawful_basis, "urgent": current.urgent}


def _move(current: Referral, to: str, *, by: User, reason: str = "") -> str:
    """Make the move ``current.state`` → ``to`` on the locked referral, if the table has it and
    ``by`` is on its side; returns why not ("" when made)."""
    step = move(current.state, to)
    if step is None:
        return f"A referral cannot go from {current.get_state_display()} to {State(to).label}."
    why = _may(current, step.side, by)
    if why:
        return why
    reason = reason.strip()
    if step.needs_reason and not reason:
        raise ReferralRuleBroken("Give a reason.")
    key_id, sealed = _reason(current, reason)
    frm = current.state
    now = timezone.now()
    ReferralEvent.objects.create(
        referral=current,
        at=now,
        by=by,
        from_state=frm,
        to_state=to,
        reason_key_id=key_id,
        reason_sealed=sealed,
    )
    current.state, current.updated_at = to, now
    fields = ["state", "updated_at"]
    if to == State.ACKNOWLEDGED and current.acknowledged_at is None:
        current.acknowledged_at = now
        fields.append("acknowledged_at")
    if to == State.REVOKED:
        current.revoked_at = now
        fields.append("revoked_at")
    # Arriving in "sent" is sending: what was shared with whom, and on what basis, is in its
    # event (the audit page's answer to "what did we share with agency X?").
    detail: dict[str, Any] = {}
    if to == State.SENT:
        detail = _dispatch(current, by=by)
        fields += ["sent_at", "sent_by", "acknowledge_due"]
    current.save(update_fields=fields)
    _event(ARRIVAL[to], current, by=by, **{"from": frm}, **detail)
    _tell(current, side=step.side, to=to)
    return ""


def _tell(current: Referral, *, side: str, to: str) -> None:
    """Notices with no content, in the move's transaction: the agency's users when a referral
    reaches them or their question is answered; the advisor when the agency acts."""
    if side == Side.PARTNER:
        advisor = current.case.assigned_to or current.created_by
        users: list[User] = [advisor]
        kind = NoticeKind.ADVISOR_REFERRAL
    elif to in (State.SENT, State.ACKNOWLEDGED):
        users = [
            m.user
            for m in PartnerMembership.objects.select_related("user").filter(
                agency_id=current.agency_id
            )
        ]
        kind = NoticeKind.PARTNER_REFERRAL
    else:
        return
    notices.notify_users(current.case, referral_id=current.id, kind=kind, users=users)


def _simple_move(referral: Referral, to: str, *, by: User, reason: str = "") -> Referral:
    with transaction.atomic():
        current = _locked(referral)
        why = _move(current, to, by=by, reason=reason)
    if why:
        _refused(current, by=by, why=why)
    return current


# --- The agency's side ---------------------------------------------------------------------


def acknowledge(*, referral: Referral, by: User) -> Referral:
    return _simple_move(referral, State.ACKNOWLEDGED, by=by)


def accept(*, referral: Referral, by: User, partner_reference: str = "") -> Referral:
    current = _simple_move(referral, State.ACCEPTED, by=by)
    if partner_reference.strip():
        set_partner_reference(referral=current, by=by, partner_reference=partner_reference)
    return current


def decline(*, referral: Referral, by: User, reason: str) -> Referral:
    return _simple_move(referral, State.DECLINED, by=by, reason=reason)


def close(*, referral: Referral, by: User, outcome: str = "") -> Referral:
    """The agency closes an accepted referral with its outcome; the advisor closes a declined
    one."""
    return _simple_move(referral, State.CLOSED, by=by, reason=outcome)


def set_partner_reference(*, referral: Referral, by: User, partner_reference: str) -> Referral:
    """The agency's own reference for the referral."""
    partner_reference = partner_reference.strip()[:60]
    with transaction.atomic():
        current = _locked(referral)
        why = _may(current, Side.PARTNER, by)
        if not why and current.state not in WITH_PARTNER:
            why = "This referral is no longer yours to change."
        if not why:
            current.partner_reference = partner_reference
            current.save(update_fields=["partner_reference"])
            _event(Action.REFERRAL_PARTNER_REFERENCE, current, by=by)
    if why:
        _refused(current, by=by, why=why)
    return current


def _message(current: Referral, *, by: User, text: str, from_partner: bool) -> ReferralMessage:
    key_id, sealed = _seal(current.id, {"kind": "message", "text": text})
    return ReferralMessage.objects.create(
        referral=current,
        at=timezone.now(),
        by=by,
        from_partner=from_partner,
        key_id=key_id,
        sealed=sealed,
    )


def request_information(*, referral: Referral, by: User, question: str) -> Referral:
    """The agency asks the referring advisor something; it joins the referral's thread."""
    question = question.strip()
    if not question:
        raise ReferralRuleBroken("Write what you need to know.")
    with transaction.atomic():
        current = _locked(referral)
        why = _move(current, State.MORE_INFORMATION, by=by, reason=question)
        if not why:
            _message(current, by=by, text=question, from_partner=True)
    if why:
        _refused(current, by=by, why=why)
    return current


def answer_request(*, referral: Referral, by: User, answer: str) -> Referral:
    """The advisor answers the agency's question in the thread; it is the agency's turn again."""
    answer = answer.strip()
    if not answer:
        raise ReferralRuleBroken("Write your answer.")
    with transaction.atomic():
        current = _locked(referral)
        why = _move(current, State.ACKNOWLEDGED, by=by, reason=answer)
        if not why:
            _message(current, by=by, text=answer, from_partner=False)
    if why:
        _refused(current, by=by, why=why)
    return current


def revoke(*, referral: Referral, by: User, reason: str) -> Referral:
    """Withdraw a sent referral: the agency's copy is destroyed at once; the referral's row, its
    events and who revoked it, when and why, remain as the tombstone."""
    with transaction.atomic():
        current = _locked(referral)
        why = _move(current, State.REVOKED, by=by, reason=reason)
        if not why:
            ReferralCopy.objects.filter(referral=current).delete()
    if why:
        _refused(current, by=by, why=why)
    return current


def open_copy(*, referral: Referral, by: User) -> dict[str, Any]:
    """The frozen copy, for a member of the agency it was sent to. Every opening is audited
    (committed before the words are returned), and so is every refusal."""
    with transaction.atomic():
        current = Referral.objects.select_related("case", "agency").get(pk=referral.pk)
        why = _may(current, Side.PARTNER, by)
        copy = ReferralCopy.objects.filter(referral=current).first()
        if not why and (current.state not in WITH_PARTNER or copy is None):
            why = "This referral has been withdrawn."
        if not why:
            _event(Action.REFERRAL_OPENED, current, by=by)
    if why:
        _refused(current, by=by, why=why)
    assert copy is not None
    return _open(current.id, copy.key_id, copy.sealed)


# --- Lists ---------------------------------------------------------------------------------


# The referral's own columns every list of referrals shows (its reference is its case's and
# its number; the rest is what a row says of it). The lists read these, never the sealed draft.
LISTED = ("id", "case", "number", "state", "urgent", "sent_at", "acknowledge_due")


def for_agency(agency: PartnerAgency) -> QuerySet[Referral]:
    """What the agency's users see: referrals sent to it, revoked ones left out; only the
    columns their list shows (never the sealed draft), newest first, as the index
    ``referral_partner_list`` holds them, so a page is a range of it."""
    return (
        Referral.objects.filter(agency=agency, state__in=WITH_PARTNER)
        .select_related("case")
        .only(*LISTED, "agency_id", "acknowledged_at", "case__reference")
        .order_by("-sent_at", "id")
    )


def overdue(now: datetime | None = None) -> Q:
    """Referrals sent and not acknowledged by their target."""
    return Q(state=State.SENT, acknowledge_due__lt=now or timezone.now())


# Every count of referrals (the team page's by state, an agency's list) stops above this many
# and says "More than 1,000": accepted referrals stay accepted until the agency closes them,
# so an exact count would grow with the years.
COUNT_CAP = 1_000


def counts_by_state() -> dict[str, int]:
    """How many referrals are in each open state, each counted to ``COUNT_CAP + 1`` at most,
    for the team page: one statement of a capped count per state, each a range of the index
    ``referral_open_state``. Closed and revoked ones are not counted."""
    one = (
        "SELECT %s, (SELECT COUNT(*) FROM"
        " (SELECT 1 FROM referrals_referral WHERE state = %s LIMIT %s) AS c)"
    )
    params: list[str | int] = []
    for state in OPEN_STATES:
        params += [str(state), str(state), COUNT_CAP + 1]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([one] * len(OPEN_STATES)), params)
        found = {str(state): int(count) for state, count in cursor.fetchall()}
    return {state: found.get(state, 0) for state in OPEN_STATES}


def unacknowledged(now: datetime | None = None) -> QuerySet[Referral]:
    """Referrals past their acknowledgement target, the longest overdue first (the index
    ``referral_ack_waiting``), with what the lists of them show."""
    return (
        Referral.objects.filter(overdue(now))
        .select_related("case", "agency")
        .only(*LISTED, "agency__name", "agency__out_of_hours", "case__reference")
        .order_by("acknowledge_due", "id")
    )


def waiting_for_supervisor() -> QuerySet[Referral]:
    """Referrals a supervisor must approve, or review after an urgent sending; oldest first
    (the index ``referral_for_supervisor``)."""
    return (
        Referral.objects.filter(FOR_SUPERVISOR)
        .select_related("case", "agency")
        .only(*LISTED, "agency__name", "case__reference")
        .order_by("updated_at", "id")
    )

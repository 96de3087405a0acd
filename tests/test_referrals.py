"""Referrals to partner agencies (issue 9): drafting from a case, what is shared and on what
basis, approval, sending a frozen sealed copy, the agency's moves, revoking, and the audit trail
of each. Through the service functions; the pages have their own tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases.lifecycle import Status
from haven.referrals import sections, services
from haven.referrals.lifecycle import State
from haven.referrals.models import Referral, ReferralCopy, ReferralEvent, ReferralMessage
from haven.referrals.services import Draft, ReferralRuleBroken
from tests.factories import CaseFactory, PartnerAgencyFactory, StaffUserFactory, partner_user
from tests.test_raw_database import tables_holding

pytestmark = pytest.mark.django_db

NARRATIVE = "He said he would post my photos unless I sent more. I am scared."


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory(email="advisor@example.org", first_name="Sam", last_name="Example")


@pytest.fixture
def supervisor() -> Any:
    return StaffUserFactory(role="supervisor")


@pytest.fixture
def agency() -> Any:
    return PartnerAgencyFactory()


def a_case(advisor: Any, *, priority: str = "P2", status: str = Status.PLANNING, **kw: Any) -> Any:
    return CaseFactory(
        audience="child",
        narrative=NARRATIVE,
        priority=priority,
        status=status,
        assigned_to=advisor,
        **kw,
    )


def ready(referral: Referral, advisor: Any, **changes: Any) -> Referral:
    """The draft with a lawful basis given: sharing without consent, and why."""
    draft = services.open_draft(referral)
    draft.no_consent_reason = changes.pop(
        "no_consent_reason", "Telling the parents could put the child at risk."
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    return services.save_draft(
        referral=referral,
        by=advisor,
        draft=draft,
        lawful_basis="safeguarding",
        urgent=referral.urgent,
    )


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- When a case may be referred ---------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.NEW, Status.ASSESSING, Status.BELOW_THRESHOLD])
def test_a_case_without_a_decision_that_it_meets_the_threshold_cannot_be_referred(
    advisor, agency, status
):
    case = a_case(advisor, status=status)
    with pytest.raises(ReferralRuleBroken, match="threshold decision"):
        services.draft_referral(case=case, agency=agency, by=advisor)
    assert not Referral.objects.exists()
    refused = events("referral.refused")
    assert [(e.actor_id, e.report_id) for e in refused] == [(advisor.pk, case.report_id)]


def test_a_p1_case_can_be_referred_straight_away(advisor, agency):
    case = a_case(advisor, priority="P1", status=Status.NEW)
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    assert (referral.state, referral.urgent, referral.number) == (State.DRAFT, True, 1)
    assert referral.reference == f"{case.reference}-R1"


def test_another_advisors_case_cannot_be_referred(advisor, agency):
    case = a_case(advisor)
    other = StaffUserFactory()
    with pytest.raises(ReferralRuleBroken, match="another advisor's"):
        services.draft_referral(case=case, agency=agency, by=other)
    assert not Referral.objects.exists()


def test_a_closed_case_cannot_be_referred(advisor, agency):
    case = a_case(advisor, status=Status.CLOSED)
    with pytest.raises(ReferralRuleBroken, match="closed"):
        services.draft_referral(case=case, agency=agency, by=advisor)


def test_a_case_can_have_several_referrals_numbered_in_turn(advisor, agency):
    case = a_case(advisor)
    police = PartnerAgencyFactory(kind="police")
    first = services.draft_referral(case=case, agency=agency, by=advisor)
    second = services.draft_referral(case=case, agency=police, by=advisor)
    assert (first.number, second.number) == (1, 2)


# --- The draft -----------------------------------------------------------------------------


def test_the_draft_is_prefilled_with_the_reporter_withheld_and_the_report_opening_audited(
    advisor, agency
):
    case = a_case(
        advisor, contact={"email": "synthetic.reporter@example.org", "leave_message": "no"}
    )
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    assert draft.words["child_words"] == f"\u201c{NARRATIVE}\u201d"
    assert NARRATIVE in draft.words["concern"]
    assert "synthetic.reporter@example.org" in draft.words[sections.REPORTER]
    assert "Sam Example" in draft.words[sections.REFERRER]
    assert sections.REPORTER not in draft.shared
    assert sections.REFERRER in draft.shared
    assert draft.words["urgency"].startswith("P2")
    assert [e.report_id for e in events("report.opened")] == [case.report_id]
    assert [e.detail["referral"] for e in events("referral.drafted")] == [str(referral.id)]


def test_the_referrer_is_always_shared(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.shared = ["concern"]
    saved = services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="", urgent=False
    )
    assert services.open_draft(saved).shared == [sections.REFERRER, "concern"]


def test_nothing_is_sent_without_a_lawful_basis(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    with pytest.raises(ReferralRuleBroken, match="lawful basis"):
        services.send_referral(referral=referral, by=advisor)
    referral.refresh_from_db()
    assert referral.state == State.DRAFT and not ReferralCopy.objects.exists()
    # And the database itself refuses a sent referral with none.
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(state=State.SENT, sent_at=timezone.now())


def test_consent_needs_who_gave_it_and_when(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    draft = services.open_draft(referral)
    saved = services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="consent", urgent=False
    )
    missing = services.what_is_missing(saved, services.open_draft(saved))
    assert [name for name, _ in missing] == ["consent_by", "consent_at"]


def test_sharing_the_reporters_identity_needs_a_reason(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    draft = services.open_draft(referral)
    ready(referral, advisor, shared=[*draft.shared, sections.REPORTER])
    with pytest.raises(ReferralRuleBroken, match="reporter's identity"):
        services.send_referral(referral=referral, by=advisor)


# --- Approval --------------------------------------------------------------------------------


def test_a_p2_referral_waits_for_a_supervisor_who_approves_and_sends_it(
    advisor, supervisor, agency
):
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    services.send_referral(referral=referral, by=advisor)
    referral.refresh_from_db()
    assert referral.state == State.AWAITING_APPROVAL and not ReferralCopy.objects.exists()

    services.approve_referral(referral=referral, by=supervisor)
    referral.refresh_from_db()
    assert referral.state == State.SENT
    assert referral.sent_by == supervisor and referral.review_needed is False
    assert ReferralCopy.objects.filter(referral=referral).exists()
    moves = list(referral.events.order_by("at").values_list("from_state", "to_state", "by"))
    assert moves == [
        (State.DRAFT, State.AWAITING_APPROVAL, advisor.pk),
        (State.AWAITING_APPROVAL, State.SENT, supervisor.pk),
    ]
    (sent,) = events("referral.sent")
    assert sent.detail["basis"] == "safeguarding"
    assert sent.detail["shared"] == [s.slug for s in sections.SECTIONS if s.shared_by_default]
    assert sent.detail["agency"] == str(agency.id)


def test_the_writer_cannot_approve_their_own_referral(agency):
    supervisor = StaffUserFactory(role="supervisor")
    case = a_case(supervisor)
    referral = ready(services.draft_referral(case=case, agency=agency, by=supervisor), supervisor)
    services.send_referral(referral=referral, by=supervisor)
    with pytest.raises(ReferralRuleBroken, match="Someone other than"):
        services.approve_referral(referral=referral, by=supervisor)
    referral.refresh_from_db()
    assert referral.state == State.AWAITING_APPROVAL


def test_an_advisor_cannot_approve(advisor, agency):
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    services.send_referral(referral=referral, by=advisor)
    with pytest.raises(ReferralRuleBroken, match="Only a supervisor"):
        services.approve_referral(referral=referral, by=StaffUserFactory())


def test_a_returned_referral_is_a_draft_again_with_the_reason_sealed(advisor, supervisor, agency):
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    services.send_referral(referral=referral, by=advisor)
    with pytest.raises(ReferralRuleBroken, match="reason"):
        services.return_referral(referral=referral, by=supervisor, reason=" ")
    services.return_referral(referral=referral, by=supervisor, reason="Add the school's name.")
    referral.refresh_from_db()
    assert referral.state == State.DRAFT
    back = referral.events.get(to_state=State.DRAFT)
    assert back.by == supervisor and b"school" not in bytes(back.reason_sealed)


def test_a_p1_referral_goes_at_once_and_a_supervisor_reviews_it_after(advisor, supervisor, agency):
    case = a_case(advisor, priority="P1", status=Status.NEW)
    referral = ready(services.draft_referral(case=case, agency=agency, by=advisor), advisor)
    before = timezone.now()
    services.send_referral(referral=referral, by=advisor)
    referral.refresh_from_db()
    assert referral.state == State.SENT and referral.review_needed is True
    # Urgent: acknowledged within four hours (HAVEN_REFERRAL_ACKNOWLEDGE's default).
    assert (
        before + timedelta(hours=4)
        <= referral.acknowledge_due
        <= timezone.now() + timedelta(hours=4)
    )
    with pytest.raises(ReferralRuleBroken):
        services.review_referral(referral=referral, by=advisor)
    services.review_referral(referral=referral, by=supervisor)
    referral.refresh_from_db()
    assert (referral.review_needed, referral.reviewed_by) == (False, supervisor)


def test_approval_for_every_referral_holds_back_a_p1_too(advisor, agency, settings):
    settings.HAVEN_REFERRAL_APPROVAL = "all"
    case = a_case(advisor, priority="P1", status=Status.NEW)
    referral = ready(services.draft_referral(case=case, agency=agency, by=advisor), advisor)
    services.send_referral(referral=referral, by=advisor)
    referral.refresh_from_db()
    assert referral.state == State.AWAITING_APPROVAL


def test_with_no_approval_a_p2_referral_goes_at_once_with_no_review(advisor, agency, settings):
    settings.HAVEN_REFERRAL_APPROVAL = "none"
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    services.send_referral(referral=referral, by=advisor)
    referral.refresh_from_db()
    assert (referral.state, referral.review_needed) == (State.SENT, False)


# --- The agency's side -----------------------------------------------------------------------


@pytest.fixture
def sent(advisor, agency, settings) -> Referral:
    settings.HAVEN_REFERRAL_APPROVAL = "none"
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    return services.send_referral(referral=referral, by=advisor)


def test_the_agency_reads_the_frozen_copy_and_each_opening_is_audited(sent, agency):
    member = partner_user(agency)
    copy = services.open_copy(referral=sent, by=member)
    assert copy["reference"] == sent.reference
    assert copy["lawful_basis"] == "safeguarding"
    shared = [s["slug"] for s in copy["sections"]]
    assert shared == [s.slug for s in sections.SECTIONS if s.shared_by_default]
    assert sections.REPORTER not in shared
    services.open_copy(referral=sent, by=member)
    assert [e.actor_id for e in events("referral.opened")] == [member.pk, member.pk]


def test_another_agencys_user_cannot_open_or_move_it(sent):
    stranger = partner_user(PartnerAgencyFactory())
    with pytest.raises(ReferralRuleBroken, match="Only the agency"):
        services.open_copy(referral=sent, by=stranger)
    with pytest.raises(ReferralRuleBroken, match="Only the agency"):
        services.acknowledge(referral=sent, by=stranger)
    assert not events("referral.opened")
    assert len(events("referral.refused")) == 2


def test_the_agency_acknowledges_then_accepts_with_its_own_reference(sent, agency):
    member = partner_user(agency)
    with pytest.raises(ReferralRuleBroken, match="cannot go from Sent to Accepted"):
        services.accept(referral=sent, by=member)
    services.acknowledge(referral=sent, by=member)
    services.accept(referral=sent, by=member, partner_reference="EB-2026-0042")
    sent.refresh_from_db()
    assert sent.state == State.ACCEPTED and sent.partner_reference == "EB-2026-0042"
    assert sent.acknowledged_at is not None
    services.close(referral=sent, by=member, outcome="Strategy discussion held; s47 enquiry.")
    sent.refresh_from_db()
    assert sent.state == State.CLOSED


def test_declining_needs_a_reason(sent, agency):
    member = partner_user(agency)
    services.acknowledge(referral=sent, by=member)
    with pytest.raises(ReferralRuleBroken, match="reason"):
        services.decline(referral=sent, by=member, reason="")
    services.decline(referral=sent, by=member, reason="Not in our area.")
    sent.refresh_from_db()
    assert sent.state == State.DECLINED


def test_a_request_for_more_information_and_its_answer_join_the_thread(sent, agency, advisor):
    member = partner_user(agency)
    services.acknowledge(referral=sent, by=member)
    services.request_information(referral=sent, by=member, question="Which school?")
    sent.refresh_from_db()
    assert sent.state == State.MORE_INFORMATION
    services.answer_request(referral=sent, by=advisor, answer="Example Academy.")
    sent.refresh_from_db()
    assert sent.state == State.ACKNOWLEDGED
    thread = list(sent.messages.order_by("at").values_list("from_partner", "by"))
    assert thread == [(True, member.pk), (False, advisor.pk)]


def test_revoking_destroys_the_copy_and_the_agency_can_no_longer_open_it(sent, agency, advisor):
    member = partner_user(agency)
    services.open_copy(referral=sent, by=member)
    with pytest.raises(ReferralRuleBroken, match="reason"):
        services.revoke(referral=sent, by=advisor, reason="")
    services.revoke(referral=sent, by=advisor, reason="Sent to the wrong area by mistake.")
    sent.refresh_from_db()
    assert sent.state == State.REVOKED and sent.revoked_at is not None
    assert not ReferralCopy.objects.filter(referral=sent).exists()
    with pytest.raises(ReferralRuleBroken, match="withdrawn"):
        services.open_copy(referral=sent, by=member)
    assert sent not in services.for_agency(agency)
    tombstone = sent.events.get(to_state=State.REVOKED)
    assert tombstone.by == advisor and tombstone.reason_sealed


def test_a_draft_cannot_be_revoked(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    with pytest.raises(ReferralRuleBroken, match="cannot go from Draft to Revoked"):
        services.revoke(referral=referral, by=advisor, reason="Not needed.")


def test_overdue_acknowledgements_are_found(sent):
    assert not Referral.objects.filter(services.overdue()).exists()
    later = sent.acknowledge_due + timedelta(minutes=1)
    assert list(Referral.objects.filter(services.overdue(later))) == [sent]


# --- Nothing readable at rest ------------------------------------------------------------------


def test_no_word_of_a_referral_is_readable_in_the_database(advisor, agency, settings):
    settings.HAVEN_REFERRAL_APPROVAL = "none"
    marker = "synthetic-marker-7f3a9c"
    case = a_case(advisor)
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.words["household"] = f"Lives with {marker}-household"
    draft.shared = [*draft.shared, "household"]
    ready(
        referral, advisor, words=draft.words, shared=draft.shared, no_consent_reason=f"{marker}-why"
    )
    services.send_referral(referral=referral, by=advisor)
    member = partner_user(agency)
    services.acknowledge(referral=referral, by=member)
    services.request_information(referral=referral, by=member, question=f"{marker}-question")
    services.answer_request(referral=referral, by=advisor, answer=f"{marker}-answer")
    assert ReferralCopy.objects.exists() and ReferralMessage.objects.count() == 2
    assert ReferralEvent.objects.exclude(reason_sealed=None).exists()
    assert tables_holding(marker) == []
    # ...and the copy opens to the words.
    copy = services.open_copy(referral=referral, by=member)
    assert any(marker in s["words"] for s in copy["sections"])


def test_a_prefilled_draft_holds_no_word_of_the_report_in_plaintext(advisor, agency):
    case = a_case(advisor)
    services.draft_referral(case=case, agency=agency, by=advisor)
    assert tables_holding("post my photos") == []


def test_the_draft_round_trips_through_its_seal(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    draft = Draft(
        words={"concern": "words"}, shared=["concern"], consent_by="Parent", consent_at="today"
    )
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="consent", urgent=True
    )
    again = services.open_draft(Referral.objects.get(pk=referral.pk))
    assert (again.words["concern"], again.shared, again.consent_by) == (
        "words",
        [sections.REFERRER, "concern"],
        "Parent",
    )


def test_a_standard_referral_is_due_for_acknowledgement_in_one_working_day(sent):
    from haven.triage.services import add_working_days

    assert sent.urgent is False
    assert sent.acknowledge_due == add_working_days(sent.sent_at, 1)


# --- Notices with no content -----------------------------------------------------------------


def test_a_sent_referral_tells_the_agency_and_the_agencys_moves_tell_the_advisor(
    advisor, agency, settings
):
    from haven.reporting.models import Notification

    settings.HAVEN_REFERRAL_APPROVAL = "none"
    member = partner_user(agency, email="duty.team@example.org")
    partner_user(agency, email="")  # no address: nothing to send
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    services.send_referral(referral=referral, by=advisor)
    told = list(Notification.objects.values_list("kind", "recipient", "referral", "message"))
    assert told == [("partner_referral", member.pk, referral.id, None)]

    services.acknowledge(referral=referral, by=member)
    last = Notification.objects.order_by("-created_at").first()
    assert (last.kind, last.recipient) == ("advisor_referral", advisor)

    services.revoke(referral=referral, by=advisor, reason="Sent by mistake.")
    assert Notification.objects.count() == 2  # a withdrawn referral is not announced


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_referral_notice_naming_nothing(advisor, agency, settings, monkeypatch):
    from django.core.management import call_command

    from haven.notify.notifiers import words
    from haven.reporting import notices

    sent: list[Any] = []

    class Fake:
        def send(self, notice: Any) -> str:
            sent.append(notice)
            return ""

    monkeypatch.setattr(notices, "notifier", lambda: Fake())
    settings.HAVEN_REFERRAL_APPROVAL = "none"
    partner_user(agency, email="duty.team@example.org")
    referral = ready(
        services.draft_referral(case=a_case(advisor), agency=agency, by=advisor), advisor
    )
    services.send_referral(referral=referral, by=advisor)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    assert [(n.kind.value, n.to) for n in sent] == [("partner_referral", "duty.team@example.org")]
    subject, body = words(sent[0].kind)
    assert body == "There is a referral for your team. Sign in to read it."
    assert "abuse" not in (subject + body).lower()


def test_editing_what_a_sent_referrals_event_says_was_shared_breaks_the_audit_chain(sent):
    from haven.audit.services import verify_chain
    from tests.audit_helpers import tampering_allowed

    assert verify_chain().ok
    (event,) = events("referral.sent")
    with tampering_allowed():
        AuditEvent.objects.filter(pk=event.pk).update(
            detail={**event.detail, "shared": ["referrer"], "basis": "consent"}
        )
    check = verify_chain()
    assert (check.ok, check.broken_at) == (False, event.seq)


def test_the_prefilled_words_leave_out_what_the_reporter_did_not_answer(advisor, agency):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    words = "\n".join(services.open_draft(referral).words.values())
    assert "Not answered" not in words
    assert "?:" not in words

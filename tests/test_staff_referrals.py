"""Referral pages on the advisors' side: finding the agency, the draft form, sending,
approval, answering the agency, revoking; and who may see each."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases.lifecycle import Status
from haven.referrals import sections, services
from haven.referrals.lifecycle import State
from haven.referrals.models import Referral
from tests.conftest import text_of
from tests.factories import (
    CaseFactory,
    PartnerAgencyFactory,
    StaffUserFactory,
    partner_user,
    verified_client,
)

pytestmark = pytest.mark.django_db

NARRATIVE = "A man in a game keeps asking me for pictures and says he knows my school."


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory(first_name="Sam", last_name="Example")


@pytest.fixture
def case(advisor) -> Any:
    return CaseFactory(
        audience="child",
        narrative=NARRATIVE,
        priority="P2",
        status=Status.PLANNING,
        assigned_to=advisor,
    )


@pytest.fixture
def agency() -> Any:
    return PartnerAgencyFactory(name="Example Borough Children Services", areas=["Example Borough"])


def draft_form(referral: Referral, **changes: Any) -> dict[str, Any]:
    """What the draft form posts, as the page offers it, with ``changes``."""
    draft = services.open_draft(referral)
    data: dict[str, Any] = {f"words_{slug}": words for slug, words in draft.words.items()}
    data.update(
        share=[s for s in draft.shared if s != sections.REFERRER],
        lawful_basis="",
        urgent="no",
        action="save",
    )
    data.update(changes)
    return data


def test_the_agency_is_found_by_area_and_choosing_it_starts_a_prefilled_draft(
    case, advisor, agency
):
    PartnerAgencyFactory(name="Elsewhere Care", areas=["Far Away"])
    browser = verified_client(advisor)
    url = reverse("staff:case_refer", args=[case.id])
    page = browser.get(url, {"area": "example borough"})
    assert page.status_code == 200
    assert "Example Borough Children Services" in text_of(page)
    assert "Elsewhere Care" not in text_of(page)
    started = browser.post(url, {"agency": str(agency.id)})
    referral = Referral.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse(
        "staff:referral", args=[referral.id]
    )
    page = browser.get(started["Location"])
    assert NARRATIVE in text_of(page)
    assert "Save draft" in text_of(page) and "Send for approval" in text_of(page)


def test_a_case_not_yet_decided_says_why_it_cannot_be_referred(advisor, agency):
    case = CaseFactory(status=Status.ASSESSING, assigned_to=advisor, priority="P3")
    browser = verified_client(advisor)
    url = reverse("staff:case_refer", args=[case.id])
    assert "Record a threshold decision" in text_of(browser.get(url))
    browser.post(url, {"agency": str(agency.id)})
    assert not Referral.objects.exists()


# The random id is named, so that every pytest-xdist worker collects the same test ids.
@pytest.mark.parametrize(
    "agency_id", ["", "not-an-id", pytest.param(str(uuid.uuid4()), id="UUID"), "\x00", "²"]
)
def test_an_agency_that_is_not_in_the_directory_is_an_error(case, advisor, agency_id):
    response = verified_client(advisor).post(
        reverse("staff:case_refer", args=[case.id]), {"agency": agency_id}
    )
    assert response.status_code == 200
    assert "Choose the agency to refer to" in text_of(response)
    assert not Referral.objects.exists()


def test_sending_without_a_basis_names_what_is_missing_and_sends_nothing(case, advisor, agency):
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    browser = verified_client(advisor)
    url = reverse("staff:referral", args=[referral.id])
    response = browser.post(url, draft_form(referral, action="send"))
    assert response.status_code == 200
    assert "Choose the lawful basis for sharing" in text_of(response)
    referral.refresh_from_db()
    assert referral.state == State.DRAFT


def test_the_advisor_chooses_what_is_shared_and_sends_it_for_approval(case, advisor, agency):
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    browser = verified_client(advisor)
    url = reverse("staff:referral", args=[referral.id])
    data = draft_form(
        referral,
        action="send",
        share=["child", "concern"],
        lawful_basis="safeguarding",
        no_consent_reason="The family must not know yet.",
        words_household="Lives with synthetic-household-marker.",
    )
    response = browser.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("?done=awaiting_approval")
    referral.refresh_from_db()
    assert referral.state == State.AWAITING_APPROVAL
    draft = services.open_draft(referral)
    assert draft.shared == [sections.REFERRER, "child", "concern"]
    page = browser.get(response["Location"])
    assert "The referral has gone to a supervisor to approve" in text_of(page)
    assert "Not shared:" in text_of(page)

    supervisor = StaffUserFactory(role="supervisor")
    boss = verified_client(supervisor)
    assert "Approve and send" in text_of(boss.get(url))
    approved = boss.post(reverse("staff:referral_approve", args=[referral.id]))
    assert approved.status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.SENT


def test_the_writer_is_not_offered_approval_and_cannot_approve(case, agency):
    supervisor = StaffUserFactory(role="supervisor")
    case.assigned_to = supervisor
    case.save()
    referral = services.draft_referral(case=case, agency=agency, by=supervisor)
    browser = verified_client(supervisor)
    url = reverse("staff:referral", args=[referral.id])
    browser.post(
        url,
        draft_form(referral, action="send", lawful_basis="safeguarding", no_consent_reason="Risk."),
    )
    assert "Approve and send" not in text_of(browser.get(url))
    response = browser.post(reverse("staff:referral_approve", args=[referral.id]))
    assert response.status_code == 200
    assert "Someone other than the advisor who wrote it" in text_of(response)


@pytest.fixture
def sent(case, advisor, agency, settings) -> Referral:
    settings.HAVEN_REFERRAL_APPROVAL = "none"
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.no_consent_reason = "Risk to the child."
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=False
    )
    return services.send_referral(referral=referral, by=advisor)


def test_the_advisor_sees_each_opening_by_the_agency_and_answers_its_question(
    sent, advisor, agency
):
    member = partner_user(agency, username="duty-officer-example")
    services.open_copy(referral=sent, by=member)
    services.acknowledge(referral=sent, by=member)
    services.request_information(referral=sent, by=member, question="Which school is it?")
    browser = verified_client(advisor)
    url = reverse("staff:referral", args=[sent.id])
    page = text_of(browser.get(url))
    assert "Opened by the agency" in page and "duty-officer-example" in page
    assert "Which school is it?" in page
    answered = browser.post(
        reverse("staff:referral_answer", args=[sent.id]), {"answer": "Example Academy."}
    )
    assert answered.status_code == 302
    sent.refresh_from_db()
    assert sent.state == State.ACKNOWLEDGED
    assert "Example Academy." in text_of(browser.get(url))


def test_revoking_needs_a_reason_and_then_withdraws_it(sent, advisor):
    browser = verified_client(advisor)
    url = reverse("staff:referral_revoke", args=[sent.id])
    assert browser.post(url, {"reason": ""}).status_code == 200
    assert browser.post(url, {"reason": "Wrong area."}).status_code == 302
    sent.refresh_from_db()
    assert sent.state == State.REVOKED


def test_another_advisor_sees_the_referral_but_cannot_change_or_revoke_it(sent):
    other = verified_client(StaffUserFactory())
    page = text_of(other.get(reverse("staff:referral", args=[sent.id])))
    assert "Revoke the referral" not in page
    response = other.post(reverse("staff:referral_revoke", args=[sent.id]), {"reason": "No."})
    assert response.status_code == 200
    assert "This case is another advisor" in text_of(response)
    sent.refresh_from_db()
    assert sent.state == State.SENT


def test_a_restricted_cases_referral_is_refused_to_someone_not_named(advisor, agency):
    case = CaseFactory(
        audience="child",
        priority="P1",
        status=Status.NEW,
        assigned_to=advisor,
        restricted_to=[advisor],
    )
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    outsider = verified_client(StaffUserFactory())
    before = AuditEvent.objects.filter(action="case.access_refused").count()
    response = outsider.get(reverse("staff:referral", args=[referral.id]))
    assert response.status_code == 403
    assert referral.reference not in text_of(response)
    assert AuditEvent.objects.filter(action="case.access_refused").count() == before + 1


def test_a_partner_cannot_reach_the_advisors_referral_pages(sent, agency):
    member = verified_client(partner_user(agency))
    assert member.get(reverse("staff:referral", args=[sent.id])).status_code == 403
    assert member.get(reverse("staff:case_refer", args=[sent.case_id])).status_code == 403


@pytest.mark.parametrize(
    "hostile",
    ["\x00", "x" * 100_001, "²", "<script>alert(1)</script>"],
)
def test_hostile_words_in_the_draft_form_never_give_a_server_error(case, advisor, agency, hostile):
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    data = draft_form(
        referral,
        words_concern=hostile,
        consent_by=hostile,
        share=[hostile],
        lawful_basis=hostile,
        urgent=hostile,
    )
    response = verified_client(advisor).post(reverse("staff:referral", args=[referral.id]), data)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_an_unknown_referral_is_not_found(advisor):
    assert verified_client(advisor).get(f"/staff/referrals/{uuid.uuid4()}/").status_code == 404
    assert verified_client(advisor).get("/staff/referrals/not-an-id/").status_code == 404


def test_the_queue_tags_a_case_whose_referral_is_not_acknowledged_in_time(sent, advisor):
    from datetime import timedelta

    browser = verified_client(advisor)
    assert "Referral not acknowledged" not in text_of(browser.get(reverse("staff:queue")))
    Referral.objects.filter(pk=sent.pk).update(acknowledge_due=sent.sent_at - timedelta(minutes=1))
    assert "Referral not acknowledged" in text_of(browser.get(reverse("staff:queue")))


def test_the_team_page_shows_referrals_by_state_and_those_not_acknowledged_in_time(
    advisor, agency, settings
):
    from datetime import timedelta

    settings.HAVEN_REFERRAL_APPROVAL = "none"
    case = CaseFactory(audience="child", priority="P1", status=Status.NEW, assigned_to=advisor)
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.no_consent_reason = "Risk."
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=True
    )
    referral = services.send_referral(referral=referral, by=advisor)
    Referral.objects.filter(pk=referral.pk).update(
        acknowledge_due=referral.sent_at - timedelta(minutes=1)
    )
    supervisor = verified_client(StaffUserFactory(role="supervisor"))
    page = text_of(supervisor.get(reverse("staff:team")))
    assert "Sent 1" in page
    assert referral.reference in page
    assert "Emergency duty team 0300 555 0000" in page  # urgent: ring them

    restricted = CaseFactory(
        audience="child",
        priority="P1",
        status=Status.NEW,
        assigned_to=advisor,
        restricted_to=[advisor],
    )
    Referral.objects.filter(pk=referral.pk).update(case=restricted)
    page = text_of(supervisor.get(reverse("staff:team")))
    assert referral.reference not in page and restricted.reference not in page
    assert "A restricted case" in page


def test_the_audit_page_answers_what_was_shared_with_an_agency_and_on_what_basis(sent, agency):
    other = PartnerAgencyFactory(name="Other Agency")
    supervisor = verified_client(StaffUserFactory(role="supervisor"))
    page = supervisor.get(reverse("staff:audit"), {"agency": str(agency.id)})
    assert page.status_code == 200
    words = text_of(page)
    assert "Who is referring, The child" in words
    assert "Sharing without consent to safeguard a child" in words
    assert ", about Example Borough Children Services" in words
    nothing = text_of(supervisor.get(reverse("staff:audit"), {"agency": str(other.id)}))
    assert "Who is referring" not in nothing
    refused = supervisor.get(reverse("staff:audit"), {"agency": "\x00²"})
    assert refused.status_code == 200 and "Choose an agency from the list" in text_of(refused)


def test_the_case_page_lists_its_referrals_and_offers_a_new_one(sent, advisor):
    browser = verified_client(advisor)
    page = text_of(browser.get(reverse("staff:case", args=[sent.case_id])))
    assert f"{sent.reference} · Example Borough Children Services · Sent" in page
    assert "Make a referral" in page
    other = text_of(
        verified_client(StaffUserFactory()).get(reverse("staff:case", args=[sent.case_id]))
    )
    assert sent.reference in other and "Make a referral" not in other  # not their case


def test_a_referral_notice_that_could_not_be_sent_shows_on_the_case(sent, advisor):
    from haven.reporting.models import NoticeState, Notification

    Notification.objects.filter(referral=sent).update(
        state=NoticeState.FAILED, reason="no address to send it to"
    )
    partner_user(sent.agency, email="duty.team@example.org")
    Notification.objects.create(
        case=sent.case,
        referral=sent,
        kind="partner_referral",
        channel="email",
        state=NoticeState.FAILED,
        reason="no address to send it to",
        created_at=sent.sent_at,
        updated_at=sent.sent_at,
    )
    page = text_of(verified_client(advisor).get(reverse("staff:case", args=[sent.case_id])))
    assert "A notice telling the agency about a referral could not be sent" in page

"""The partner portal (issue 9): a partner agency's users see only the referrals sent to their
agency, read each as it was sent (every opening audited), and make their moves on it over
HTTP. A referral of another agency, a revoked one and an id that names nothing are the same
404 page. No input gives a 5xx."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.cases.lifecycle import Status
from haven.referrals import sections, services
from haven.referrals.lifecycle import State
from haven.referrals.models import Referral
from tests.conftest import text_of as _text_of
from tests.factories import (
    CaseFactory,
    PartnerAgencyFactory,
    StaffUserFactory,
    partner_user,
    verified_client,
)
from tests.test_fuzz_forms import RANDOM, _draw, _forms, _hostile_grid, _send

pytestmark = pytest.mark.django_db

# Withheld from every referral below unless a test shares it.
WITHHELD = ("household", sections.REPORTER)


@pytest.fixture(autouse=True)
def no_approval(settings: Any) -> None:
    settings.HAVEN_REFERRAL_APPROVAL = "none"


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory(username="advisor-sam", email="sam@example.org")


@pytest.fixture
def agency() -> Any:
    return PartnerAgencyFactory(name="Example Borough Children's Services")


@pytest.fixture
def member(agency: Any) -> Any:
    return partner_user(agency, username="partner-pat")


@pytest.fixture
def client(member: Any) -> Client:
    return verified_client(member)


def send(
    advisor: Any, agency: Any, marker: str, *, urgent: bool = False, consent: bool = False
) -> Referral:
    """A referral sent to ``agency``, each section's words ``<marker>-<slug>``, the household
    and the reporter's identity withheld."""
    case = CaseFactory(
        audience="child",
        priority="P1" if urgent else "P2",
        status=Status.PLANNING,
        assigned_to=advisor,
    )
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.words = {slug: f"{marker}-{slug}" for slug in sections.SLUGS}
    draft.shared = [slug for slug in sections.SLUGS if slug not in WITHHELD]
    if consent:
        draft.consent_by, draft.consent_at = f"{marker}-mother", "1 December 2026"
    else:
        draft.no_consent_reason = f"{marker}-why-not"
    services.save_draft(
        referral=referral,
        by=advisor,
        draft=draft,
        lawful_basis="consent" if consent else "safeguarding",
        urgent=urgent,
    )
    return services.send_referral(referral=referral, by=advisor)


def text_of(response: Any) -> str:
    return html.unescape(_text_of(response))


def shown(response: Any) -> str:
    """The page as sent, without the nonce every page is given afresh."""
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


def page_of(referral: Referral) -> str:
    return reverse("partners:referral", args=[referral.id])


def verb(referral: Referral, name: str) -> str:
    return reverse(f"partners:{name}", args=[referral.id])


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def state_of(referral: Referral) -> str:
    referral.refresh_from_db()
    return referral.state


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_only_the_agencys_referrals_newest_first(client, advisor, agency):
    older = send(advisor, agency, "mk-older")
    newer = send(advisor, agency, "mk-newer")
    theirs = send(advisor, PartnerAgencyFactory(), "mk-other-agency")

    response = client.get(reverse("partners:referrals"))

    page = text_of(response)
    assert response.status_code == 200
    assert "Referrals to Example Borough Children's Services" in page
    assert page.index(newer.reference) < page.index(older.reference)
    assert theirs.reference not in page
    assert "2 referrals, newest first" in page
    assert "New: acknowledge it" in page
    # The list never opens a copy.
    assert not events("referral.opened")


def test_a_revoked_referral_leaves_the_list(client, advisor, agency):
    referral = send(advisor, agency, "mk-revoked")
    services.revoke(referral=referral, by=advisor, reason="Sent to the wrong area.")

    page = text_of(client.get(reverse("partners:referrals")))

    assert referral.reference not in page
    assert "No referrals have been sent to your agency yet." in page


def test_the_list_marks_urgent_and_overdue_referrals(client, advisor, agency):
    late = send(advisor, agency, "mk-late", urgent=True)
    on_time = send(advisor, agency, "mk-on-time")
    Referral.objects.filter(pk=late.pk).update(acknowledge_due=timezone.now() - timedelta(hours=1))

    response = client.get(reverse("partners:referrals"))

    rows = response.content.decode().split('<tr class="govuk-table__row">')[2:]
    (late_row,) = [row for row in rows if late.reference in row]
    (on_time_row,) = [row for row in rows if on_time.reference in row]
    assert "Urgent" in late_row and "Overdue" in late_row
    assert "Urgent" not in on_time_row and "Overdue" not in on_time_row


def test_the_list_pages_by_fifty(client, advisor, agency, monkeypatch):
    from haven.partners import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [send(advisor, agency, f"mk-page-{n}") for n in range(3)]

    first = client.get(reverse("partners:referrals"))
    second = client.get(reverse("partners:referrals"), {"page": "2"})

    assert made[0].reference not in text_of(first) and 'rel="next"' in first.content.decode()
    assert made[0].reference in text_of(second) and 'rel="prev"' in second.content.decode()
    assert "3 referrals, newest first" in text_of(second)
    assert client.get(reverse("partners:referrals"), {"page": "3"}).status_code == 404


def test_the_list_counts_the_agencys_referrals_only_up_to_the_cap(
    client, advisor, agency, monkeypatch
):
    from haven.partners import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    monkeypatch.setattr(services, "COUNT_CAP", 2)
    for n in range(4):
        send(advisor, agency, f"mk-cap-{n}")

    page = text_of(client.get(reverse("partners:referrals")))

    assert "More than 2 referrals, newest first" in page


@pytest.mark.parametrize("page", ["99999999999999999999", "²", "0", "-1", "\x00", "x" * 300])
def test_a_page_number_that_is_no_page_is_not_found(client, page):
    assert client.get(reverse("partners:referrals"), {"page": page}).status_code == 404


def test_a_partner_without_an_agency_is_told_to_ask_for_one():
    loner = StaffUserFactory(role="partner")

    response = verified_client(loner).get(reverse("partners:referrals"))

    assert response.status_code == 200
    assert "Your account is not linked to an agency" in text_of(response)


def test_the_partner_menu_offers_referrals_and_nothing_of_the_case_work(client):
    response = client.get(reverse("partners:referrals"))

    menu = response.content.decode().split('<nav aria-label="Staff menu"')[1].split("</nav>")[0]
    assert reverse("partners:referrals") in menu
    for other in ("staff:queue", "staff:reports", "staff:team", "staff:audit"):
        assert f'href="{reverse(other)}"' not in menu
    assert "Find a case by its reference" not in text_of(response)


# --- One referral ----------------------------------------------------------------------------


def test_opening_shows_exactly_the_shared_sections_as_sent_and_is_audited(
    client, advisor, agency, member
):
    referral = send(advisor, agency, "mk-open")
    # Changing the case afterwards changes nothing of what was sent.
    services.draft_referral(case=referral.case, agency=agency, by=advisor)

    response = client.get(page_of(referral))

    page = text_of(response)
    assert response.status_code == 200
    for slug in sections.SLUGS:
        if slug in WITHHELD:
            assert f"mk-open-{slug}" not in page
        else:
            assert f"mk-open-{slug}" in page
            assert str(sections.BY_SLUG[slug].title) in page
    assert str(sections.BY_SLUG["household"].title) not in page
    assert str(sections.BY_SLUG[sections.REPORTER].title) not in page
    # Nothing of the case beyond the copy: not its advisor, not the reporter's own words.
    assert "advisor-sam" not in page and "Someone in a game" not in page
    (opened,) = events("referral.opened")
    assert (opened.actor_id, opened.detail["referral"]) == (member.pk, str(referral.id))
    client.get(page_of(referral))
    assert len(events("referral.opened")) == 2


def test_the_lawful_basis_is_given_in_words(client, advisor, agency):
    without = send(advisor, agency, "mk-basis")
    with_consent = send(advisor, agency, "mk-consent", consent=True)

    first = text_of(client.get(page_of(without)))
    second = text_of(client.get(page_of(with_consent)))

    assert "Sharing without consent to safeguard a child" in first
    assert "Why consent was not sought: mk-basis-why-not" in first
    assert "Consent given by: mk-consent-mother" in second
    assert "When: 1 December 2026" in second


def test_the_history_names_the_referring_organisation_not_its_people(
    client, advisor, agency, member, settings
):
    settings.HAVEN_REFERRAL_APPROVAL = "all"
    case = CaseFactory(priority="P2", status=Status.PLANNING, assigned_to=advisor)
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.no_consent_reason = "Risk to the child."
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=False
    )
    supervisor = StaffUserFactory(username="supervisor-sue", role="supervisor")
    services.send_referral(referral=referral, by=advisor)
    services.return_referral(referral=referral, by=supervisor, reason="mk-internal-return")
    services.send_referral(referral=referral, by=advisor)
    services.approve_referral(referral=referral, by=supervisor)
    services.acknowledge(referral=referral, by=member)

    page = text_of(client.get(page_of(referral)))

    assert "Sent to your agency · Haven" in page
    assert "Acknowledged · partner-pat" in page
    # What happened before it was sent is the referring side's own.
    assert "mk-internal-return" not in page
    assert "supervisor-sue" not in page
    # The advisor is named only where they say who is referring.
    assert page.count("advisor-sam") == 1
    assert "Who is referring advisor-sam" in page


def test_an_overdue_referral_says_so(client, advisor, agency):
    referral = send(advisor, agency, "mk-overdue", urgent=True)
    Referral.objects.filter(pk=referral.pk).update(
        acknowledge_due=timezone.now() - timedelta(minutes=5)
    )

    page = text_of(client.get(page_of(referral)))

    assert "This urgent referral was due to be acknowledged by" in page
    assert "Overdue" in page


@pytest.mark.parametrize("which", ["another agency's", "revoked", "unknown"])
def test_a_referral_that_is_not_theirs_is_not_found_and_nothing_of_it_shows(
    client, advisor, agency, which
):
    if which == "another agency's":
        referral = send(advisor, PartnerAgencyFactory(), "mk-hidden")
        url = page_of(referral)
    elif which == "revoked":
        referral = send(advisor, agency, "mk-hidden")
        services.revoke(referral=referral, by=advisor, reason="Withdrawn.")
        url = page_of(referral)
    else:
        referral = send(advisor, agency, "mk-hidden")
        url = reverse("partners:referral", args=[uuid.uuid4()])
    unknown = client.get(reverse("partners:referral", args=[uuid.uuid4()]))
    refused_before = len(events("referral.refused"))

    response = client.get(url)

    assert response.status_code == 404
    assert shown(response) == shown(unknown)
    page = text_of(response)
    assert "mk-hidden" not in page and referral.reference not in page
    assert not events("referral.opened")
    if which != "unknown":
        assert len(events("referral.refused")) == refused_before + 1


def test_a_partner_who_loses_the_referral_loses_it_at_once(client, advisor, agency):
    referral = send(advisor, agency, "mk-withdrawn")
    assert client.get(page_of(referral)).status_code == 200

    services.revoke(referral=referral, by=advisor, reason="Wrong agency.")

    assert client.get(page_of(referral)).status_code == 404
    assert client.post(verb(referral, "acknowledge")).status_code == 404
    assert state_of(referral) == State.REVOKED


def test_a_draft_not_yet_sent_is_not_found(client, advisor, agency):
    case = CaseFactory(priority="P2", status=Status.PLANNING, assigned_to=advisor)
    referral = services.draft_referral(case=case, agency=agency, by=advisor)

    assert client.get(page_of(referral)).status_code == 404
    assert client.post(verb(referral, "acknowledge")).status_code == 404
    assert state_of(referral) == State.DRAFT


def test_staff_who_are_not_partners_are_refused(advisor, agency):
    referral = send(advisor, agency, "mk-staff")

    response = verified_client(advisor).get(page_of(referral))

    assert response.status_code == 403
    assert "mk-staff" not in text_of(response)


# --- The agency's moves ----------------------------------------------------------------------


def test_the_agency_acknowledges_accepts_with_its_reference_and_closes_with_the_outcome(
    client, advisor, agency
):
    referral = send(advisor, agency, "mk-moves")

    acknowledged = client.post(verb(referral, "acknowledge"))
    assert acknowledged.status_code == 302
    assert acknowledged["Location"] == page_of(referral) + "?done=acknowledged"
    assert "You have acknowledged this referral." in text_of(client.get(acknowledged["Location"]))
    assert state_of(referral) == State.ACKNOWLEDGED

    accepted = client.post(verb(referral, "accept"), {"accept-partner_reference": "EB-2026-42"})
    assert accepted.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.partner_reference) == (State.ACCEPTED, "EB-2026-42")

    closed = client.post(verb(referral, "close"), {"close-outcome": "mk-outcome s47 enquiry"})
    assert closed.status_code == 302
    assert state_of(referral) == State.CLOSED
    page = text_of(client.get(closed["Location"]))
    assert "Closed with the outcome · partner-pat" in page
    assert "mk-outcome s47 enquiry" in page
    assert "Status Closed" in page


def test_the_agency_declines_with_a_reason(client, advisor, agency):
    referral = send(advisor, agency, "mk-decline")
    services.acknowledge(referral=referral, by=partner_user(agency))

    response = client.post(verb(referral, "decline"), {"decline-reason": "Not our area."})

    assert response.status_code == 302
    assert state_of(referral) == State.DECLINED
    assert "Not our area." in text_of(client.get(page_of(referral)))


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decline_without_a_reason_shows_the_error_and_changes_nothing(
    client, advisor, agency, reason
):
    referral = send(advisor, agency, "mk-no-reason")
    client.post(verb(referral, "acknowledge"))

    response = client.post(verb(referral, "decline"), {"decline-reason": reason})

    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "Enter why you are declining this referral" in page
    assert 'href="#id_decline-reason"' in response.content.decode()
    assert state_of(referral) == State.ACKNOWLEDGED


def test_a_move_the_state_does_not_allow_is_shown_as_the_problem(client, advisor, agency):
    referral = send(advisor, agency, "mk-too-soon")

    response = client.post(verb(referral, "accept"), {"accept-partner_reference": ""})

    assert response.status_code == 200
    assert "A referral cannot go from Sent to Accepted." in text_of(response)
    assert state_of(referral) == State.SENT


def test_asking_for_more_information_and_the_advisors_answer_join_the_thread(
    client, advisor, agency
):
    referral = send(advisor, agency, "mk-thread")
    client.post(verb(referral, "acknowledge"))

    asked = client.post(verb(referral, "ask"), {"question-question": "Which school?"})
    assert asked.status_code == 302
    assert state_of(referral) == State.MORE_INFORMATION
    waiting = text_of(client.get(page_of(referral)))
    assert "Which school?" in waiting and "Waiting for the advisor's answer" in waiting

    services.answer_request(referral=referral, by=advisor, answer="mk-answer Example Academy.")

    page = text_of(client.get(page_of(referral)))
    assert "mk-answer Example Academy." in page
    assert page.index("Which school?") < page.index("mk-answer Example Academy.")
    assert "More information given · Haven" in page
    assert state_of(referral) == State.ACKNOWLEDGED


def test_the_agency_sets_its_own_reference_while_it_holds_the_referral(client, advisor, agency):
    referral = send(advisor, agency, "mk-ref")

    response = client.post(verb(referral, "reference"), {"reference-partner_reference": "PCU/77"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.partner_reference == "PCU/77"
    assert 'value="PCU/77"' in client.get(page_of(referral)).content.decode()


def test_another_agency_cannot_move_it_and_is_told_nothing(advisor, agency):
    referral = send(advisor, agency, "mk-move-other")
    stranger = verified_client(partner_user(PartnerAgencyFactory()))
    unknown = stranger.post(
        verb(referral, "acknowledge").replace(str(referral.id), str(uuid.uuid4()))
    )

    for name, data in [
        ("acknowledge", {}),
        ("decline", {"decline-reason": "x"}),
        ("decline", {"decline-reason": ""}),
        ("reference", {"reference-partner_reference": "mine"}),
    ]:
        before = len(events("referral.refused"))
        response = stranger.post(verb(referral, name), data)
        assert response.status_code == 404, name
        assert shown(response) == shown(unknown)
        assert "mk-move-other" not in text_of(response)
        assert len(events("referral.refused")) == before + 1, name
    referral.refresh_from_db()
    assert (referral.state, referral.partner_reference) == (State.SENT, "")


@pytest.mark.parametrize(
    ("moves", "forms"),
    [
        ([], {"acknowledge"}),
        (["acknowledge"], {"accept", "ask", "decline"}),
        (["acknowledge", "ask"], set()),
        (["acknowledge", "accept"], {"close"}),
        (["acknowledge", "decline"], set()),
        (["acknowledge", "accept", "close"], set()),
    ],
    ids=["sent", "acknowledged", "more information", "accepted", "declined", "closed"],
)
def test_the_page_offers_the_moves_the_state_allows_and_its_reference(
    client, advisor, agency, member, moves, forms
):
    referral = send(advisor, agency, "mk-offers")
    made = {
        "acknowledge": lambda: services.acknowledge(referral=referral, by=member),
        "ask": lambda: services.request_information(referral=referral, by=member, question="?"),
        "accept": lambda: services.accept(referral=referral, by=member),
        "decline": lambda: services.decline(referral=referral, by=member, reason="No."),
        "close": lambda: services.close(referral=referral, by=member, outcome="Done."),
    }
    for name in moves:
        made[name]()

    page = client.get(page_of(referral)).content.decode()

    offered = {
        name
        for name in ("acknowledge", "accept", "ask", "decline", "close")
        if f'action="{verb(referral, name)}"' in page
    }
    assert offered == forms
    assert f'action="{verb(referral, "reference")}"' in page
    # A rule broken is shown in the error summary with a link to the moves: it must land.
    assert page.count('id="actions"') == 1


def test_a_get_to_a_move_is_not_allowed(client, advisor, agency):
    referral = send(advisor, agency, "mk-get")

    assert client.get(verb(referral, "acknowledge")).status_code == 405
    assert state_of(referral) == State.SENT


# --- Hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", ["a\x00b", "\x00", "x" * 300, "x" * 100_000, "²", "<script>x</script>"]
)
def test_hostile_reasons_never_give_a_5xx(client, advisor, agency, reason):
    referral = send(advisor, agency, "mk-hostile")
    client.post(verb(referral, "acknowledge"))

    answers = [
        client.post(verb(referral, "decline"), {"decline-reason": reason}),
        client.post(verb(referral, "reference"), {"reference-partner_reference": reason}),
    ]

    assert all(a.status_code < 500 for a in answers)
    if "\x00" in reason or len(reason) > 2000:
        assert answers[0].status_code == 200
        assert state_of(referral) == State.ACKNOWLEDGED
    if "\x00" in reason:
        assert "Your answer has a character we cannot use" in text_of(answers[0])
    if len(reason) == 100_000:
        assert "This must be 2,000 characters or fewer" in text_of(answers[0])
        assert "Your reference must be 60 characters or fewer" in text_of(answers[1])


@pytest.mark.parametrize("value", ["²", "1", "x" * 300, "../", "\x00"])
def test_an_id_that_is_no_uuid_is_not_found(client, value):
    response = client.get(f"/partner/referrals/{value}/")
    assert response.status_code == 404


class Referrals:
    """A referral in each state the agency acts from, put back into it before each example."""

    def __init__(self, advisor: Any, agency: Any, member: Any) -> None:
        self.sent = send(advisor, agency, "mk-fuzz-sent")
        self.acknowledged = services.acknowledge(
            referral=send(advisor, agency, "mk-fuzz-ack"), by=member
        )
        accepted = services.acknowledge(referral=send(advisor, agency, "mk-fuzz-acc"), by=member)
        self.accepted = services.accept(referral=accepted, by=member)

    def pages(self) -> list[str]:
        return [reverse("partners:referrals")] + [
            page_of(r) for r in (self.sent, self.acknowledged, self.accepted)
        ]

    def restore(self) -> None:
        for referral, state in (
            (self.sent, State.SENT),
            (self.acknowledged, State.ACKNOWLEDGED),
            (self.accepted, State.ACCEPTED),
        ):
            Referral.objects.filter(pk=referral.pk).update(state=state)


def test_no_hostile_value_in_any_partner_form_gives_a_5xx(client, advisor, agency, member):
    referrals = Referrals(advisor, agency, member)
    forms = _forms(client, referrals.pages())
    actions = {form.action.rsplit("/", 2)[-2] for form in forms}
    assert {"acknowledge", "accept", "decline", "ask", "close", "reference"} <= actions, actions
    for form in forms:
        for data in _hostile_grid(form):
            referrals.restore()
            assert _send(client, form, data) < 500, (form.action, data)


def test_random_mixtures_in_partner_forms_give_no_5xx(client, advisor, agency, member):
    referrals = Referrals(advisor, agency, member)
    forms = _forms(client, referrals.pages())

    @RANDOM
    @given(data=st.data())
    def one_example(data: Any) -> None:
        form, values = _draw(data, forms)
        referrals.restore()
        assert _send(client, form, values) < 500, (form.action, values)

    one_example()


def test_the_header_says_it_is_the_partner_agencies_side():
    from django.urls import reverse

    from tests.conftest import text_of
    from tests.factories import PartnerAgencyFactory, partner_user, verified_client

    page = verified_client(partner_user(PartnerAgencyFactory())).get(reverse("partners:referrals"))
    assert "Report online child sexual abuse \N{EN DASH} partner agencies" in text_of(page)
    assert "\N{EN DASH} staff" not in text_of(page)

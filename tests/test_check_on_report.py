"""Checking on a report with its reference and follow-up code (issue 8, section 1).

A right pair opens a short visit; a wrong one says so without telling which half was wrong;
guessing is limited per reference and per address, calmly, and audited without the code. The
visit is held as drafts are, ends when idle, at "Sign out" and at the exit button.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.cases.lifecycle import Status
from haven.cases.models import Case
from haven.reporting import checking
from haven.reporting.models import ReporterSession
from haven.reporting.services import submit_report
from tests.conftest import text_of
from tests.factories import StaffUserFactory

CHECK = "/check/"
YOURS = "/check/your-report/"
WRONG = "The reference and follow-up code do not match a report we have."


@pytest.fixture
def sent(db: None) -> Any:
    """A report from a child who left no contact details, with its code."""
    receipt = submit_report(
        audience="child",
        answers={"what-happened": {"what_happened": "Someone online keeps asking for photos."}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    return receipt.report, receipt.followup_code


def typed(code: str) -> str:
    """The code as a child might type it back: lower case, spaces for dashes."""
    return code.lower().replace("-", " ")


def test_the_reference_and_code_open_the_report_in_any_usual_spelling(client, sent):
    report, code = sent
    reference = report.reference.lower().replace("-", " ")
    response = client.post(CHECK, {"reference": reference, "code": typed(code)})
    assert response.status_code == 302
    assert response["Location"] == YOURS
    page = client.get(YOURS)
    assert page.status_code == 200
    text = text_of(page)
    assert report.reference in text
    assert "Read by an advisor Not yet" in text
    assert "An adult who helps children will read it soon." in text
    assert code not in page.content.decode()
    event = AuditEvent.objects.filter(action="reporter.checked").get()
    assert event.report_id == report.id
    assert code not in str(event.detail) and typed(code) not in str(event.detail)


def test_a_wrong_code_and_an_unknown_reference_get_the_same_answer(client, sent):
    report, code = sent
    other = "HVN-0000-0000" if report.reference != "HVN-0000-0000" else "HVN-1111-1111"
    wrong_code = code[:-1] + ("0" if code[-1] != "0" else "1")
    answers = [
        client.post(CHECK, {"reference": report.reference, "code": wrong_code}),
        client.post(CHECK, {"reference": other, "code": code}),
    ]
    for response in answers:
        assert response.status_code == 200
        assert WRONG in text_of(response)
        assert checking.COOKIE not in response.cookies
    assert text_of(answers[0]).replace(report.reference, "").count(WRONG) == text_of(
        answers[1]
    ).replace(other, "").count(WRONG)
    failed = list(AuditEvent.objects.filter(action="reporter.check_failed").order_by("seq"))
    assert [e.detail for e in failed] == [{"reference_known": True}, {"reference_known": False}]
    assert all(code not in str(e.detail) and wrong_code not in str(e.detail) for e in failed)


@pytest.mark.parametrize(
    ("reference", "code", "says"),
    [
        ("", "", "Enter your reference"),
        ("not a reference", "AAAA-BBBB-CCCC-DDDD", "Enter your reference as it was shown to you"),
        ("HVN-7KQ2-M4TD", "short", "Enter your follow-up code as it was shown to you"),
        ("HVN-7KQ2-M4TD", "A" * 300, "Enter your follow-up code as it was shown to you"),
        ("HVN-7KQ2-M4TD\x00", "AAAA-BBBB-CCCC-DDDD", "Enter your reference"),
        ("²", "²" * 16, "Enter your reference as it was shown to you"),
    ],
)
def test_what_cannot_be_a_reference_or_code_is_a_clear_error(client, db, reference, code, says):
    response = client.post(CHECK, {"reference": reference, "code": code})
    assert response.status_code == 200
    assert says in text_of(response)
    assert not AuditEvent.objects.filter(action__startswith="reporter.").exists()


def test_guessing_one_reference_is_stopped_calmly_even_with_the_right_code(client, sent, settings):
    settings.HAVEN_CHECK_FAILURES_PER_REFERENCE = 3
    report, code = sent
    for n in range(3):
        guess = f"{n}AAA-BBBB-CCCC-DDDD"
        assert WRONG in text_of(client.post(CHECK, {"reference": report.reference, "code": guess}))
    # Another address, and the right code: still refused, until the window ends.
    refused = Client(REMOTE_ADDR="192.0.2.50").post(
        CHECK, {"reference": report.reference, "code": code}
    )
    assert refused.status_code == 429
    text = text_of(refused)
    assert "Please wait before you try again" in text
    assert "You have not done anything wrong." in text
    assert "call 999" in text
    assert checking.COOKIE not in refused.cookies
    assert AuditEvent.objects.filter(action="reporter.check_refused").count() == 1


def test_guessing_from_one_address_is_stopped_across_references(client, sent, settings):
    settings.HAVEN_CHECK_FAILURES_PER_ADDRESS = 2
    report, code = sent
    for n in range(2):
        client.post(CHECK, {"reference": f"HVN-{n}AAA-BBBB", "code": "AAAA-BBBB-CCCC-DDDD"})
    assert client.post(CHECK, {"reference": report.reference, "code": code}).status_code == 429
    # Someone else, elsewhere, with the right pair is not held back.
    other = Client(REMOTE_ADDR="192.0.2.51")
    assert other.post(CHECK, {"reference": report.reference, "code": code}).status_code == 302


def test_the_failure_counts_hold_no_reference_or_address(client, sent):
    from haven.reporting.models import CheckFailureCounter

    report, _code = sent
    client.post(CHECK, {"reference": report.reference, "code": "AAAA-BBBB-CCCC-DDDD"})
    buckets = list(CheckFailureCounter.objects.values_list("bucket", flat=True))
    assert len(buckets) == 2
    for bucket in buckets:
        assert report.reference not in bucket and "127.0.0.1" not in bucket
        assert len(bucket) == 64


def signed_in(client: Client, sent: Any) -> None:
    report, code = sent
    assert client.post(CHECK, {"reference": report.reference, "code": code}).status_code == 302


def test_the_visit_is_sealed_under_the_cookie_key(client, sent):
    signed_in(client, sent)
    row = ReporterSession.objects.get()
    _report, code = sent
    assert code.encode() not in bytes(row.ciphertext)
    assert code.replace("-", "").encode() not in bytes(row.ciphertext)
    visit_id, key_text = client.cookies[checking.COOKIE].value.split(".")
    assert visit_id == row.id
    assert key_text.encode() not in bytes(row.ciphertext)


def test_an_idle_visit_ends_and_says_so_kindly(client, sent, settings):
    signed_in(client, sent)
    ReporterSession.objects.update(
        updated_at=timezone.now() - timedelta(seconds=settings.HAVEN_CHECK_IDLE_SECONDS + 1)
    )
    response = client.get(YOURS)
    assert response.status_code == 302
    assert response["Location"] == CHECK + "?ended=1"
    assert not ReporterSession.objects.exists()
    assert "we signed you out" in text_of(client.get(response["Location"]))


def test_a_visit_used_within_the_limit_carries_on(client, sent, settings):
    signed_in(client, sent)
    ReporterSession.objects.update(
        updated_at=timezone.now() - timedelta(seconds=settings.HAVEN_CHECK_IDLE_SECONDS - 30)
    )
    assert client.get(YOURS).status_code == 200
    assert ReporterSession.objects.get().updated_at > timezone.now() - timedelta(seconds=5)


def test_sign_out_ends_the_visit_at_once(client, sent):
    signed_in(client, sent)
    response = client.post(reverse("reporting:check_sign_out"))
    assert response.status_code == 302
    assert not ReporterSession.objects.exists()
    assert client.cookies[checking.COOKIE].value == ""
    assert client.get(YOURS).status_code == 302


def test_the_exit_button_ends_the_visit_at_once(client, sent, settings):
    signed_in(client, sent)
    response = client.get(reverse("reporting:exit"))
    assert response.status_code == 302
    assert response["Location"] == settings.HAVEN_EXIT_URL
    assert not ReporterSession.objects.exists()
    assert client.get(YOURS).status_code == 302


def test_a_cookie_without_its_key_opens_and_deletes_nothing(client, sent):
    signed_in(client, sent)
    visit_id = ReporterSession.objects.get().id
    stranger = Client()
    stranger.cookies[checking.COOKIE] = f"{visit_id}.{'A' * 43}"
    assert stranger.get(YOURS).status_code == 302
    assert ReporterSession.objects.filter(pk=visit_id).exists()
    for junk in ["", ".", "x" * 500, f"{visit_id}", "é.é", f"{visit_id}.%%%"]:
        stranger.cookies[checking.COOKIE] = junk
        assert stranger.get(YOURS).status_code == 302
    assert ReporterSession.objects.filter(pk=visit_id).exists()


def test_the_reporter_sees_that_it_was_read_and_what_is_happening_in_their_words(client, sent):
    report, _code = sent
    advisor = StaffUserFactory()
    case = Case.objects.get(report=report)
    case_services.record_first_read(case=case, by=advisor)
    case_services.change_status(case=case, to=Status.ASSESSING, by=advisor)
    signed_in(client, sent)
    text = text_of(client.get(YOURS))
    assert "Read by an advisor Yes" in text
    assert "An adult who helps children is reading what you told us carefully." in text
    for staff_word in ("Assessing", "threshold", "P1", "P2", "P3", "P4"):
        assert staff_word not in text


def test_a_lost_code_cannot_be_recovered_and_the_page_says_so_kindly(client, db):
    text = text_of(client.get(reverse("reporting:lost_code")))
    assert "we cannot send them to you again" in text
    assert "make a new report" in text.lower()
    assert "call" in text


@pytest.mark.parametrize("url", ["/", "/report/sent/", "/not-ready-to-report/"])
def test_check_on_your_report_is_linked_from_public_pages(client, db, url):
    response = client.get(url, follow=True)
    assert 'href="/check/"' in response.content.decode()


def test_the_reporter_side_needs_no_private_key(client, sent, public_only_keys):
    """The public tier holds public keys only: checking on a report works without any."""
    assert not list(public_only_keys.glob("*.private"))
    signed_in(client, sent)
    assert client.get(YOURS).status_code == 200


def test_a_right_pair_is_checked_in_one_read_of_the_report(sent, django_assert_num_queries):
    report, code = sent
    # The report (once: the visit starts with that row), the failure counters of both buckets,
    # and the audit event with the chain's head (read, event, head moved), in two savepoints.
    with django_assert_num_queries(9) as queries:
        checked = checking.check(reference=report.reference, code=code, address_bucket="b")
    assert checked.outcome == checking.Outcome.ACCEPTED and checked.report == report
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "reporting_report"' in q["sql"]]
    assert len(reads) == 1

"""The conversation with the reporter (issue 8, sections 2 to 4).

An advisor messages the reporter from the case; the reporter reads it with their code, replies,
adds information and changes how they may be contacted; the case shows "reply waiting" and is
triaged again on what was added; notices with no content go through the task queue; nothing of
it is readable in the database; the public tier needs no private key for any of it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.cases.models import Case
from haven.notify.notifiers import NotDelivered, Notice
from haven.reporting import conversation, notices
from haven.reporting.models import Message, NoticeState, Notification, ReporterSession
from haven.reporting.services import submit_report
from tests.conftest import text_of
from tests.factories import StaffUserFactory, verified_client
from tests.test_raw_database import tables_holding

CHECK = "/check/"
YOURS = "/check/your-report/"
REPLY = "/check/your-report/reply/"
ADD = "/check/your-report/add/"
CONTACT = "/check/your-report/contact/"
TASK = "haven.reporting.notices.send_notification"


def send(audience: str = "child", contact: dict[str, str] | None = None, **answers: Any) -> Any:
    """A report sent through submit_report, with its code; anonymous unless ``contact``."""
    given = {"what-happened": {"what_happened": "Someone online keeps asking for photos."}}
    given.update(answers)
    if contact is not None:
        given["contact"] = {"contact_choice": "yes", **contact}
    receipt = submit_report(
        audience=audience,
        answers=given,
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    return receipt.report, receipt.followup_code


def signed_in(report: Any, code: str) -> Client:
    """A reporter's browser, past the check."""
    browser = Client()
    response = browser.post(CHECK, {"reference": report.reference, "code": code})
    assert response.status_code == 302 and response["Location"] == YOURS
    return browser


def case_of(report: Any) -> Case:
    return Case.objects.select_related("report", "assigned_to").get(report_id=report.id)


class FakeNotifier:
    def __init__(self, *failures: NotDelivered) -> None:
        self.sent: list[Notice] = []
        self.failures = list(failures)

    def send(self, notice: Notice) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(notice)
        return "ref"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeNotifier:
    notifier = FakeNotifier()
    monkeypatch.setattr(notices, "notifier", lambda: notifier)
    return notifier


@pytest.fixture
def advisor(db: None) -> Any:
    user = StaffUserFactory(email="advisor@example.org")
    user.save()
    return user


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


# --- An advisor's message, and the reporter reading it -------------------------------------------


def test_an_advisor_message_reaches_an_anonymous_child_and_meets_first_contact(db, advisor):
    report, code = send()
    case = case_of(report)
    assert case.first_contact_due is not None and case.first_contact_at is None

    message = conversation.send_message(
        case=case, by=advisor, text="We have read it. Are you safe?"
    )

    case.refresh_from_db()
    assert case.first_contact_at is not None  # no phone or email: the message is first contact
    assert case.next_target != "first_contact"
    page = signed_in(report, code).get(YOURS)
    assert "From an advisor" in text_of(page)
    assert "We have read it. Are you safe?" in text_of(page)
    assert advisor.username not in text_of(page)  # the reporter is not told who
    message.refresh_from_db()
    assert message.read_at is not None
    sent, read = (
        AuditEvent.objects.filter(action__in=["message.sent", "reporter.read_message"])
        .order_by("pk")
        .values_list("action", "actor_id", "detail")
    )
    assert sent == (
        "message.sent",
        advisor.pk,
        {"case": str(case.id), "message": str(message.id), "template": ""},
    )
    assert read == (
        "reporter.read_message",
        None,
        {"case": str(case.id), "message": str(message.id)},
    )
    # Read again: audited once only.
    signed_in(report, code).get(YOURS)
    assert AuditEvent.objects.filter(action="reporter.read_message").count() == 1


def test_a_message_from_an_advisor_tells_the_reporter_the_report_has_been_read(db, advisor):
    report, code = send()
    browser = signed_in(report, code)
    assert "Read by an advisor Not yet" in text_of(browser.get(YOURS))
    conversation.send_message(case=case_of(report), by=advisor, text="We are here to help.")
    # Nobody writes to the reporter without reading the report: "Not yet" would be a lie.
    assert "Read by an advisor Yes" in text_of(browser.get(YOURS))


def test_a_message_to_a_reporter_who_gave_a_phone_is_not_first_contact(db, advisor):
    report, _code = send(
        audience="parent", contact={"phone": "07700 900982", "leave_message": "no"}
    )
    case = case_of(report)
    conversation.send_message(case=case, by=advisor, text="We will ring you this evening.")
    case.refresh_from_db()
    assert case.first_contact_at is None  # first contact still means speaking to them


def test_another_advisors_case_refuses_a_message_and_stores_nothing(db, advisor):
    report, _code = send()
    case = case_of(report)
    case_services.claim_case(case=case, by=advisor)
    other = StaffUserFactory()
    with pytest.raises(case_services.CaseRuleBroken):
        conversation.send_message(case=case, by=other, text="Hello")
    assert not Message.objects.exists()
    assert AuditEvent.objects.filter(action="case.ownership_refused").count() == 1


def test_an_empty_message_is_refused(db, advisor):
    report, _code = send()
    with pytest.raises(conversation.NothingWritten):
        conversation.send_message(case=case_of(report), by=advisor, text="   ")


# --- The reporter's reply, "reply waiting", and the advisor's answer ----------------------------


def test_a_reply_puts_reply_waiting_on_the_case_until_an_advisor_answers(db, advisor, settings):
    report, code = send()
    case = case_of(report)
    case_services.claim_case(case=case, by=advisor)
    browser = signed_in(report, code)

    response = browser.post(REPLY, {"text": "I am OK. He messaged again last night."})

    assert response.status_code == 302 and response["Location"] == YOURS + "?done=reply"
    case.refresh_from_db()
    assert case.reply_waiting_since is not None
    # P3: answered within one working day of the reply.
    assert case.reply_due is not None and case.reply_due > case.reply_waiting_since
    page = browser.get(response["Location"])
    assert "Your message has been sent" in text_of(page)
    assert "I am OK. He messaged again last night." in text_of(page)
    (event,) = AuditEvent.objects.filter(action="reporter.replied")
    assert event.actor_id is None and set(event.detail) == {"case", "message"}

    staff = verified_client(advisor)
    queue = staff.get(reverse("staff:queue"))
    assert "Reply waiting" in text_of(queue)
    case_page = staff.get(reverse("staff:case", args=[case.id]))
    assert "Reply waiting" in text_of(case_page)
    assert "I am OK. He messaged again last night." in text_of(case_page)

    answer = staff.post(
        reverse("staff:case_message", args=[case.id]),
        {"message-text": "Thank you for telling us.", "message-template": ""},
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.reply_waiting_since is None and case.reply_due is None
    assert "Reply waiting" not in text_of(staff.get(reverse("staff:queue")))


def test_a_reply_due_is_the_earliest_target_and_counts_by_priority(db, advisor):
    report, code = send()
    case = case_of(report)
    case_services.record_first_read(case=case, by=advisor)
    case_services.change_priority(case=case, to="P1", by=advisor, reason="Meeting soon")
    signed_in(report, code).post(REPLY, {"text": "He says he will come tonight."})
    case.refresh_from_db()
    assert case.reply_due == case.reply_waiting_since + timedelta(minutes=30)
    assert (case.next_due_at, case.next_target) == (case.reply_due, "reply")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 5001, "I am \x00 OK"],
    ids=["empty", "spaces", "too long", "NUL byte"],
)
def test_a_bad_reply_is_shown_again_with_an_error_and_stores_nothing(db, text):
    report, code = send()
    response = signed_in(report, code).post(REPLY, {"text": text})
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert not Message.objects.exists()


def test_an_ended_visit_stores_nothing_and_says_to_check_again(db):
    report, code = send()
    browser = signed_in(report, code)
    ReporterSession.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    for url, data in [(REPLY, {"text": "Hello"}), (ADD, {"text": "More"}), (CONTACT, {})]:
        response = browser.post(url, data)
        assert response.status_code == 302 and response["Location"] == CHECK + "?ended=1"
    assert not Message.objects.exists()


# --- Adding information, and triage again -------------------------------------------------------


def test_added_information_with_a_stronger_sign_raises_the_priority_with_the_reason(db, advisor):
    report, code = send()
    case = case_of(report)
    assert case.priority == "P3"
    browser = signed_in(report, code)
    form = browser.get(ADD)
    assert form.status_code == 200 and "Add to your report" in text_of(form)

    response = browser.post(
        ADD,
        {
            "text": "He is outside my house",
            "danger_now": "",
            "platform": "GameChat",
            "usernames": "shadow_fox_99",
        },
    )

    assert response.status_code == 302 and response["Location"] == YOURS + "?done=added"
    case.refresh_from_db()
    assert (case.priority, case.computed_priority) == ("P1", "P1")
    assert case.reasons[0]["code"] == "narrative_with_them"
    assert case.reasons[0]["added_later"] is True
    assert case.reply_waiting_since is not None
    message = Message.objects.get()
    assert (message.kind, message.raised_from, message.raised_to) == ("added", "P3", "P1")
    event = AuditEvent.objects.get(action="case.retriaged")
    assert event.actor_id is None
    assert event.detail == {
        "case": str(case.id),
        "from": "P3",
        "to": "P1",
        "reasons": ["narrative_with_them"],
    }
    page = verified_client(advisor).get(reverse("staff:case", args=[case.id]))
    text = text_of(page)
    assert "Priority raised from P3 to P1 by what was added." in text
    assert "from what the reporter added later" in text
    assert "GameChat shadow_fox_99" in text


def test_added_information_never_lowers_the_priority(db, advisor):
    report, code = send()
    case = case_of(report)
    case_services.change_priority(case=case, to="P2", by=advisor, reason="Worried")
    signed_in(report, code).post(ADD, {"text": "Nothing new, just wanted to say thanks."})
    case.refresh_from_db()
    assert case.priority == "P2"
    assert Message.objects.get().raised_to == ""
    assert not AuditEvent.objects.filter(action="case.retriaged").exists()


def test_saying_a_child_is_in_danger_now_makes_it_p1(db):
    report, code = send()
    signed_in(report, code).post(ADD, {"danger_now": "yes"})
    assert case_of(report).priority == "P1"


def test_adding_nothing_is_an_error(db):
    report, code = send()
    response = signed_in(report, code).post(ADD, {"text": "", "platform": "", "usernames": ""})
    assert response.status_code == 200
    assert "Write what you want to add, or where it happened online" in text_of(response)
    assert not Message.objects.exists()


# --- Contact details ----------------------------------------------------------------------------


def test_the_reporter_can_give_and_then_withdraw_contact_details(db, advisor):
    report, code = send()
    browser = signed_in(report, code)
    given = browser.post(
        CONTACT,
        {
            "contact_choice": "yes",
            "email": "synthetic.reporter@example.org",
            "leave_message": "yes",
        },
    )
    assert given.status_code == 302 and given["Location"] == YOURS + "?done=contact"
    case = case_of(report)
    assert notices.reporter_contact(case) == notices.Contact(
        email="synthetic.reporter@example.org", phone="", leave_message=True
    )
    assert "We may leave a message." in text_of(browser.get(YOURS))

    browser.post(CONTACT, {"contact_choice": "no"})
    assert notices.reporter_contact(case) == notices.Contact()
    assert "We will contact you only through this page." in text_of(browser.get(YOURS))
    assert AuditEvent.objects.filter(action="reporter.contact_changed").count() == 2


def test_a_contact_change_is_what_the_first_contact_rule_goes_by(db, advisor):
    report, code = send()
    browser = signed_in(report, code)
    browser.post(
        CONTACT, {"contact_choice": "yes", "phone": "07700 900 982", "leave_message": "no"}
    )
    report.refresh_from_db()
    assert report.contactable is True
    # Now they gave a phone, a message is one more way to reach them, not first contact.
    conversation.send_message(case=case_of(report), by=advisor, text="We will call you.")
    assert case_of(report).first_contact_at is None

    browser.post(CONTACT, {"contact_choice": "no"})
    report.refresh_from_db()
    assert report.contactable is False
    conversation.send_message(case=case_of(report), by=advisor, text="We will write here.")
    assert case_of(report).first_contact_at is not None


def test_the_contact_page_shows_the_current_choice_and_saves(db):
    report, code = send()
    browser = signed_in(report, code)
    page = browser.get(CONTACT)
    words = text_of(page)
    assert "You did not give contact details, so we can only reach you through this page." in words
    assert "follow-up code instead" not in words  # they have one already
    assert "Save" in words and "Continue" not in words
    browser.post(
        CONTACT,
        {
            "contact_choice": "yes",
            "email": "synthetic.reporter@example.org",
            "leave_message": "yes",
        },
    )
    again = browser.get(CONTACT).content.decode()
    assert 'value="synthetic.reporter@example.org"' in again
    assert 'name="contact_choice" type="radio" value="yes" checked' in again


def test_a_bad_email_is_shown_again_and_stores_nothing(db):
    report, code = send()
    response = signed_in(report, code).post(
        CONTACT, {"contact_choice": "yes", "email": "not an address", "leave_message": "yes"}
    )
    assert response.status_code == 200
    assert "Enter an email address in the right format" in text_of(response)
    assert not Message.objects.exists()


# --- The public tier needs no private key -------------------------------------------------------


def test_the_whole_reporter_side_runs_with_no_private_key(db, advisor, key_dir: Path):
    report, code = send()
    conversation.send_message(case=case_of(report), by=advisor, text="Can you tell us more?")
    for private in key_dir.glob("*.private"):
        private.unlink()

    browser = signed_in(report, code)
    assert "Can you tell us more?" in text_of(browser.get(YOURS))
    assert browser.post(REPLY, {"text": "Yes, he used two accounts."}).status_code == 302
    assert browser.post(ADD, {"platform": "PhotoApp", "usernames": "x_y"}).status_code == 302
    assert browser.post(CONTACT, {"contact_choice": "no"}).status_code == 302
    page = text_of(browser.get(YOURS))
    assert "Yes, he used two accounts." in page and "PhotoApp: x_y" in page
    assert Message.objects.count() == 4


# --- Notices: enqueued with the message, sent by the worker, retried, shown when they fail -------


def test_a_notice_is_enqueued_in_the_messages_transaction_and_goes_when_it_rolls_back(db, advisor):
    report, _code = send(contact={"email": "synthetic.parent@example.org", "leave_message": "yes"})
    case = case_of(report)
    with pytest.raises(RuntimeError), transaction.atomic():
        conversation.send_message(case=case, by=advisor, text="Hello")
        assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
        raise RuntimeError("the request failed after the message")
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()
    assert not Notification.objects.exists() and not Message.objects.exists()

    conversation.send_message(case=case, by=advisor, text="Hello")
    (row,) = DBTaskResult.objects.filter(task_path=TASK)
    notification = Notification.objects.get()
    # Nothing of anyone in the task: the notification's id only.
    assert row.args_kwargs == {"args": [str(notification.id)], "kwargs": {}}


def test_no_notice_when_the_reporter_said_no_message_may_be_left(db, advisor):
    report, _code = send(contact={"email": "synthetic.parent@example.org", "leave_message": "no"})
    conversation.send_message(case=case_of(report), by=advisor, text="Hello")
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reporter_a_notice_with_no_content(advisor, fake):
    report, _code = send(contact={"email": "synthetic.parent@example.org", "leave_message": "yes"})
    conversation.send_message(case=case_of(report), by=advisor, text="Secret words 7Q")
    run_worker()
    (notice,) = fake.sent
    assert (notice.kind, notice.channel, notice.to) == (
        "reporter_update",
        "email",
        "synthetic.parent@example.org",
    )
    notification = Notification.objects.get()
    assert (notification.state, notification.tries) == (NoticeState.SENT, 1)
    event = AuditEvent.objects.get(action="notice.sent")
    assert "synthetic.parent" not in str(event.detail)


@pytest.mark.django_db(transaction=True)
def test_the_advisor_holding_the_case_is_told_of_a_reply(advisor, fake):
    report, code = send()
    case_services.claim_case(case=case_of(report), by=advisor)
    signed_in(report, code).post(REPLY, {"text": "Hello again"})
    run_worker()
    (notice,) = fake.sent
    assert (notice.kind, notice.channel, notice.to) == (
        "advisor_reply",
        "email",
        "advisor@example.org",
    )


def test_a_notice_that_may_go_later_is_retried_with_backoff_then_shown_as_failed(db, advisor, fake):
    fake.failures = [NotDelivered("GOV.UK Notify answered 503", retry=True)] * 5
    report, _code = send(contact={"phone": "07700 900982", "leave_message": "yes"})
    case = case_of(report)
    conversation.send_message(case=case, by=advisor, text="Hello")
    notification = Notification.objects.get()
    assert notification.channel == "sms"
    waits = []
    for _try in range(5):
        before = timezone.now()
        assert notices.deliver(str(notification.id)) in (NoticeState.WAITING, NoticeState.FAILED)
        # The first task runs at once (stored with no run_after, or a far one); retries later.
        later = (
            DBTaskResult.objects.filter(
                task_path=TASK,
                status=TaskResultStatus.READY,
                run_after__gt=before,
                run_after__lt=before + timedelta(days=1),
            )
            .order_by("-enqueued_at")
            .first()
        )
        if later is not None:
            waits.append(round((later.run_after - before).total_seconds() / 60))
            later.delete()
    notification.refresh_from_db()
    assert (notification.state, notification.tries) == (NoticeState.FAILED, 5)
    assert waits == [1, 2, 4, 8]
    assert notification.reason == "GOV.UK Notify answered 503"
    assert AuditEvent.objects.filter(action="notice.failed").count() == 1
    page = verified_client(advisor).get(reverse("staff:case", args=[case.id]))
    assert "could not be sent" in text_of(page) and "GOV.UK Notify answered 503" in text_of(page)


def test_a_notice_that_will_never_go_fails_at_once(db, advisor, fake):
    fake.failures = [NotDelivered("GOV.UK Notify answered 400", retry=False)]
    report, _code = send(contact={"email": "synthetic.parent@example.org", "leave_message": "yes"})
    conversation.send_message(case=case_of(report), by=advisor, text="Hello")
    notification = Notification.objects.get()
    assert notices.deliver(str(notification.id)) == NoticeState.FAILED
    assert notices.deliver(str(notification.id)) == NoticeState.FAILED  # never sent twice
    assert fake.sent == []


def test_withdrawn_details_stop_a_waiting_notice(db, advisor, fake):
    report, code = send(contact={"email": "synthetic.parent@example.org", "leave_message": "yes"})
    conversation.send_message(case=case_of(report), by=advisor, text="Hello")
    signed_in(report, code).post(CONTACT, {"contact_choice": "no"})
    notification = Notification.objects.get()
    assert notices.deliver(str(notification.id)) == NoticeState.FAILED
    assert fake.sent == []
    notification.refresh_from_db()
    assert notification.reason == "no address to send it to"


# --- Nothing readable at rest; staff notes never public ------------------------------------------


def test_no_message_in_either_direction_is_readable_in_the_database_or_the_logs(
    db, advisor, caplog
):
    caplog.set_level("DEBUG")
    markers = {name: uuid.uuid4().hex for name in ("advisor", "reply", "added", "user", "email")}
    report, code = send(contact={"email": "synthetic.parent@example.org", "leave_message": "yes"})
    case = case_of(report)
    conversation.send_message(case=case, by=advisor, text=f"Question {markers['advisor']}")
    browser = signed_in(report, code)
    browser.get(YOURS)
    browser.post(REPLY, {"text": f"Answer {markers['reply']}"})
    browser.post(
        ADD, {"text": f"More {markers['added']}", "platform": "App", "usernames": markers["user"]}
    )
    browser.post(
        CONTACT,
        {
            "contact_choice": "yes",
            "email": f"{markers['email']}@example.org",
            "leave_message": "yes",
        },
    )
    assert Message.objects.count() == 4
    run_notices = Notification.objects.count()
    assert run_notices == 1  # the reporter's email notice, waiting in the task queue
    for name, marker in markers.items():
        assert tables_holding(marker) == [], name
        assert marker not in caplog.text, name


def test_a_staff_note_never_appears_on_any_public_page(db, advisor):
    report, code = send()
    case = case_of(report)
    marker = uuid.uuid4().hex
    case_services.add_note(case=case, by=advisor, kind="opinion", text=f"Staff only {marker}")
    conversation.send_message(case=case, by=advisor, text="We have read your report.")
    browser = signed_in(report, code)
    for url in (YOURS, ADD, CONTACT, YOURS + "?done=reply"):
        response = browser.get(url)
        assert response.status_code == 200
        assert marker not in response.content.decode()
    assert marker not in browser.post(REPLY, {"text": ""}).content.decode()


# --- The advisor's page to write a message ------------------------------------------------------


def test_a_template_starts_the_message_in_words_for_the_audience(db, advisor):
    report, _code = send(audience="child")
    case = case_of(report)
    staff = verified_client(advisor)
    page = staff.get(reverse("staff:case_message", args=[case.id]) + "?template=read")
    assert page.status_code == 200
    assert "You did the right thing." in page.content.decode()
    sent = staff.post(
        reverse("staff:case_message", args=[case.id]),
        {"message-text": "Thank you for telling us.", "message-template": "read"},
    )
    assert sent.status_code == 302
    assert AuditEvent.objects.get(action="message.sent").detail["template"] == "read"


@pytest.mark.parametrize("template", ["nope", "²", "x" * 300, "\x00"])
def test_an_unknown_template_starts_an_empty_message(db, advisor, template):
    report, _code = send()
    staff = verified_client(advisor)
    page = staff.get(
        reverse("staff:case_message", args=[case_of(report).id]), {"template": template}
    )
    assert page.status_code == 200


def test_a_restricted_case_refuses_the_message_page_to_someone_not_named(db, advisor):
    report, _code = send()
    case = case_of(report)
    supervisor = StaffUserFactory(role="supervisor")
    case_services.restrict_case(case=case, by=supervisor, allowed=[supervisor], reason="Colleague")
    staff = verified_client(advisor)
    url = reverse("staff:case_message", args=[case.id])
    assert staff.get(url).status_code == 403
    assert staff.post(url, {"message-text": "Hello"}).status_code == 403
    assert not Message.objects.exists()


# --- What the reporter adds is linked like what they first wrote ---------------------------------


def test_a_username_added_later_links_the_report_to_another_that_names_it(db):
    from haven.cases.models import CaseLink
    from haven.linking.models import IdentifierIndex

    other, _ = send(
        where={"platforms": [{"platform": "Instagram", "usernames": "synthetic_handle"}]}
    )
    report, code = send()
    assert not CaseLink.objects.exists()
    before = IdentifierIndex.objects.filter(report_id=report.id).count()

    browser = signed_in(report, code)
    browser.post(ADD, {"platform": "Instagram", "usernames": "@Synthetic_Handle"})
    browser.post(ADD, {"platform": "Instagram", "usernames": "synthetic_handle"})  # again: once

    assert IdentifierIndex.objects.filter(report_id=report.id).count() == before + 1
    link = CaseLink.objects.get()
    assert (link.from_case.report_id, link.to_case.report_id) == (report.id, other.id)
    assert (link.by, link.reason) == (None, "identifier:username")
    assert (
        AuditEvent.objects.filter(action="case.identifier_match", report_id=other.id).count() == 1
    )

"""Notices without content: the three notifiers, their words, and no address in any log.

No test touches the network: Notify's client is replaced by a fake, email goes to Django's
in-memory outbox, the console notifier writes to a temporary file.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from haven.notify.notifiers import (
    Channel,
    ConsoleNotifier,
    GovukNotifyNotifier,
    Kind,
    NotDelivered,
    Notice,
    SmtpNotifier,
    notifier,
)

EMAIL = "synthetic.reporter@example.org"
PHONE = "07700 900123"  # Ofcom's drama range
REPORTER = "There is an update about your report. Check it with your reference and code."


def test_the_console_notifier_writes_the_words_and_only_a_shortened_address(tmp_path):
    path = tmp_path / "var" / "notices.log"
    console = ConsoleNotifier(path)
    console.send(Notice(Kind.REPORTER_UPDATE, Channel.EMAIL, EMAIL))
    console.send(Notice(Kind.REPORTER_UPDATE, Channel.SMS, PHONE))
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"reporter_update by email to s…@example.org: {REPORTER}")
    assert lines[1].endswith(f"reporter_update by sms to …123: {REPORTER}")
    assert EMAIL not in path.read_text()
    assert "900123" not in path.read_text()


def test_the_words_name_nothing_of_what_the_service_is_about_by_default(settings):
    for text in (
        settings.HAVEN_NOTICE_SUBJECT,
        settings.HAVEN_NOTICE_REPORTER_TEXT,
        settings.HAVEN_NOTICE_ADVISOR_TEXT,
    ):
        lowered = text.lower()
        for word in ("abuse", "child", "sexual", "exploit", "groom", "police", "haven", "http"):
            assert word not in lowered


def test_the_words_come_from_configuration(settings, tmp_path):
    settings.HAVEN_NOTICE_REPORTER_TEXT = "You have a new message."
    path = tmp_path / "notices.log"
    ConsoleNotifier(path).send(Notice(Kind.REPORTER_UPDATE, Channel.EMAIL, EMAIL))
    assert path.read_text().rstrip().endswith(": You have a new message.")


def test_smtp_sends_the_words_by_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "no-reply@example.org"
    SmtpNotifier().send(Notice(Kind.ADVISOR_REPLY, Channel.EMAIL, "advisor@example.org"))
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["advisor@example.org"]
    assert sent.subject == "An update"
    assert sent.body == "There is a reply on a case you hold. Sign in to read it."
    assert sent.from_email == "no-reply@example.org"


def test_smtp_sends_no_text_message(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(NotDelivered) as refused:
        SmtpNotifier().send(Notice(Kind.REPORTER_UPDATE, Channel.SMS, PHONE))
    assert refused.value.retry is False
    assert mail.outbox == []


def test_a_mail_server_that_refuses_is_worth_trying_again(settings, monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("no server")

    monkeypatch.setattr("haven.notify.notifiers.send_mail", refuse)
    with pytest.raises(NotDelivered) as failed:
        SmtpNotifier().send(Notice(Kind.REPORTER_UPDATE, Channel.EMAIL, EMAIL))
    assert failed.value.retry is True
    assert EMAIL not in str(failed.value)


class FakeNotify:
    """Stands in for NotificationsAPIClient: records each call, answers as Notify does."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error = error

    def send_email_notification(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("email", kwargs))
        if self.error:
            raise self.error
        return {"id": "notify-email-1"}

    def send_sms_notification(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("sms", kwargs))
        if self.error:
            raise self.error
        return {"id": "notify-sms-1"}


TEMPLATES = {
    ("reporter_update", "email"): "tpl-reporter-email",
    ("reporter_update", "sms"): "tpl-reporter-sms",
    ("advisor_reply", "email"): "tpl-advisor-email",
}


def test_notify_is_given_the_template_of_the_kind_and_channel_and_nothing_else():
    fake = FakeNotify()
    notify = GovukNotifyNotifier(fake, TEMPLATES)
    assert notify.send(Notice(Kind.REPORTER_UPDATE, Channel.EMAIL, EMAIL)) == "notify-email-1"
    assert notify.send(Notice(Kind.REPORTER_UPDATE, Channel.SMS, PHONE)) == "notify-sms-1"
    assert fake.calls == [
        ("email", {"email_address": EMAIL, "template_id": "tpl-reporter-email"}),
        ("sms", {"phone_number": PHONE, "template_id": "tpl-reporter-sms"}),
    ]


def test_notify_without_a_template_for_the_channel_sends_nothing():
    fake = FakeNotify()
    with pytest.raises(NotDelivered) as refused:
        GovukNotifyNotifier(fake, TEMPLATES).send(Notice(Kind.ADVISOR_REPLY, Channel.SMS, PHONE))
    assert refused.value.retry is False
    assert fake.calls == []


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status

    def json(self) -> dict[str, Any]:
        return {"message": "refused"}


@pytest.mark.parametrize(
    ("status", "retry"), [(400, False), (403, False), (429, True), (500, True), (503, True)]
)
def test_notify_refusals_say_whether_to_try_again(status, retry):
    from notifications_python_client.errors import HTTPError

    notify = GovukNotifyNotifier(FakeNotify(HTTPError(_Response(status))), TEMPLATES)
    with pytest.raises(NotDelivered) as failed:
        notify.send(Notice(Kind.REPORTER_UPDATE, Channel.EMAIL, EMAIL))
    assert failed.value.retry is retry
    assert str(status) in failed.value.reason
    assert EMAIL not in failed.value.reason


def test_a_notice_never_shows_its_address(caplog):
    notice = Notice(Kind.REPORTER_UPDATE, Channel.EMAIL, EMAIL)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("haven").warning("sending %r", notice)
    assert EMAIL not in caplog.text
    assert EMAIL not in repr(notice) and EMAIL not in str(notice)


def test_the_configured_notifier_is_built(settings, tmp_path):
    settings.HAVEN_NOTIFIER = "console"
    settings.HAVEN_NOTICE_FILE = str(tmp_path / "n.log")
    assert isinstance(notifier(), ConsoleNotifier)
    settings.HAVEN_NOTIFIER = "smtp"
    assert isinstance(notifier(), SmtpNotifier)
    settings.HAVEN_NOTIFIER = "govuk_notify"
    # A key of Notify's shape: a name, the service id and the secret, both UUIDs. Made up.
    settings.HAVEN_NOTIFY_API_KEY = (
        "test-key-00000000-0000-0000-0000-000000000000-00000000-0000-0000-0000-000000000000"
    )
    settings.HAVEN_NOTIFY_TEMPLATE_REPORTER_EMAIL = "tpl"
    built = notifier()
    assert isinstance(built, GovukNotifyNotifier)
    assert built.templates[("reporter_update", "email")] == "tpl"
    settings.HAVEN_NOTIFY_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        notifier()
    settings.HAVEN_NOTIFIER = "pigeon"
    with pytest.raises(ImproperlyConfigured):
        notifier()

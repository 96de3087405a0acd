"""Telling someone, with no content, that there is something new: the notifier interface.

A notice says only that there is an update (to a reporter) or a reply (to an advisor), in words
from configuration that by default name nothing of what Haven is about: a child's phone or
inbox may be read by the person harming them. It carries no reference, no code and no link
unless one is configured. Whoever sends one gives the address it goes to and the kind; the
words are the notifier's.

Three ways to send, chosen by ``HAVEN_NOTIFIER``:

- ``govuk_notify``: GOV.UK Notify, the convention for UK public services, through
  ``notifications-python-client``; each kind and channel has a Notify template whose id is in
  configuration, with the words set in Notify (they are not sent from here).
- ``smtp``: email through Django's mail backend (``EMAIL_*`` settings); no text messages.
- ``console``: appended to a file under ``var/`` (``HAVEN_NOTICE_FILE``), with the address
  shortened; what ``make run`` uses, so nothing leaves the machine. Not allowed in production.

A notifier raises ``NotDelivered`` when a notice could not be sent, saying whether trying again
later may help (``retry``): the background task that sends them retries only those.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class Kind(models.TextChoices):
    # To a reporter who gave an address and said a message may be left.
    REPORTER_UPDATE = "reporter_update", _("An update for a reporter")
    # To the advisor who holds a case, when the reporter replies or adds information.
    ADVISOR_REPLY = "advisor_reply", _("A reply for an advisor")
    # To the users of a partner agency: a referral sent to it, or an answer to its question.
    PARTNER_REFERRAL = "partner_referral", _("A referral for a partner agency")
    # To the advisor who made a referral, when the agency acts on it or asks something.
    ADVISOR_REFERRAL = "advisor_referral", _("News of a referral for an advisor")


@dataclass(frozen=True)
class Notice:
    """One notice: its kind, the channel, and the address (an email address or phone number).

    The address is personal data: it is never logged, and never kept in a task. The task holds
    what to unseal it from, and the worker builds the notice just before sending.
    """

    kind: Kind
    channel: Channel
    to: str

    def __repr__(self) -> str:  # so that a traceback or a log line never shows the address
        return f"Notice(kind={self.kind.value!r}, channel={self.channel.value!r}, to=<hidden>)"


class NotDelivered(Exception):
    """The notice was not sent. ``retry``: whether trying again later may send it."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Notifier(Protocol):
    def send(self, notice: Notice) -> str:
        """Send ``notice``; return the sender's reference for it ("" if it gives none)."""
        ...


def words(kind: Kind) -> tuple[str, str]:
    """The subject and body of a notice of ``kind`` sent by email (a text message: the body)."""
    body = {
        Kind.REPORTER_UPDATE: settings.HAVEN_NOTICE_REPORTER_TEXT,
        Kind.ADVISOR_REPLY: settings.HAVEN_NOTICE_ADVISOR_TEXT,
        Kind.PARTNER_REFERRAL: settings.HAVEN_NOTICE_PARTNER_TEXT,
        Kind.ADVISOR_REFERRAL: settings.HAVEN_NOTICE_ADVISOR_REFERRAL_TEXT,
    }[kind]
    return settings.HAVEN_NOTICE_SUBJECT, body


def shortened(notice: Notice) -> str:
    """The address as the console notifier writes it: enough to tell two apart, no more."""
    if notice.channel == Channel.EMAIL:
        local, _at, domain = notice.to.partition("@")
        return f"{local[:1]}…@{domain}" if domain else "…"
    digits = "".join(c for c in notice.to if c.isdigit())
    return f"…{digits[-3:]}" if len(digits) >= 3 else "…"


class ConsoleNotifier:
    """Appends a line per notice to ``path``: when, the kind, the channel, the address
    shortened and the words. For development and demonstrations; nothing is sent."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, notice: Notice) -> str:
        _subject, body = words(notice.kind)
        at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        line = f"{at} {notice.kind.value} by {notice.channel.value} to {shortened(notice)}: {body}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line.replace("\n", " ") + "\n")
        return ""


class SmtpNotifier:
    """Email through Django's mail backend (``EMAIL_HOST`` and the rest). No text messages."""

    def send(self, notice: Notice) -> str:
        if notice.channel != Channel.EMAIL:
            raise NotDelivered("this notifier sends email only", retry=False)
        subject, body = words(notice.kind)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notice.to])
        except OSError as exc:  # smtplib's errors are OSErrors: refused, unreachable, timed out
            raise NotDelivered(
                f"the mail server did not take it ({type(exc).__name__})", retry=True
            ) from exc
        return ""


class GovukNotifyNotifier:
    """GOV.UK Notify: one template per kind and channel, its words written in Notify.

    ``client`` is ``notifications_python_client``'s ``NotificationsAPIClient`` (tests give a
    fake one). Notify answers a bad address or template with a 400 (sending again will not
    help) and an outage or a rate limit with a 5xx or 429 (it may).
    """

    def __init__(self, client: Any, templates: dict[tuple[str, str], str]) -> None:
        self.client = client
        self.templates = templates

    def send(self, notice: Notice) -> str:
        from notifications_python_client.errors import APIError

        template = self.templates.get((notice.kind.value, notice.channel.value), "")
        if not template:
            raise NotDelivered(
                f"no Notify template for {notice.kind.value} by {notice.channel.value}",
                retry=False,
            )
        try:
            if notice.channel == Channel.EMAIL:
                answer = self.client.send_email_notification(
                    email_address=notice.to, template_id=template
                )
            else:
                answer = self.client.send_sms_notification(
                    phone_number=notice.to, template_id=template
                )
        except APIError as exc:
            status = exc.status_code
            retry = status >= 500 or status == 429
            raise NotDelivered(f"GOV.UK Notify answered {status}", retry=retry) from exc
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


# (kind, channel) → the setting naming its Notify template.
NOTIFY_TEMPLATE_SETTINGS = {
    (Kind.REPORTER_UPDATE.value, Channel.EMAIL.value): "HAVEN_NOTIFY_TEMPLATE_REPORTER_EMAIL",
    (Kind.REPORTER_UPDATE.value, Channel.SMS.value): "HAVEN_NOTIFY_TEMPLATE_REPORTER_SMS",
    (Kind.ADVISOR_REPLY.value, Channel.EMAIL.value): "HAVEN_NOTIFY_TEMPLATE_ADVISOR_EMAIL",
    (Kind.PARTNER_REFERRAL.value, Channel.EMAIL.value): "HAVEN_NOTIFY_TEMPLATE_PARTNER_EMAIL",
    (
        Kind.ADVISOR_REFERRAL.value,
        Channel.EMAIL.value,
    ): "HAVEN_NOTIFY_TEMPLATE_ADVISOR_REFERRAL_EMAIL",
}

NOTIFIERS = ("console", "smtp", "govuk_notify")


def notifier() -> Notifier:
    """The notifier configuration names (``HAVEN_NOTIFIER``), ready to send."""
    chosen = settings.HAVEN_NOTIFIER
    if chosen == "console":
        return ConsoleNotifier(Path(settings.HAVEN_NOTICE_FILE))
    if chosen == "smtp":
        return SmtpNotifier()
    if chosen == "govuk_notify":
        from notifications_python_client.notifications import NotificationsAPIClient

        if not settings.HAVEN_NOTIFY_API_KEY:
            raise ImproperlyConfigured("HAVEN_NOTIFIER=govuk_notify needs HAVEN_NOTIFY_API_KEY")
        templates = {
            pair: getattr(settings, name) for pair, name in NOTIFY_TEMPLATE_SETTINGS.items()
        }
        client = NotificationsAPIClient(settings.HAVEN_NOTIFY_API_KEY)  # type: ignore[no-untyped-call]
        return GovukNotifyNotifier(client, templates)
    raise ImproperlyConfigured(f"HAVEN_NOTIFIER must be one of {', '.join(NOTIFIERS)}")

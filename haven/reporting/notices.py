"""Telling the reporter, or the advisor holding their case, that there is something new.

A ``Notification`` row is written, and its task enqueued, inside the transaction that stores
the message it is about: both commit or neither does (django-tasks-db keeps the task in the same
database). The task holds only the notification's id. The worker finds the address when it
sends (``address``): the reporter's is unsealed from their latest contact details with the
organisation's key, so workers run on the staff tier; an advisor's is their account's email.
It is never kept: not in the task, the row, the audit trail or a log line.

A notice that could not be sent is tried again, after 1, 2, 4 and 8 minutes (``BACKOFF``),
when the notifier says trying again may help; otherwise, or after the last try, it is marked
not sent, with a reason naming no one, and the case page shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.models import Case
from haven.notify.notifiers import Channel, Kind, NotDelivered, Notice, notifier
from haven.reporting.models import Message, MessageKind, NoticeState, Notification
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken, open_sealed

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8))


@dataclass(frozen=True)
class Contact:
    """How the reporter may be reached, as they last said (staff tier: it is unsealed)."""

    email: str = ""
    phone: str = ""
    leave_message: bool = False

    @property
    def channel(self) -> Channel | None:
        """How a notice would reach them, email first; None: it may not."""
        if not self.leave_message:
            return None
        if self.email:
            return Channel.EMAIL
        return Channel.SMS if self.phone else None


def _contact_from(answers: dict[str, Any]) -> Contact:
    if answers.get("contact_choice") != "yes":
        return Contact()
    return Contact(
        email=str(answers.get("email") or ""),
        phone=str(answers.get("phone") or ""),
        leave_message=answers.get("leave_message") == "yes",
    )


def reporter_contact(case: Case) -> Contact:
    """The reporter's contact details: the latest they changed them to, else the report's.

    Opens sealed contents, so only where the organisation's private key is (the staff tier and
    its worker). Raises KeyUnavailable or SealBroken.
    """
    latest = (
        Message.objects.filter(case=case, kind=MessageKind.CONTACT)
        .only("id", "key_id", "sealed")
        .order_by("-at", "-id")
        .first()
    )
    if latest is not None:
        contents = open_sealed(
            record_id=str(latest.id), key_id=latest.key_id, ciphertext=bytes(latest.sealed)
        )
        return _contact_from(contents.get("contact", {}))
    report = case.report
    contents = open_sealed(
        record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
    )
    return _contact_from(contents.get("answers", {}).get("contact", {}))


def _enqueue(notification: Notification, *, after: timedelta | None = None) -> None:
    target = send_notification
    if after is not None:
        target = send_notification.using(run_after=timezone.now() + after)
    target.enqueue(str(notification.id))


def _create(
    case: Case,
    message: Message | None,
    *,
    kind: Kind,
    channel: Channel,
    recipient_id: int | None = None,
    referral_id: Any = None,
) -> Notification:
    now = timezone.now()
    notification = Notification.objects.create(
        case=case,
        message=message,
        referral_id=referral_id,
        kind=kind,
        channel=channel,
        recipient_id=recipient_id,
        created_at=now,
        updated_at=now,
    )
    _enqueue(notification)
    return notification


def notify_reporter(case: Case, message: Message) -> Notification | None:
    """A notice to the reporter of a message sent to them, if they gave an address and said a
    message may be left. Inside the message's transaction, on the staff tier."""
    channel = reporter_contact(case).channel
    if channel is None:
        return None
    return _create(case, message, kind=Kind.REPORTER_UPDATE, channel=channel)


def notify_advisor(case: Case, message: Message) -> Notification | None:
    """A notice to the advisor holding the case that the reporter wrote; none if nobody holds
    it (the queue shows "reply waiting" to all) or they have no email address."""
    holder = case.assigned_to
    if holder is None or not holder.is_active or not holder.email:
        return None
    return _create(
        case, message, kind=Kind.ADVISOR_REPLY, channel=Channel.EMAIL, recipient_id=holder.pk
    )


def notify_users(
    case: Case, *, referral_id: Any, kind: Kind, users: Iterable[User]
) -> list[Notification]:
    """A notice about a referral to each of ``users`` who is active and has an email address
    (a partner agency's users, or the advisor who made it); inside the move's transaction."""
    return [
        _create(
            case,
            None,
            kind=kind,
            channel=Channel.EMAIL,
            recipient_id=user.pk,
            referral_id=referral_id,
        )
        for user in users
        if user.is_active and user.email
    ]


def address(notification: Notification) -> str:
    """Where the notice goes, found now and kept nowhere; "" when there is nowhere."""
    if notification.recipient_id is not None:
        holder = notification.recipient
        return holder.email if holder is not None and holder.is_active else ""
    contact = reporter_contact(notification.case)
    if contact.channel is None:
        return ""  # they have since withdrawn it, or said no message may be left
    return contact.email if notification.channel == Channel.EMAIL else contact.phone


def deliver(notification_id: str) -> str:
    """Send one notification; its state afterwards. What the task runs."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("case", "case__report", "recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.state != NoticeState.WAITING:
            return notification.state if notification is not None else "missing"
        notification.tries += 1
        try:
            to = address(notification)
            if not to:
                raise NotDelivered("no address to send it to", retry=False)
            notifier().send(
                Notice(kind=Kind(notification.kind), channel=Channel(notification.channel), to=to)
            )
        except NotDelivered as exc:
            _failed(notification, exc.reason, retry=exc.retry)
        except (KeyUnavailable, SealBroken):
            _failed(notification, "the contact details could not be opened here", retry=False)
        else:
            notification.state, notification.reason = NoticeState.SENT, ""
            notification.updated_at = timezone.now()
            notification.save(update_fields=["state", "reason", "tries", "updated_at"])
            record_event(
                action=Action.NOTICE_SENT,
                report_id=notification.case.report_id,
                detail=_detail(notification),
            )
    return notification.state


def _detail(notification: Notification) -> dict[str, Any]:
    return {
        "case": str(notification.case_id),
        "notification": str(notification.id),
        "kind": notification.kind,
        "channel": notification.channel,
        "tries": notification.tries,
    }


def _failed(notification: Notification, reason: str, *, retry: bool) -> None:
    notification.reason = reason[:200]
    notification.updated_at = timezone.now()
    if retry and notification.tries <= len(BACKOFF):
        notification.save(update_fields=["reason", "tries", "updated_at"])
        _enqueue(notification, after=BACKOFF[notification.tries - 1])
        log.warning("notice not sent, trying again (try %s)", notification.tries)
        return
    notification.state = NoticeState.FAILED
    notification.save(update_fields=["state", "reason", "tries", "updated_at"])
    record_event(
        action=Action.NOTICE_FAILED,
        report_id=notification.case.report_id,
        detail={**_detail(notification), "reason": notification.reason},
    )
    log.warning("notice not sent after %s tries", notification.tries)


@task()
def send_notification(notification_id: str) -> str:
    """Send a notification (by its id: the task holds nothing else)."""
    return deliver(notification_id)


def failed_notices(case: Case) -> list[Notification]:
    """The case's notices that were not sent, newest first, for the case page."""
    return list(
        Notification.objects.filter(case=case, state=NoticeState.FAILED).order_by("-created_at")
    )

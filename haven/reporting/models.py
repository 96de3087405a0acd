from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.notify.notifiers import Channel as NoticeChannel
from haven.notify.notifiers import Kind as NoticeKind
from haven.triage.rules import Audience


class Channel(models.TextChoices):
    WEB = "web", _("Online form")


class Answer(models.TextChoices):
    """A three-way answer for the triage inputs: a person may not know."""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not known")


class AgeBand(models.TextChoices):
    UNDER_13 = "under_13", _("Under 13")
    FROM_13_TO_15 = "13_15", _("13 to 15")
    FROM_16_TO_17 = "16_17", _("16 or 17")
    ADULT = "18_plus", _("18 or over")
    UNKNOWN = "unknown", _("Not known")


class Report(models.Model):
    """A report as received. Its answers are sealed; the columns hold only what identifies nobody.

    The plaintext columns are the queue's needs and the triage inputs. Everything the reporter
    wrote, and anything that could identify them or the child, is inside ``sealed``, which only
    the organisation's private key opens.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=24, unique=True)
    received_at = models.DateTimeField(db_index=True)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)

    # Triage inputs (scored by the next issue's triage rules).
    concerns = models.JSONField(default=list)
    danger_now = models.CharField(max_length=8, choices=Answer.choices, default=Answer.UNKNOWN)
    child_age_band = models.CharField(
        max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    several_children = models.CharField(
        max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    person_adult = models.CharField(max_length=8, choices=Answer.choices, default=Answer.UNKNOWN)
    works_with_children = models.CharField(
        max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    contactable = models.BooleanField(default=False)

    sealed_key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()

    # The follow-up code, never stored: an HMAC-SHA256 verifier under HAVEN_RECEIPT_KEY.
    followup_verifier = models.CharField(max_length=64, unique=True)
    # The reporter's key pair; the private half is wrapped under a key derived from the code.
    reporter_public_key = models.BinaryField()
    reporter_key_wrapped = models.BinaryField()
    reporter_key_salt = models.BinaryField()

    # A random token minted with the draft: a second submission of the same draft (double
    # click, back and resubmit) finds the first report instead of creating another.
    submission_key = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience__in=[a.value for a in Audience]),
                name="report_audience_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(sealed_key_id=""), name="report_sealed_key_id_present"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Draft(models.Model):
    """Answers in progress, encrypted under a key that only the reporter's cookie holds."""

    id = models.CharField(max_length=32, primary_key=True)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"draft {self.pk[:6]}…"


class SubmissionCounter(models.Model):
    """Reports sent from one client address in one time window.

    ``bucket`` is an HMAC of the address under HAVEN_RATE_LIMIT_KEY: the table never holds an
    address, and old windows are purged.
    """

    bucket = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="one_counter_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} since {self.window_start:%H:%M}"


class CheckFailureCounter(models.Model):
    """Failed checks of a reference and follow-up code, per bucket and time window.

    A bucket is an HMAC under HAVEN_RATE_LIMIT_KEY of either the reference tried or the client
    address, so the table holds neither. Old windows are deleted as new ones start.
    """

    bucket = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="one_check_counter_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} failed since {self.window_start:%H:%M}"


class ReporterSession(models.Model):
    """A reporter's short visit after their code was accepted, held as drafts are.

    ``ciphertext`` (the follow-up code, which opens the reporter's own key in each request) is
    sealed under a key that only the reporter's cookie holds; the row alone reads nothing.
    """

    id = models.CharField(max_length=32, primary_key=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"reporter session {self.pk[:6]}…"


class MessageKind(models.TextChoices):
    TO_REPORTER = "to_reporter", _("Message to the reporter")
    REPLY = "reply", _("Reply from the reporter")
    ADDED = "added", _("Information added by the reporter")
    CONTACT = "contact", _("Contact details changed by the reporter")


class Message(models.Model):
    """One turn of the conversation with the reporter, through their report's page.

    ``sealed`` is the organisation's copy (``sealing.seal``, for the case's history and the
    staff tier); ``reporter_sealed`` the reporter's (``sealing.seal_to_reporter``, to the
    report's own public key, which only their follow-up code opens). Both seal the message's id
    with the words, so neither opens as another message. Nothing else here is anyone's words.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # By name: cases sit below reporting. No index of its own: message_case_at leads with it.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    # The advisor who sent it; None for what the reporter wrote.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()
    reporter_sealed = models.BinaryField()
    # When the reporter first saw a message sent to them.
    read_at = models.DateTimeField(null=True, blank=True)
    # What added information did to the priority ("" when nothing).
    raised_from = models.CharField(max_length=2, blank=True)
    raised_to = models.CharField(max_length=2, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="message_case_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=MessageKind.values), name="message_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind=MessageKind.TO_REPORTER, by__isnull=False)
                | (~models.Q(kind=MessageKind.TO_REPORTER) & models.Q(by__isnull=True)),
                name="message_sender_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class NoticeState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")


class Notification(models.Model):
    """A notice, with no content, that there is something new: to the reporter, when an advisor
    sends them a message, or to the advisor holding the case, when the reporter writes.

    It names no address: the worker finds it when sending (the reporter's, unsealed from their
    contact details; the advisor's, from their account) and keeps it nowhere. ``reason`` says
    why the last try failed, in words that name no one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notifications")
    # What it is about: a message of the conversation, or a referral (by name: referrals sit
    # above reporting). One or the other.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    channel = models.CharField(max_length=8, choices=NoticeChannel.choices)
    # The advisor told; None for the reporter.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=8, choices=NoticeState.choices, default=NoticeState.WAITING)
    tries = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="notification_case")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(message__isnull=False, referral__isnull=True)
                | models.Q(message__isnull=True, referral__isnull=False),
                name="notification_about_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel}: {self.state}"

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from haven.cases.lifecycle import Status
from haven.triage.rules import Audience, Priority, TargetName


class Case(models.Model):
    """The work on one report: triage, status, who holds it, and when things are due.

    The queue reads only this table (and the report's reference), never sealed content.
    ``next_due_at`` is the earliest target not yet met among first read, the threshold decision,
    first contact and answering a reply (``next_target`` names it), so the queue's order is one index scan.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # By name: reporting sits above cases and opens a case for each report it receives.
    report = models.OneToOneField("reporting.Report", on_delete=models.PROTECT, related_name="case")
    reference = models.CharField(max_length=24, unique=True)
    received_at = models.DateTimeField()
    audience = models.CharField(max_length=20, choices=Audience.choices)
    concerns = models.JSONField(default=list)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NEW)

    scope = models.CharField(
        max_length=3, choices=[("in", _("In scope")), ("out", _("Out of scope"))]
    )
    out_category = models.CharField(max_length=20, blank=True)
    computed_priority = models.CharField(max_length=2, choices=Priority.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    reasons = models.JSONField(default=list)

    first_read_due = models.DateTimeField()
    # Null only on a case closed before threshold decisions had a target (it gets one if it is
    # reopened); open_case and a reopening always set it.
    threshold_decision_due = models.DateTimeField(null=True, blank=True)
    # None when the reporter left no way to be contacted, or the band has no contact target.
    first_contact_due = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    next_target = models.CharField(max_length=20, choices=TargetName.choices, blank=True)
    first_read_at = models.DateTimeField(null=True, blank=True)
    first_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The reporter replied or added something, and no advisor has answered since: the queue's
    # "reply waiting", with its own target (TargetName.REPLY), met by the next message sent.
    reply_waiting_since = models.DateTimeField(null=True, blank=True)
    reply_due = models.DateTimeField(null=True, blank=True)
    # When the current threshold decision (meets or below) was recorded; a reopening clears it.
    threshold_decided_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    # The last time the case was reopened: its targets count from then, not from receipt.
    reopened_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    restricted = models.BooleanField(default=False)
    # More reports than HAVEN_SUBMISSIONS_PER_WINDOW came from the reporter's network in the
    # window: a school, a family, a phone network, or a flood. Shown to staff, never to the
    # reporter; the network itself is not recorded.
    many_from_network = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Each index holds the queue's whole order (priority, next target, oldest, id), so a
        # page is read off the index in order and never sorted. The queue is the open cases,
        # a small share of the table once closed ones accumulate: the two indexes without a
        # status are partial, on open cases only, so they skip the closed ones instead of
        # reading past them (the queries say "not closed", as the condition does).
        indexes = [
            models.Index(
                fields=["priority", "next_due_at", "received_at", "id"],
                condition=~Q(status=Status.CLOSED),
                name="case_open_queue",
            ),
            models.Index(
                fields=["assigned_to", "priority", "next_due_at", "received_at", "id"],
                condition=~Q(status=Status.CLOSED),
                name="case_open_assignee_queue",
            ),
            models.Index(
                fields=["status", "priority", "next_due_at", "received_at", "id"],
                name="case_status_queue_order",
            ),
            # The marked open cases (a flood, while a supervisor closes it): few, and in order.
            models.Index(
                fields=["priority", "next_due_at", "received_at", "id"],
                condition=~Q(status=Status.CLOSED) & Q(many_from_network=True),
                name="case_open_network_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="case_priority_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="case_status_valid"),
            models.CheckConstraint(
                condition=Q(next_target__in=[*TargetName.values, ""]),
                name="case_next_target_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.CLOSED, closed_at__isnull=False)
                | ~Q(status=Status.CLOSED),
                name="case_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Transition(models.Model):
    """One status change: who, when, from, to, and why."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=24, choices=Status.choices)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    # Reasons are an advisor's professional words about a child: sealed like the report.
    reason_key_id = models.CharField(max_length=16, blank=True)
    reason_sealed = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class PriorityChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="priority_changes")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_priority = models.CharField(max_length=2, choices=Priority.choices)
    to_priority = models.CharField(max_length=2, choices=Priority.choices)
    reason_key_id = models.CharField(max_length=16)
    reason_sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.from_priority} → {self.to_priority}"


class NoteKind(models.TextChoices):
    FACT = "fact", _("Fact")
    OPINION = "opinion", _("Professional opinion")


class Note(models.Model):
    """A case note; fact kept apart from opinion. The text is sealed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=NoteKind.choices)
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.kind} note"


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other")


class ContactOutcome(models.TextChoices):
    SPOKE = "spoke", _("Spoke to the reporter")
    MESSAGE_LEFT = "message_left", _("Left a message")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_DETAILS = "wrong_details", _("Contact details did not work")
    UNSAFE = "unsafe", _("Not safe to talk; will try again")


class ContactAttempt(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contact_attempts")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=8, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=16, choices=ContactOutcome.choices)
    key_id = models.CharField(max_length=16, blank=True)
    sealed_note = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.method}: {self.outcome}"


class SafetyAction(models.Model):
    """One action of the case's safety plan: what, who owns it, by when, and whether it is done.

    What and who are an advisor's words: each is sealed, with the key that sealed it.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="safety_actions")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()
    owner_key_id = models.CharField(max_length=16)
    owner_sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"action for {self.case_id}"


class CaseLink(models.Model):
    """Two cases known to be connected: by an advisor, or by a shared identifier."""

    from_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links_in")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case"], name="case_link_once"),
            models.CheckConstraint(
                condition=~Q(from_case=models.F("to_case")), name="case_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} ↔ {self.to_case_id}"


class CaseAccess(models.Model):
    """A person named on a restricted case: only they may open it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_access_once")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id}"


class ApprovalKind(models.TextChoices):
    """The changes a second person must approve (each may be switched off in HAVEN_APPROVALS)."""

    CLOSE_BELOW_THRESHOLD = "close_below_threshold", _("Closing a case below threshold")
    LOWER_PRIORITY = "lower_priority", _("Lowering the priority")
    CLOSE_P1_P2 = "close_p1_p2", _("Closing a P1 or P2 case")


class ApprovalOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    # The person who asked took the request back before anyone decided it (decided_by stays
    # empty: nobody else decided).
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Approval(models.Model):
    """A change asked for and waiting for a supervisor: four eyes on closing and lowering.

    The change (a status or a priority) is made only when someone other than the person who
    asked approves it. Both reasons are an advisor's words about a child: sealed.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    kind = models.CharField(max_length=24, choices=ApprovalKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    to_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    reason_key_id = models.CharField(max_length=16)
    reason_sealed = models.BinaryField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=ApprovalOutcome.choices, blank=True)
    decision_key_id = models.CharField(max_length=16, blank=True)
    decision_sealed = models.BinaryField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one change waits on a case at a time; the index also finds the pending.
            models.UniqueConstraint(
                fields=["case"], condition=Q(decided_at__isnull=True), name="approval_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ApprovalKind.values), name="approval_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, outcome="")
                | Q(decided_at__isnull=False, outcome__in=ApprovalOutcome.values),
                name="approval_decided_has_outcome",
            ),
            models.CheckConstraint(
                condition=(Q(to_status="") & ~Q(to_priority=""))
                | (~Q(to_status="") & Q(to_priority="")),
                name="approval_one_change",
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("requested_by")),
                name="approval_not_own_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id}"

    @property
    def pending(self) -> bool:
        return self.decided_at is None


class OwnershipOverride(models.Model):
    """A supervisor acting on a case another advisor holds: who, whose, which verb, and why.

    The reason is sealed like every other reason on a case.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="overrides")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=32)
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.verb} on {self.case_id}"


class OpenCaseCount(models.Model):
    """How many open cases each person holds, per priority: the team page's workload.

    Kept by the database, not by the code: triggers on ``cases_case`` (migration 0008) add one
    when a case becomes open and held, and take one away when it is closed, given to someone
    else, or its priority changes, inside the transaction that changes the case, whichever code
    (a verb, a bulk close, the seeding, a migration) wrote it. Reading the workload is then one
    small query however large the backlog. Never written by the application.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    open_cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "priority"], name="open_case_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.priority}: {self.open_cases}"

"""Partner agencies, and the referrals advisors make to them.

An agency's entry in the directory is about an organisation, not a person: plain columns. What a
referral says about a child is sealed to the organisation's key like the report: the draft an
advisor edits (``Referral.sealed``), the frozen copy the agency reads (``ReferralCopy``), every
reason given for a move (``ReferralEvent``) and the thread between advisor and agency
(``ReferralMessage``). The rows hold only states, times, people and ids in plaintext.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from haven.referrals.lifecycle import OPEN_STATES, WITH_PARTNER, State


class AgencyKind(models.TextChoices):
    SOCIAL_CARE = "social_care", _("Children's social care")
    POLICE = "police", _("Police child protection unit")
    LADO = "lado", _("Local Authority Designated Officer (LADO)")
    OTHER = "other", _("Other")


class Delivery(models.TextChoices):
    PORTAL = "portal", _("Through the partner portal")
    SECURE_EMAIL = "secure_email", _("By secure email of an exported referral")


class PartnerAgency(models.Model):
    """An agency advisors refer to: who it is, where it works, how referrals reach it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=12, choices=AgencyKind.choices)
    # The local authority areas it serves, as written ("Leeds", "North Yorkshire").
    areas = models.JSONField(default=list)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.PORTAL)
    # Where an exported referral is sent (delivery by secure email).
    secure_email = models.EmailField(max_length=254, blank=True)
    # Whom to ring when an urgent referral is not acknowledged in time.
    out_of_hours = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AgencyKind.values), name="agency_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(delivery=Delivery.PORTAL) | ~Q(secure_email=""),
                name="agency_secure_email_needs_address",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgencyArea(models.Model):
    """One area an agency serves, normalised for the referral form's search (``areas`` keeps
    the words as written)."""

    # No index of its own: agency_area_once leads with it.
    agency = models.ForeignKey(
        PartnerAgency, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["key"], name="agency_area_key")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "key"], name="agency_area_once"),
        ]

    def __str__(self) -> str:
        return self.key


class PartnerMembership(models.Model):
    """A partner user belongs to one agency, and sees only the referrals sent to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    agency = models.ForeignKey(PartnerAgency, on_delete=models.PROTECT, related_name="members")

    def __str__(self) -> str:
        return f"{self.user_id} at {self.agency_id}"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    # Data Protection Act 2018, Schedule 1, paragraph 18.
    WITHOUT_CONSENT = (
        "safeguarding",
        _(
            "Sharing without consent to safeguard a child (Data Protection Act 2018, Schedule 1, "
            "paragraph 18)"
        ),
    )


# The referrals a supervisor must see to: to approve, or to review after an urgent sending. One
# condition for the team page's query and the index that serves it.
FOR_SUPERVISOR = Q(state=State.AWAITING_APPROVAL) | Q(review_needed=True)


class Referral(models.Model):
    """One referral of a case to one agency, through its states (``lifecycle.TRANSITIONS``).

    ``sealed`` is the advisor's working draft: every section's words, which are shared, and the
    lawful basis's particulars (who consented and when, or why consent was not sought; why the
    reporter's identity is shared). Once sent, the agency reads ``ReferralCopy`` instead, frozen.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # By name: referrals sit above cases.
    # No index of its own: referral_number_once leads with it.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    number = models.PositiveIntegerField()  # 1, 2, … within the case: "<case reference>-R2"
    # No index of its own: referral_agency_state leads with it.
    agency = models.ForeignKey(
        PartnerAgency, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    urgent = models.BooleanField(default=False)
    lawful_basis = models.CharField(max_length=12, choices=LawfulBasis.choices, blank=True)
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Sent without approval (an urgent referral): a supervisor looks at it afterwards.
    review_needed = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    acknowledge_due = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The agency's own reference for it: a number in their system, not a person's details.
    partner_reference = models.CharField(max_length=60, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The overdue acknowledgements, earliest first (queue, team page, case).
            models.Index(
                fields=["acknowledge_due", "id"],
                condition=Q(state="sent"),
                name="referral_ack_waiting",
            ),
            models.Index(fields=["agency", "state"], name="referral_agency_state"),
            # An agency's list, newest first: a page is a range of this index, not a sort of
            # every referral the agency ever had.
            models.Index(
                fields=["agency", "-sent_at", "id"],
                condition=Q(state__in=WITH_PARTNER),
                name="referral_partner_list",
            ),
            # The team page's capped counts by state, each a range of this index.
            models.Index(
                fields=["state"], condition=Q(state__in=OPEN_STATES), name="referral_open_state"
            ),
            models.Index(
                fields=["updated_at", "id"],
                condition=FOR_SUPERVISOR,
                name="referral_for_supervisor",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="referral_number_once"),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="referral_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(lawful_basis__in=["", *LawfulBasis.values]),
                name="referral_basis_valid",
            ),
            # Nothing leaves without a lawful basis.
            models.CheckConstraint(
                condition=Q(state__in=[State.DRAFT, State.AWAITING_APPROVAL])
                | (~Q(lawful_basis="") & Q(sent_at__isnull=False)),
                name="referral_sent_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.case.reference}-R{self.number}"


class ReferralCopy(models.Model):
    """What the agency reads: the shared sections as they were when sent, sealed. Destroyed
    when the referral is revoked (the referral's row and events remain, as its tombstone)."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, primary_key=True, related_name="copy"
    )
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"copy of {self.referral_id}"


class ReferralEvent(models.Model):
    """One move of a referral: who, when, from and to, and the reason (sealed) where one was
    given. The referral's history, for the advisor and the agency alike."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    reason_key_id = models.CharField(max_length=16, blank=True)
    reason_sealed = models.BinaryField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_at")]

    def __str__(self) -> str:
        return f"{self.from_state} to {self.to_state}"


class ReferralMessage(models.Model):
    """The thread between the referring advisor and the agency: a request for more
    information, its answer, anything else either side writes. Sealed."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_partner = models.BooleanField()
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["referral", "at"], name="referral_message_at")]

    def __str__(self) -> str:
        return f"message on {self.referral_id}"

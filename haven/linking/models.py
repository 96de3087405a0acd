from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Case
from haven.linking import normalise


class Kind(models.TextChoices):
    USERNAME = normalise.USERNAME, _("username")
    EMAIL = normalise.EMAIL, _("email address")
    PHONE = normalise.PHONE, _("phone number")
    URL = normalise.URL, _("link")


class IdentifierIndex(models.Model):
    """One identifier of the person of concern that a report mentions, as a blind index.

    ``digest`` is HMAC-SHA256 under HAVEN_INDEX_KEY of the kind and the normalised identifier;
    ``platform`` is the same HMAC (its first 16 hex digits) of the canonical platform of a
    username, or "" when the platform is not known. Neither the identifier nor the platform is
    stored in plaintext. A report mentions each (kind, digest, platform) once.
    """

    # Where the identifier was written; the row goes with the report. By name: reporting sits
    # above linking and indexes each report it receives.
    report = models.ForeignKey(
        "reporting.Report", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The report's case, copied so that the lookup reads this table and the case, not three.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifiers")
    # The case's time received, copied too: the case page's newest few sharing an identifier
    # are then chosen off the lookup index, without reading every such case (hundreds, for a
    # handle that recurs). A report's time received never changes.
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    platform = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        indexes = [
            # The lookup of every other report sharing a digest, by its first two columns. The
            # platform and the case ride in the index too (as key columns, which every database
            # supports, not INCLUDE), so the lookup need not read the table itself.
            models.Index(
                fields=["kind", "digest", "platform", "case", "received_at"],
                name="identifier_lookup",
            ),
        ]
        constraints = [
            # Also the index by report (its leading column), which is why the FK has none.
            models.UniqueConstraint(
                fields=["report", "kind", "digest", "platform"], name="identifier_once_per_report"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="identifier_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=Kind.USERNAME) | Q(platform=""),
                name="identifier_platform_only_for_usernames",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:8]}…"

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One thing that happened, appended to a hash chain.

    ``hash`` is SHA-256 over this event's fields and the previous event's hash, so removing,
    reordering or editing any event breaks every link after it. ``detail`` never holds report
    contents or anything that identifies a reporter or a child.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The actor's username when the event was written: the account may be renamed later.
    actor_label = models.CharField(max_length=150, blank=True)
    report_id = models.UUIDField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["action", "at"]),
            models.Index(fields=["actor", "at"]),
            # The audit page's date range, newest first, paged by keyset (audit/queries.py).
            models.Index(fields=["at", "seq"], name="audit_event_at_seq"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The single row that every append locks: it serialises appends and holds the last link."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return f"head at #{self.seq}"

"""Questions a supervisor asks of the audit trail."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from haven.audit.actions import Action
from haven.audit.models import AuditEvent

OPENINGS = (
    Action.REPORT_OPENED,
    Action.CASE_VIEWED,
    Action.REPORT_OPEN_FAILED,
    Action.CASE_ACCESS_REFUSED,
)


def who_opened(*, report_id: uuid.UUID) -> QuerySet[AuditEvent]:
    """Every opening of a report or its case, and every refused attempt, newest first."""
    return AuditEvent.objects.filter(report_id=report_id, action__in=OPENINGS).order_by("-seq")


def opened_by(*, user: User, day: datetime.date | None = None) -> QuerySet[AuditEvent]:
    """What one person opened (or tried to) on one local day, newest first."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return AuditEvent.objects.filter(
        actor=user, action__in=OPENINGS, at__gte=start, at__lt=start + datetime.timedelta(days=1)
    ).order_by("-seq")

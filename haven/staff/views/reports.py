"""The list of received reports, and one report opened."""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from haven.accounts.access import staff_required
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases import services
from haven.cases.models import Case
from haven.cases.queries import may_open
from haven.reporting import summary
from haven.reporting.models import Answer, Report
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken, open_sealed
from haven.staff.views.listing import choice_labels, page_number, page_query
from haven.triage.rules import Audience

LIST_COLUMNS = ("id", "reference", "received_at", "audience", "concerns", "danger_now", "channel")

# The list says "more than" above this many reports: an exact count reads every row of the
# table, which at a million reports took longer than the rest of the page together.
REPORT_COUNT_CAP = 10_000
LIST_PAGE_SIZE = 50


@require_GET
@staff_required
def reports(request: HttpRequest) -> HttpResponse:
    # A restricted case's report is a row that says only that it exists, as in the queue; the
    # count counts it as the queue shows it, as one row.
    user = cast(User, request.user)
    queryset = (
        Report.objects.only(*LIST_COLUMNS)
        .annotate(may_open=may_open(user, case="case"))
        .order_by("-received_at", "-reference")
    )
    number = page_number(request)
    start = (number - 1) * LIST_PAGE_SIZE
    rows = list(queryset[start : start + LIST_PAGE_SIZE + 1])
    total = Report.objects.order_by()[: REPORT_COUNT_CAP + 1].count()
    return render(
        request,
        "staff/reports.html",
        {
            "reports": rows[:LIST_PAGE_SIZE],
            "total": total,
            "more_than": f"{REPORT_COUNT_CAP:,}" if total > REPORT_COUNT_CAP else "",
            "prev_query": page_query(request, number - 1) if number > 1 else "",
            "next_query": page_query(request, number + 1) if len(rows) > LIST_PAGE_SIZE else "",
            "audience_labels": choice_labels(Audience),
            "answer_labels": choice_labels(Answer),
        },
    )


@require_GET
@staff_required
def report(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    """Open one report's sealed answers. Every opening, and every failure to open, is audited."""
    item = get_object_or_404(Report, pk=report_id)
    case = Case.objects.filter(report=item).first()
    user = cast(User, request.user)
    if case is not None and not services.can_open(case, user):
        services.refuse_access(case=case, by=user)
        return render(request, "staff/restricted.html", status=403)
    try:
        contents = open_sealed(
            record_id=str(item.id), key_id=item.sealed_key_id, ciphertext=bytes(item.sealed)
        )
    except (KeyUnavailable, SealBroken) as exc:
        reason = "key_unavailable" if isinstance(exc, KeyUnavailable) else "seal_broken"
        with transaction.atomic():
            record_event(
                action=Action.REPORT_OPEN_FAILED,
                actor=request.user,
                report_id=item.id,
                detail={"reason": reason},
            )
        return render(
            request, "staff/cannot_open.html", {"report": item, "reason": reason}, status=503
        )
    # The event commits before the contents are sent: no opening goes unrecorded. The case is
    # locked before the audit head, as every verb does: the other order deadlocks with a bulk
    # close, which holds its cases' locks when it asks for the head.
    with transaction.atomic():
        if case is not None:
            services.record_first_read(case=case, by=user)
        record_event(action=Action.REPORT_OPENED, actor=request.user, report_id=item.id)
    audience = contents.get("audience", item.audience)
    return render(
        request,
        "staff/report.html",
        {"report": item, "sections": summary.sections(audience, contents.get("answers", {}))},
    )

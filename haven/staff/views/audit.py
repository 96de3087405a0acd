"""The audit page: who opened a case, what someone opened today."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.audit.actions import Action
from haven.audit.queries import opened_by, who_opened
from haven.audit.services import record_event
from haven.staff.forms import AuditSearchForm


@require_GET
@requires("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    """Who opened case X? What did advisor Y open today?

    The search is audited, but not what was searched for: only which question was asked.
    """
    form = AuditSearchForm(request.GET)
    form.is_valid()
    with transaction.atomic():
        record_event(
            action=Action.AUDIT_SEARCHED,
            actor=request.user,
            detail={
                "by_case": bool(request.GET.get("reference")),
                "by_person": bool(request.GET.get("advisor")),
            },
        )
    case, person = form.case, form.person
    return render(
        request,
        "staff/audit.html",
        {
            "form": form,
            "has_errors": bool(form.errors),
            "case": case,
            "person": person,
            "case_events": list(who_opened(report_id=case.report_id).select_related("actor")[:200])
            if case
            else [],
            "person_events": list(opened_by(user=person)[:200]) if person else [],
            "nav": "audit",
        },
    )

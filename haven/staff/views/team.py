"""Supervisors: the team's workload and overdue cases, and reassigning a case."""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import requires
from haven.accounts.services import has_permission
from haven.cases import services
from haven.cases.models import Case
from haven.cases.queries import QueueFilter, page_of, workload
from haven.cases.queries import queue as cases_queue
from haven.cases.services import time_left
from haven.core.parsing import positive_int


@require_GET
@requires("team.view")
def team(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


def _team_page(request: HttpRequest, *, error: str = "") -> HttpResponse:
    user = cast(User, request.user)
    overdue = page_of(cases_queue(user=user, filters=QueueFilter(overdue=True)), page=1)[0]
    advisors = User.objects.filter(is_active=True, is_staff=True).order_by("username")
    return render(
        request,
        "staff/team.html",
        {
            "workload": workload(),
            "overdue": [(case, time_left(case)) for case in overdue],
            "advisors": advisors,
            "may_assign": has_permission(user, "cases.assign"),
            "error": error,
            "has_errors": bool(error),
            "nav": "team",
        },
    )


@require_POST
@requires("cases.assign")
def assign(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Give the case to the advisor chosen, or to nobody (the empty choice)."""
    case = get_object_or_404(Case, pk=case_id)
    chosen = request.POST.get("advisor", "")
    pk = positive_int(chosen)
    to = User.objects.filter(pk=pk, is_active=True, is_staff=True).first() if pk else None
    if chosen and to is None:
        return _team_page(request, error=_("Choose an advisor from the list"))
    services.assign_case(case=case, to=to, by=cast(User, request.user))
    return redirect("staff:team")

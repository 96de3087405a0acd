"""Every other report that mentions the same person as a case: the page behind the case page's
"see all", which shows only the newest few of each kind."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.cases.lifecycle import Status
from haven.cases.models import Case, CaseAccess
from haven.linking.models import Kind
from haven.linking.services import mentioning
from haven.staff.views.case import openable_case
from haven.staff.views.listing import choice_labels, page_number, page_query

PAGE_SIZE = 50


@require_GET
@requires("cases.view")
@openable_case
def mentions(request: HttpRequest, case: Case, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404("no such kind of identifier")
    number = page_number(request)
    found = mentioning(case=case, kind=kind)
    start = (number - 1) * PAGE_SIZE
    if start and start >= len(found):
        raise Http404("no such page")
    shown = found[start : start + PAGE_SIZE]
    # The restricted ones this person is named on, among those shown: one query.
    restricted = [other.case_id for other in shown if other.restricted]
    openable = set(
        CaseAccess.objects.filter(
            user=cast(User, request.user), case_id__in=restricted
        ).values_list("case_id", flat=True)
    )
    return render(
        request,
        "staff/mentions.html",
        {
            "case": case,
            "kind_label": Kind(kind).label,
            "total": len(found),
            "shown": shown,
            "first": start + 1,
            "openable": openable,
            "status_labels": choice_labels(Status),
            "prev_query": page_query(request, number - 1) if number > 1 else "",
            "next_query": page_query(request, number + 1) if start + PAGE_SIZE < len(found) else "",
            "nav": "queue",
            "back_url": reverse("staff:case", args=[case.id]),
        },
    )

"""The queue, and a supervisor closing a flood's cases from it."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import requires
from haven.accounts.services import has_permission
from haven.cases import services
from haven.cases.keyset import keyset_page
from haven.cases.lifecycle import Status
from haven.cases.models import Approval
from haven.cases.queries import QueueFilter
from haven.cases.queries import queue as cases_queue
from haven.cases.services import NotClosed, time_left
from haven.referrals import services as referral_services
from haven.referrals.models import Referral
from haven.staff.forms import BulkCloseForm, QueueFilterForm
from haven.staff.views.listing import choice_labels, keyset_cursors, keyset_queries
from haven.triage.rules import CONCERN_LABELS, Audience


@require_GET
@requires("cases.view")
def queue(request: HttpRequest) -> HttpResponse:
    """Cases in priority order; the list shows no sealed content."""
    return _queue_page(request)


def _queue_page(request: HttpRequest, *, close_form: BulkCloseForm | None = None) -> HttpResponse:
    """The queue; filtered to the cases marked many from one network, a supervisor may tick
    cases to close in bulk (``close_form`` is a bulk close sent back with its errors)."""
    filters = QueueFilter.from_query(request.GET.dict())
    if close_form is not None:
        filters = replace(filters, many_from_network=True)
    after, before = keyset_cursors(request)
    user = cast(User, request.user)
    # Whether a change on the row awaits a supervisor: an EXISTS in the page's own query.
    pending = Approval.objects.filter(case=OuterRef("pk"), decided_at__isnull=True)
    now = timezone.now()
    # And whether a referral on it has gone unacknowledged past its target (referrals_ack_waiting).
    unacknowledged = Referral.objects.filter(referral_services.overdue(now), case=OuterRef("pk"))
    cases = cases_queue(user=user, filters=filters).annotate(
        awaiting=Exists(pending), referral_overdue=Exists(unacknowledged)
    )
    page = keyset_page(cases, after=after, before=before)
    rows = page.cases
    prev_query, next_query = keyset_queries(request, page)
    may_approve = has_permission(user, "cases.approve")
    bulk_close = filters.many_from_network and has_permission(user, "cases.bulk_close")
    if close_form is not None and close_form.is_bound:
        ticked = set(request.POST.getlist("close-cases"))
    elif request.GET.get("tick") == "all":
        ticked = {str(case.id) for case in rows}
    else:
        ticked = set()
    query = request.GET.copy()
    query.pop("tick", None)
    return render(
        request,
        "staff/queue.html",
        {
            "cases": [(case, time_left(case, now)) for case in rows],
            "filters": filters,
            "filter_form": QueueFilterForm(filters=filters),
            "prev_query": prev_query,
            "next_query": next_query,
            "status_labels": choice_labels(Status),
            "audience_labels": choice_labels(Audience),
            "concern_labels": choice_labels(list(CONCERN_LABELS.items())),
            "bulk_close": bulk_close,
            "close_form": close_form or BulkCloseForm(prefix="close"),
            "ticked": ticked,
            # How many wait, for those who may decide them (one COUNT off the pending index).
            "pending_count": services.pending_approval_count() if may_approve else 0,
            "this_query": query.urlencode(),
            "has_errors": bool(close_form is not None and close_form.errors),
            "nav": "queue",
        },
    )


@require_POST
@requires("cases.bulk_close")
def close_cases(request: HttpRequest) -> HttpResponse:
    """Close the ticked cases of a flood with one reason, then say what was closed and what not."""
    form = BulkCloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _queue_page(request, close_form=form)
    user = cast(User, request.user)
    closing = services.close_in_bulk(
        case_ids=form.cleaned_data["cases"], by=user, reason=form.cleaned_data["reason"]
    )
    statuses = choice_labels(Status)
    not_closed = [
        {
            # A restricted case's reference is for the people named on it only.
            "case": None if why == NotClosed.RESTRICTED else case,
            "why": str(why.label) % {"status": statuses[case.status]},
        }
        for case, why in closing.refused
    ]
    back = request.GET.copy()
    for key in ("after", "before"):
        back.pop(key, None)
    return render(
        request,
        "staff/closed_in_bulk.html",
        {
            "closed": closing.closed,
            "not_closed": not_closed,
            "missing": closing.missing,
            "back_query": back.urlencode(),
            "nav": "queue",
        },
    )

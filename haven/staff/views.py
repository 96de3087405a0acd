"""The first staff view: the list of received reports and one report, opened."""

from __future__ import annotations

import uuid

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from haven.audit.services import record_event
from haven.reporting import summary
from haven.reporting.models import Report
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken, open_sealed
from haven.staff.access import staff_required

LIST_COLUMNS = ("id", "reference", "received_at", "audience", "concerns", "danger_now", "channel")


class SignInView(auth_views.LoginView):
    template_name = "staff/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    # Without a next page Django renders registration/logged_out.html, which Haven has not got.
    next_page = "staff:login"


@require_GET
@staff_required
def reports(request: HttpRequest) -> HttpResponse:
    queryset = Report.objects.only(*LIST_COLUMNS).order_by("-received_at", "-reference")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "staff/reports.html", {"page": page})


@require_GET
@staff_required
def report(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    """Open one report's sealed answers. Every opening, and every failure to open, is audited."""
    item = get_object_or_404(Report, pk=report_id)
    try:
        contents = open_sealed(
            record_id=str(item.id), key_id=item.sealed_key_id, ciphertext=bytes(item.sealed)
        )
    except (KeyUnavailable, SealBroken) as exc:
        reason = "key_unavailable" if isinstance(exc, KeyUnavailable) else "seal_broken"
        with transaction.atomic():
            record_event(
                action="report.open_failed",
                actor=request.user,
                report_id=item.id,
                detail={"reason": reason},
            )
        return render(
            request, "staff/cannot_open.html", {"report": item, "reason": reason}, status=503
        )
    # The event commits before the contents are sent: no opening goes unrecorded.
    with transaction.atomic():
        record_event(action="report.opened", actor=request.user, report_id=item.id)
    audience = contents.get("audience", item.audience)
    return render(
        request,
        "staff/report.html",
        {"report": item, "sections": summary.sections(audience, contents.get("answers", {}))},
    )

"""Downloads as PDF: a sent referral (for an agency reached by secure email) and a case summary
for printing. The rules, the audit and the PDF itself are ``haven.referrals.export``'s."""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.cases import services
from haven.cases.models import Case
from haven.cases.services import CaseRuleBroken
from haven.referrals import export
from haven.referrals.models import Referral
from haven.referrals.services import ReferralRuleBroken
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken
from haven.staff.views.case import openable_case


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A downloaded referral must not be kept by a browser's or a proxy's cache.
    response["Cache-Control"] = "no-store"
    return response


def _cannot(
    request: HttpRequest, case: Case, *, reason: str, referral: Referral | None = None
) -> HttpResponse:
    """The page that says this server cannot make the PDF, and what to do instead (copy the
    referral from its page; read or print the case page)."""
    return render(
        request,
        "staff/export_unavailable.html",
        {"case": case, "referral": referral, "reason": reason},
        status=503,
    )


@require_GET
@requires("referrals.make")
def referral_export(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """A sent referral as a PDF, to attach to a secure email to the agency."""
    referral = get_object_or_404(Referral.objects.select_related("case", "agency"), pk=referral_id)
    case, user = referral.case, cast(User, request.user)
    if not services.can_open(case, user):
        services.refuse_access(case=case, by=user)
        return render(request, "staff/restricted.html", status=403)
    try:
        pdf = export.referral_pdf(referral=referral, by=user)
    except export.PdfUnavailable:
        return _cannot(request, case, reason="no_pdf", referral=referral)
    except (KeyUnavailable, SealBroken):
        return _cannot(request, case, reason="sealed", referral=referral)
    except ReferralRuleBroken as exc:
        return render(
            request,
            "staff/export_refused.html",
            {"case": case, "referral": referral, "message": str(exc)},
            status=409,
        )
    return _pdf_response(pdf, f"{referral.reference}.pdf")


@require_GET
@requires("cases.export")
@openable_case
def case_summary(request: HttpRequest, case: Case) -> HttpResponse:
    """The case for printing, for supervisors."""
    try:
        pdf = export.case_summary_pdf(case=case, by=cast(User, request.user))
    except export.PdfUnavailable:
        return _cannot(request, case, reason="no_pdf")
    except (KeyUnavailable, SealBroken):
        return _cannot(request, case, reason="sealed")
    except CaseRuleBroken as exc:
        return render(
            request,
            "staff/export_refused.html",
            {"case": case, "message": str(exc)},
            status=403,
        )
    return _pdf_response(pdf, f"{case.reference}-summary.pdf")

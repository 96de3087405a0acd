"""Finding a case by its reference, from the search box on every staff page."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases import services
from haven.cases.models import Case
from haven.cases.queries import find_reference

# Longer than any reference typed with spaces; what is shown back is cut to it.
SHOWN_BACK = 40


@require_GET
@requires("cases.view")
def search(request: HttpRequest) -> HttpResponse:
    """Open the case a reference names, however it was typed (``cases.queries.find_reference``).

    A restricted case the person is not named on answers exactly as a reference no case has,
    and the attempt is recorded as refused. Each search is audited by its outcome and the case
    found, never by the words typed: a mistyped reference may be someone's name.
    """
    if "reference" not in request.GET:
        return _page(request, typed="", error="")
    typed = request.GET.get("reference", "")
    user = cast(User, request.user)
    reference = find_reference(typed)
    case = None
    if reference is not None:
        case = (
            Case.objects.only("id", "report_id", "restricted").filter(reference=reference).first()
        )
    with transaction.atomic():
        if case is not None and services.can_open(case, user):
            _record(user, "found", case)
            return redirect("staff:case", case.id)
        if case is not None:
            services.refuse_access(case=case, by=user)
            _record(user, "refused", case)
        else:
            _record(user, "not_found" if reference else "not_a_reference", None)
    if reference is None:
        if typed.strip():
            error = _("Enter a case reference like %(example)s") % {"example": _example()}
        else:
            error = _("Enter a case reference")
    else:
        error = _("No case has that reference. Check it and try again.")
    return _page(request, typed=typed, error=error)


def _record(user: User, outcome: str, case: Case | None) -> None:
    record_event(
        action=Action.CASE_SEARCHED,
        actor=user,
        report_id=case.report_id if case is not None else None,
        detail={"outcome": outcome, **({"case": str(case.id)} if case is not None else {})},
    )


def _example() -> str:
    return f"{settings.HAVEN_REFERENCE_PREFIX}-3QMQ-3RHH"


def _page(request: HttpRequest, *, typed: str, error: str) -> HttpResponse:
    shown = "".join(ch for ch in typed if ch.isprintable())[:SHOWN_BACK]
    context = {"typed": shown, "error": error, "example": _example(), "nav": "search"}
    return render(request, "staff/search.html", {**context, "has_errors": bool(error)})

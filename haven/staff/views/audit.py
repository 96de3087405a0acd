"""The audit page: what happened, when, by whom, on which case, in any date range.

Audit sits below cases, so the trail knows reports by id only; the case reference beside each
event is joined here, in one query for the page, and a restricted case's reference is shown
only to the people named on it (``haven.cases.queries.may_open``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.accounts.services import has_permission
from haven.audit.actions import Action
from haven.audit.models import AuditEvent
from haven.audit.queries import page_of_events
from haven.audit.services import record_event
from haven.cases.models import Case
from haven.cases.queries import may_open
from haven.core.parsing import parse_uuid, positive_int
from haven.referrals import sections
from haven.referrals.models import LawfulBasis
from haven.staff.audit_forms import AuditFilterForm
from haven.staff.views.listing import choice_labels

PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseShown:
    """The case an event is about, as this viewer may see it."""

    id: uuid.UUID
    reference: str
    may_open: bool


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    label: str
    case: CaseShown | None
    change: str  # "from → to" for a change of status or priority, the page for a refusal


def _cursor(request: HttpRequest, name: str) -> int | None:
    """``before`` or ``after``: an event's seq. Anything else is a page that does not exist."""
    value = request.GET.get(name, "")
    if not value:
        return None
    seq = positive_int(value)
    if seq is None:
        raise Http404("no such page")
    return seq


def _case_of(event: AuditEvent) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The report id and the case id an event names, either may be None."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    return event.report_id, parse_uuid(detail.get("case"))


def cases_shown(events: list[AuditEvent], *, viewer: User) -> dict[uuid.UUID, CaseShown]:
    """The cases of ``events``, by report id and by case id, in one query whatever the page.

    Each is marked with whether ``viewer`` may know it: a restricted case only for those named.
    """
    report_ids, case_ids = set(), set()
    for event in events:
        report_id, case_id = _case_of(event)
        if report_id is not None:
            report_ids.add(report_id)
        elif case_id is not None:
            case_ids.add(case_id)
    if not report_ids and not case_ids:
        return {}
    rows = (
        Case.objects.filter(Q(report_id__in=report_ids) | Q(id__in=case_ids))
        .annotate(may_open=may_open(viewer))
        .values_list("id", "report_id", "reference", "may_open")
    )
    shown: dict[uuid.UUID, CaseShown] = {}
    for case_id, report_id, reference, openable in rows:
        case = CaseShown(id=case_id, reference=reference, may_open=bool(openable))
        shown[case_id] = shown[report_id] = case
    return shown


def _change(event: AuditEvent) -> str:
    detail = event.detail if isinstance(event.detail, dict) else {}
    before, after = detail.get("from"), detail.get("to")
    if isinstance(before, str) and isinstance(after, str):
        return f"{before} → {after}"
    shared, basis = detail.get("shared"), detail.get("basis")
    if isinstance(shared, list) and isinstance(basis, str):
        # A referral sent: which sections, and on what lawful basis (never their words).
        titles = [str(sections.BY_SLUG[s].title) for s in shared if s in sections.BY_SLUG]
        named = LawfulBasis(basis).label if basis in LawfulBasis.values else basis
        return f"{', '.join(titles)} · {named}"
    view = detail.get("view")
    return view if isinstance(view, str) else ""


def event_rows(events: list[AuditEvent], *, viewer: User) -> list[EventRow]:
    labels = choice_labels(Action)
    shown = cases_shown(events, viewer=viewer)
    rows = []
    for event in events:
        report_id, case_id = _case_of(event)
        case = shown.get(report_id) if report_id else shown.get(case_id) if case_id else None
        # Of a restricted case the viewer is not named on, only that something happened.
        change = _change(event) if case is None or case.may_open else ""
        rows.append(EventRow(event, labels.get(event.action, event.action), case, change))
    return rows


def _page_query(request: HttpRequest, name: str, seq: int) -> str:
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("after", None)
    query[name] = str(seq)
    return query.urlencode()


@require_GET
@requires("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    """Every kind of event in any date range, for one person or one case, newest first.

    Reading it is audited with the filters used (dates, kinds, the person's and the case's
    ids), never the text typed.
    """
    before, after = _cursor(request, "before"), _cursor(request, "after")
    user: User = request.user  # type: ignore[assignment]
    form = AuditFilterForm(request.GET, viewer=user)
    search = form.search()
    detail = form.audited()
    if before or after:
        detail["page"] = "older" if before else "newer"
    record_event(action=Action.AUDIT_SEARCHED, actor=user, detail=detail)  # its own transaction
    page = page_of_events(search, before=before, after=after, size=PAGE_SIZE) if search else None
    return render(
        request,
        "staff/audit.html",
        {
            "form": form,
            "has_errors": bool(form.errors),
            "search": search,
            "since": date_format(form.cleaned_data["since"], "j F Y") if search else "",
            "until": date_format(form.cleaned_data["until"], "j F Y") if search else "",
            "rows": event_rows(page.events, viewer=user) if page else [],
            "older_query": _page_query(request, "before", page.older)
            if page and page.older
            else "",
            "newer_query": _page_query(request, "after", page.newer) if page and page.newer else "",
            "case": form.case,
            "person": form.person,
            "links_to_cases": has_permission(user, "cases.view"),
            "nav": "audit",
        },
    )

"""The first staff view: the list of received reports and one report, opened."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.services import has_permission
from haven.audit.queries import opened_by, who_opened
from haven.audit.services import record_event
from haven.cases import services
from haven.cases.lifecycle import Status, moves_from
from haven.cases.models import Case, CaseAccess, CaseLink, NoteKind, SafetyAction
from haven.cases.queries import QueueFilter, page_of, workload
from haven.cases.queries import queue as cases_queue
from haven.cases.services import NotClosed, open_text, time_left
from haven.core.parsing import positive_int
from haven.linking.services import LinkedReports, linked_reports
from haven.reporting import summary
from haven.reporting.models import Answer, Audience, Report
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken, open_sealed
from haven.staff.access import refuse, requires, staff_required
from haven.staff.forms import (
    AuditSearchForm,
    BulkCloseForm,
    ContactAttemptForm,
    LinkForm,
    NoteForm,
    PriorityForm,
    QueueFilterForm,
    RestrictForm,
    SafetyActionForm,
    StatusForm,
)
from haven.triage.rules import CONCERN_LABELS

LIST_COLUMNS = ("id", "reference", "received_at", "audience", "concerns", "danger_now", "channel")


# The list says "more than" above this many reports: an exact count reads every row of the
# table, which at a million reports took longer than the rest of the page together.
REPORT_COUNT_CAP = 10_000
LIST_PAGE_SIZE = 50


@require_GET
@staff_required
def reports(request: HttpRequest) -> HttpResponse:
    queryset = Report.objects.only(*LIST_COLUMNS).order_by("-received_at", "-reference")
    number = _page_number(request)
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
            "prev_query": _page_query(request, number - 1) if number > 1 else "",
            "next_query": _page_query(request, number + 1) if len(rows) > LIST_PAGE_SIZE else "",
            "audience_labels": choice_labels(Audience.choices),
            "answer_labels": choice_labels(Answer.choices),
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
                action="report.open_failed",
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
        record_event(action="report.opened", actor=request.user, report_id=item.id)
    audience = contents.get("audience", item.audience)
    return render(
        request,
        "staff/report.html",
        {"report": item, "sections": summary.sections(audience, contents.get("answers", {}))},
    )


# --- The queue and the case ------------------------------------------------------------------


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
    number = _page_number(request)
    user = cast(User, request.user)
    rows, has_next = page_of(cases_queue(user=user, filters=filters), page=number)
    now = timezone.now()
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
            "prev_query": _page_query(request, number - 1) if number > 1 else "",
            "next_query": _page_query(request, number + 1) if has_next else "",
            "status_labels": choice_labels(Status.choices),
            "audience_labels": choice_labels(Audience.choices),
            "concern_labels": choice_labels(list(CONCERN_LABELS.items())),
            "bulk_close": bulk_close,
            "close_form": close_form or BulkCloseForm(prefix="close"),
            "ticked": ticked,
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
    statuses = choice_labels(Status.choices)
    not_closed = [
        {
            # A restricted case's reference is for the people named on it only.
            "case": None if why == NotClosed.RESTRICTED else case,
            "why": str(why.label) % {"status": statuses[case.status]},
        }
        for case, why in closing.refused
    ]
    back = request.GET.copy()
    back.pop("page", None)
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


def _openable_restricted(
    mentions: list[LinkedReports], linked: list[Case], user: User
) -> set[uuid.UUID]:
    """The restricted cases, among those this one mentions or links to, that this person is named on."""
    # Only the cases shown: a supervisor named on thousands of restricted cases would
    # otherwise read them all on every case page.
    restricted = {other.case_id for group in mentions for other in group.cases if other.restricted}
    restricted |= {other.id for other in linked if other.restricted}
    return set(
        CaseAccess.objects.filter(user=user, case_id__in=restricted).values_list(
            "case_id", flat=True
        )
    )


def choice_labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """Choice labels, translated once per page.

    A model's ``get_FOO_display()`` translates every label of the field at each call (Django
    hashes the lazy labels to build its lookup); on a 50-row page that was half the render time.
    """
    return {value: str(label) for value, label in choices}


# 500,000 rows deep: further than anyone reads, and a page number that cannot overflow.
MAX_PAGE = 10_000


def _page_number(request: HttpRequest) -> int:
    """The page asked for; any ``page`` that is not a number from 1 to MAX_PAGE does not exist."""
    value = request.GET.get("page", "")
    if not value:
        return 1
    number = positive_int(value, maximum=MAX_PAGE)
    if number is None:
        raise Http404("no such page")
    return number


def _page_query(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return query.urlencode()


def _case_or_404(case_id: uuid.UUID) -> Case:
    return get_object_or_404(
        Case.objects.select_related("assigned_to", "first_read_by"), pk=case_id
    )


SafetyPlan = list[tuple[SafetyAction, str, str]]


def _safety_plan(case: Case) -> SafetyPlan:
    """The case's safety plan actions, oldest first, each with its action and owner opened."""
    actions = case.safety_actions.select_related("created_by").order_by("created_at", "pk")
    return [
        (a, open_text(case, a.key_id, a.sealed), open_text(case, a.owner_key_id, a.owner_sealed))
        for a in actions
    ]


def _chronology(case: Case, plan: SafetyPlan) -> list[dict[str, Any]]:
    """Everything that happened on the case, oldest first, with sealed texts opened.

    ``plan`` is the safety plan as ``_safety_plan`` read it: each text is opened once a page.
    """
    entries: list[dict[str, Any]] = [
        {"at": case.received_at, "what": _("Report received"), "who": "", "text": ""},
    ]
    for t in case.transitions.select_related("by").all():
        entries.append(
            {
                "at": t.at,
                "what": _("Status: %(from)s → %(to)s")
                % {"from": Status(t.from_status).label, "to": Status(t.to_status).label},
                "who": t.by.get_username(),
                "text": open_text(case, t.reason_key_id, t.reason_sealed),
            }
        )
    for p in case.priority_changes.select_related("by").all():
        entries.append(
            {
                "at": p.at,
                "what": _("Priority: %(from)s → %(to)s")
                % {"from": p.from_priority, "to": p.to_priority},
                "who": p.by.get_username(),
                "text": open_text(case, p.reason_key_id, p.reason_sealed),
            }
        )
    for n in case.notes.select_related("by").all():
        entries.append(
            {
                "at": n.at,
                "what": NoteKind(n.kind).label,
                "who": n.by.get_username(),
                "text": open_text(case, n.key_id, n.sealed),
                "kind": n.kind,
            }
        )
    for c in case.contact_attempts.select_related("by").all():
        entries.append(
            {
                "at": c.at,
                "what": _("Contact attempt: %(method)s, %(outcome)s")
                % {"method": c.get_method_display(), "outcome": c.get_outcome_display()},
                "who": c.by.get_username(),
                "text": open_text(case, c.key_id, c.sealed_note),
            }
        )
    for a, text, _owner in plan:
        entries.append(
            {
                "at": a.created_at,
                "what": _("Safety plan action added"),
                "who": a.created_by.get_username(),
                "text": text,
            }
        )
        if a.done_at:
            entries.append(
                {"at": a.done_at, "what": _("Safety plan action done"), "who": "", "text": text}
            )
    if case.first_read_at:
        entries.append(
            {
                "at": case.first_read_at,
                "what": _("First read"),
                "who": case.first_read_by.get_username() if case.first_read_by else "",
                "text": "",
            }
        )
    return sorted(entries, key=lambda e: e["at"])


FORMS: dict[str, type[forms.Form]] = {
    "status": StatusForm,
    "priority": PriorityForm,
    "note": NoteForm,
    "contact": ContactAttemptForm,
    "safety": SafetyActionForm,
    "link": LinkForm,
}


def _bound_forms(
    case: Case, staff: list[User] | None, data: Any = None, which: str = ""
) -> dict[str, forms.Form]:
    """The case page's forms, ``which`` bound to ``data``; the restriction form only with staff."""
    built: dict[str, forms.Form] = {}
    for name, form_class in FORMS.items():
        bound = data if name == which else None
        if form_class is StatusForm:
            built[name] = StatusForm(bound, moves=moves_from(case.status), prefix=name)
        else:
            built[name] = form_class(bound, prefix=name)
    if staff is not None:
        bound = data if which == "restrict" else None
        named = case.access.values_list("user_id", flat=True) if case.restricted else []
        built["restrict"] = RestrictForm(
            bound, staff=staff, prefix="restrict", initial={"people": [str(pk) for pk in named]}
        )
    return built


@require_http_methods(["GET", "POST"])
@requires("cases.view")
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The case: triage and its reasons, time targets, actions, and the chronology.

    Showing it opens sealed texts (notes, reasons), so every view is audited.
    """
    case = _case_or_404(case_id)
    user = cast(User, request.user)
    if not services.can_open(case, user):
        services.refuse_access(case=case, by=user)
        return render(request, "staff/restricted.html", status=403)
    if request.method == "POST" and not has_permission(user, "cases.work"):
        return refuse(request, reason="permission")
    may_restrict = has_permission(user, "cases.restrict")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in ("restrict", "lift") and not may_restrict:
        return refuse(request, reason="permission")
    staff = (
        list(User.objects.filter(is_active=True, is_staff=True).order_by("username"))
        if may_restrict
        else None
    )
    forms_ = _bound_forms(case, staff, request.POST if request.method == "POST" else None, action)
    error = ""
    if request.method == "POST":
        try:
            if action == "done":
                done = positive_int(request.POST.get("done", ""))
                item = case.safety_actions.filter(pk=done).first() if done else None
                if item is None:
                    raise services.CaseRuleBroken(
                        _("That action is not in this case's safety plan.")
                    )
                services.complete_safety_action(item=item, by=user)
                return redirect("staff:case", case.id)
            if action == "lift":
                services.lift_restriction(case=case, by=user)
                return redirect("staff:case", case.id)
            if action == "claim":
                services.claim_case(case=case, by=user)
                return redirect("staff:case", case.id)
            form = forms_.get(action)
            if form is None:
                return redirect("staff:case", case.id)
            if form.is_valid():
                data = form.cleaned_data
                if action == "status":
                    services.change_status(
                        case=case, to=data["to"], by=user, reason=data.get("reason", "")
                    )
                elif action == "priority":
                    services.change_priority(
                        case=case, to=data["priority"], by=user, reason=data["reason"]
                    )
                elif action == "note":
                    services.add_note(case=case, by=user, kind=data["kind"], text=data["text"])
                elif action == "contact":
                    services.log_contact_attempt(
                        case=case,
                        by=user,
                        method=data["method"],
                        outcome=data["outcome"],
                        note=data.get("note", ""),
                    )
                elif action == "safety":
                    services.add_safety_action(
                        case=case,
                        by=user,
                        action=data["action"],
                        owner=data["owner"],
                        due_on=data.get("due_on"),
                    )
                elif action == "link":
                    other = Case.objects.filter(reference=data["reference"]).first()
                    if other is None:
                        raise services.CaseRuleBroken(_("No case has that reference."))
                    services.link_cases(case=case, other=other, by=user, reason="manual")
                elif action == "restrict":
                    services.restrict_case(
                        case=case,
                        by=user,
                        allowed=cast(RestrictForm, form).chosen(),
                        reason=data["reason"],
                    )
                return redirect("staff:case", case.id)
        except services.CaseRuleBroken as exc:
            error = str(exc)
    with transaction.atomic():
        record_event(
            action="case.viewed",
            actor=user,
            report_id=case.report_id,
            detail={"case": str(case.id)},
        )
    links = CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case)).select_related(
        "from_case", "to_case"
    )
    linked = [link.to_case if link.from_case_id == case.id else link.from_case for link in links]
    mentions = linked_reports(case=case)
    plan = _safety_plan(case)
    return render(
        request,
        "staff/case.html",
        {
            "case": case,
            "left": time_left(case),
            "forms": forms_,
            "error": error,
            "has_errors": bool(error) or any(f.errors for f in forms_.values()),
            "chronology": _chronology(case, plan),
            "actions_list": plan,
            "linked": linked,
            "mentions": mentions,
            "openable": _openable_restricted(mentions, linked, user),
            "may_restrict": may_restrict,
            "nav": "queue",
            "back_url": reverse("staff:queue"),
        },
    )


# --- Supervisors: the team, reassignment, and the audit trail --------------------------------


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
    case = _case_or_404(case_id)
    chosen = request.POST.get("advisor", "")
    pk = positive_int(chosen)
    to = User.objects.filter(pk=pk, is_active=True, is_staff=True).first() if pk else None
    if chosen and to is None:
        return _team_page(request, error=_("Choose an advisor from the list"))
    services.assign_case(case=case, to=to, by=cast(User, request.user))
    return redirect("staff:team")


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
            action="audit.searched",
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

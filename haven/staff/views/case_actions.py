"""One view per verb on a case. Each takes a POST at its own URL, states the permission it
needs, and calls one verb of ``haven.cases.services``; then back to the case page
(POST-redirect-GET), or the case page again with the form's errors or the rule broken."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.access import requires
from haven.cases import services
from haven.cases.lifecycle import moves_from
from haven.cases.models import Case
from haven.core.parsing import MAX_ID
from haven.staff.forms import (
    ContactAttemptForm,
    LinkForm,
    NoteForm,
    PriorityForm,
    SafetyActionForm,
    StatusForm,
)
from haven.staff.views.case import case_page, mark_saved, openable_case, restriction_form


def _change(
    request: HttpRequest,
    case: Case,
    change: Callable[[], object],
    *,
    form: forms.Form | None = None,
) -> HttpResponse:
    """Make the change, then show the case; a rule it breaks is shown above ``form``."""
    try:
        change()
    except services.CaseRuleBroken as exc:
        return case_page(request, case, form=form, error=str(exc))
    mark_saved(request, case)
    return redirect("staff:case", case.id)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@require_POST
@requires("cases.work")
@openable_case
def claim(request: HttpRequest, case: Case) -> HttpResponse:
    return _change(request, case, lambda: services.claim_case(case=case, by=_user(request)))


@require_POST
@requires("cases.work")
@openable_case
def change_status(request: HttpRequest, case: Case) -> HttpResponse:
    form = StatusForm(request.POST, moves=moves_from(case.status), prefix="status")
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.change_status(
            case=case, to=data["to"], by=_user(request), reason=data.get("reason", "")
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def change_priority(request: HttpRequest, case: Case) -> HttpResponse:
    form = PriorityForm(request.POST, prefix="priority")
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.change_priority(
            case=case, to=data["priority"], by=_user(request), reason=data["reason"]
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def add_note(request: HttpRequest, case: Case) -> HttpResponse:
    form = NoteForm(request.POST, prefix="note")
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.add_note(
            case=case, by=_user(request), kind=data["kind"], text=data["text"]
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def log_contact_attempt(request: HttpRequest, case: Case) -> HttpResponse:
    form = ContactAttemptForm(request.POST, prefix="contact")
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.log_contact_attempt(
            case=case,
            by=_user(request),
            method=data["method"],
            outcome=data["outcome"],
            note=data.get("note", ""),
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def add_safety_action(request: HttpRequest, case: Case) -> HttpResponse:
    form = SafetyActionForm(request.POST, prefix="safety")
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.add_safety_action(
            case=case,
            by=_user(request),
            action=data["action"],
            owner=data["owner"],
            due_on=data.get("due_on"),
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def complete_safety_action(request: HttpRequest, case: Case, action_id: int) -> HttpResponse:
    # The path's digits may name no row a table can hold: such an id is no action of this case.
    item = case.safety_actions.filter(pk=action_id).first() if action_id <= MAX_ID else None
    if item is None:
        return case_page(request, case, error=_("That action is not in this case's safety plan."))
    return _change(
        request, case, lambda: services.complete_safety_action(item=item, by=_user(request))
    )


@require_POST
@requires("cases.work")
@openable_case
def link(request: HttpRequest, case: Case) -> HttpResponse:
    form = LinkForm(request.POST, prefix="link")
    if not form.is_valid():
        return case_page(request, case, form=form)
    other = Case.objects.filter(reference=form.cleaned_data["reference"]).first()
    if other is None:
        return case_page(request, case, form=form, error=_("No case has that reference."))
    return _change(
        request,
        case,
        lambda: services.link_cases(case=case, other=other, by=_user(request), reason="manual"),
        form=form,
    )


@require_POST
@requires("cases.restrict")
@openable_case
def restrict(request: HttpRequest, case: Case) -> HttpResponse:
    form = restriction_form(case, request.POST)
    if not form.is_valid():
        return case_page(request, case, form=form)
    return _change(
        request,
        case,
        lambda: services.restrict_case(
            case=case, by=_user(request), allowed=form.chosen(), reason=form.cleaned_data["reason"]
        ),
        form=form,
    )


@require_POST
@requires("cases.restrict")
@openable_case
def lift_restriction(request: HttpRequest, case: Case) -> HttpResponse:
    return _change(request, case, lambda: services.lift_restriction(case=case, by=_user(request)))

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
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.access import requires
from haven.cases import services
from haven.cases.lifecycle import moves_from
from haven.cases.models import Case
from haven.core.parsing import MAX_ID, positive_int
from haven.staff.forms import (
    ASSIGN_MESSAGE,
    ApproveForm,
    ContactAttemptForm,
    LinkForm,
    NoteForm,
    OverrideForm,
    PriorityForm,
    ReturnForm,
    SafetyActionForm,
    StatusForm,
)
from haven.staff.views.case import (
    acting_for,
    assign_form,
    case_page,
    mark_saved,
    openable_case,
    restriction_form,
)


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
    form = StatusForm(
        request.POST,
        moves=moves_from(case.status),
        prefix="status",
        acting_for=acting_for(case, _user(request)),
    )
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.change_status(
            case=case,
            to=data["to"],
            by=_user(request),
            reason=data.get("reason", ""),
            override_reason=form.override_reason,
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def change_priority(request: HttpRequest, case: Case) -> HttpResponse:
    form = PriorityForm(
        request.POST, prefix="priority", acting_for=acting_for(case, _user(request))
    )
    if not form.is_valid():
        return case_page(request, case, form=form)
    data = form.cleaned_data
    return _change(
        request,
        case,
        lambda: services.change_priority(
            case=case,
            to=data["priority"],
            by=_user(request),
            reason=data["reason"],
            override_reason=form.override_reason,
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
    form = ContactAttemptForm(
        request.POST, prefix="contact", acting_for=acting_for(case, _user(request))
    )
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
            override_reason=form.override_reason,
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def add_safety_action(request: HttpRequest, case: Case) -> HttpResponse:
    form = SafetyActionForm(
        request.POST, prefix="safety", acting_for=acting_for(case, _user(request))
    )
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
            override_reason=form.override_reason,
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
    form = OverrideForm(request.POST, prefix="done", acting_for=acting_for(case, _user(request)))
    # The page shows this form's error at this action's row.
    form.item_id = item.pk  # type: ignore[attr-defined]
    if not form.is_valid():
        return case_page(request, case, form=form)
    return _change(
        request,
        case,
        lambda: services.complete_safety_action(
            item=item, by=_user(request), override_reason=form.override_reason
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def link(request: HttpRequest, case: Case) -> HttpResponse:
    user = _user(request)
    form = LinkForm(request.POST, prefix="link", acting_for=acting_for(case, user))
    if not form.is_valid():
        return case_page(request, case, form=form)
    other = Case.objects.filter(reference=form.cleaned_data["reference"]).first()
    if other is not None and not services.can_open(other, user):
        # A restricted case this person is not named on gets the answer of a reference that
        # does not exist, word for word: the form must not tell which references exist.
        services.refuse_access(case=other, by=user)
        other = None
    if other is None:
        return case_page(request, case, form=form, error=_("No case has that reference."))
    return _change(
        request,
        case,
        lambda: services.link_cases(
            case=case,
            other=other,
            by=user,
            reason="manual",
            override_reason=form.override_reason,
        ),
        form=form,
    )


def _safe_next(request: HttpRequest) -> str | None:
    """``next`` from the form, if it is a path on this site's staff side (else None)."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/staff/")
        and "\\" not in target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return None


@require_POST
@requires("cases.assign")
@openable_case
def assign(request: HttpRequest, case: Case) -> HttpResponse:
    """Give the case to someone ``assignable_staff`` offers, or to nobody (the empty choice).

    Anyone else (an outsider of a restricted case, an administrator, an inactive account, an id
    that is no one's or no number) is the form's error, and audited as refused.
    """
    user = _user(request)
    form = assign_form(case, request.POST)
    if not form.is_valid():
        services.refuse_assignment(
            case=case, by=user, to=positive_int(request.POST.get("advisor", ""))
        )
        return case_page(request, case, form=form)
    try:
        services.assign_case(case=case, to=form.chosen(), by=user)
    except services.CaseRuleBroken:
        form.add_error("advisor", ASSIGN_MESSAGE)
        return case_page(request, case, form=form)
    mark_saved(request, case)
    return redirect(_safe_next(request) or reverse("staff:case", args=[case.id]))


@require_POST
@requires("cases.approve")
@openable_case
def approve(request: HttpRequest, case: Case) -> HttpResponse:
    form = ApproveForm(request.POST, prefix="approve")
    if not form.is_valid():
        return case_page(request, case, form=form)
    return _change(
        request,
        case,
        lambda: services.approve_change(
            case=case, by=_user(request), reason=form.cleaned_data.get("reason", "")
        ),
        form=form,
    )


@require_POST
@requires("cases.approve")
@openable_case
def return_change(request: HttpRequest, case: Case) -> HttpResponse:
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return case_page(request, case, form=form)
    return _change(
        request,
        case,
        lambda: services.return_change(
            case=case, by=_user(request), reason=form.cleaned_data["reason"]
        ),
        form=form,
    )


@require_POST
@requires("cases.work")
@openable_case
def withdraw(request: HttpRequest, case: Case) -> HttpResponse:
    """The requester takes back a change waiting for approval (the service refuses anyone else)."""
    return _change(request, case, lambda: services.withdraw_request(case=case, by=_user(request)))


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

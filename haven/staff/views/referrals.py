"""Referrals from the advisor's side: choosing the agency, writing and sending the referral,
and what follows (approval, review, answering the agency, closing, revoking).

Each view states its permission; a referral is reached only through a case its user may open
(``_openable_referral``), so a restricted case hides its referrals too. Each verb posts to its
own URL and calls one verb of ``haven.referrals.services``, then back to the referral.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.access import requires
from haven.accounts.services import has_permission
from haven.audit.actions import Action
from haven.audit.models import AuditEvent
from haven.audit.services import record_event
from haven.cases import services as case_services
from haven.cases.models import Case
from haven.core.parsing import parse_uuid
from haven.referrals import directory, sections
from haven.referrals import services as referrals
from haven.referrals.lifecycle import State
from haven.referrals.models import PartnerAgency, Referral
from haven.sealing.services import open_sealed
from haven.staff.referral_forms import (
    AnswerForm,
    ChooseAgencyForm,
    FindAgencyForm,
    ReferralDraftForm,
    ReferralReasonForm,
)
from haven.staff.views.case import openable_case

# How many agencies the referral form's search lists at most.
AGENCIES_SHOWN = 50

ReferralView = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _openable_referral(view: ReferralView) -> ReferralView:
    """Pass the view the referral named by ``referral_id`` if its case may be opened by this
    person; a restricted case's referral is refused (403, audited) as the case is."""

    @wraps(view)
    def wrapper(request: HttpRequest, referral_id: uuid.UUID, **kwargs: Any) -> HttpResponse:
        referral = get_object_or_404(
            Referral.objects.select_related("case", "case__assigned_to", "agency", "created_by"),
            pk=referral_id,
        )
        user = _user(request)
        if not case_services.can_open(referral.case, user):
            case_services.refuse_access(case=referral.case, by=user)
            return render(request, "staff/restricted.html", status=403)
        return view(request, referral, **kwargs)

    return wrapper


# --- Choosing the agency -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("referrals.make")
@openable_case
def new_referral(request: HttpRequest, case: Case) -> HttpResponse:
    """GET: search the directory by the child's area (and kind). POST: refer to the agency
    chosen, which starts a draft pre-filled from the report."""
    why_not = referrals.why_not_referable(case)
    find = FindAgencyForm(request.GET or None)
    area = kind = ""
    if find.is_valid():
        area, kind = find.cleaned_data.get("area", ""), find.cleaned_data.get("kind", "")
    found = list(directory.find(area, kind=kind)[: AGENCIES_SHOWN + 1])
    choose_form = ChooseAgencyForm(
        request.POST if request.method == "POST" else None, agencies=found[:AGENCIES_SHOWN]
    )
    error = ""
    if request.method == "POST" and not why_not:
        # The agency is read by its id, whatever the search showed: any active agency may be
        # chosen, and an id that names none is the form's error.
        agency_id = parse_uuid(str(request.POST.get("agency", "")))
        agency = (
            PartnerAgency.objects.filter(pk=agency_id, active=True).first()
            if agency_id is not None
            else None
        )
        if agency is None:
            choose_form.add_error(None, _("Choose the agency to refer to"))
        else:
            try:
                referral = referrals.draft_referral(case=case, agency=agency, by=_user(request))
            except referrals.ReferralRuleBroken as exc:
                error = str(exc)
            else:
                return redirect("staff:referral", referral.id)
    return render(
        request,
        "staff/referrals/new.html",
        {
            "case": case,
            "why_not": why_not,
            "find": find,
            "choose": choose_form,
            "found": found[:AGENCIES_SHOWN],
            "more": len(found) > AGENCIES_SHOWN,
            "searched": bool(request.GET),
            "error": error,
            "has_errors": bool(error or find.errors or choose_form.errors),
            "nav": "queue",
            "back_url": reverse("staff:case", args=[case.id]),
        },
    )


# --- The referral --------------------------------------------------------------------------


def _may_edit(referral: Referral, user: User) -> bool:
    holder = referral.case.assigned_to_id
    return (
        referral.state == State.DRAFT
        and has_permission(user, "referrals.make")
        and (holder is None or holder == user.pk)
    )


def _history(referral: Referral) -> list[dict[str, Any]]:
    rows = []
    for event in referral.events.select_related("by").order_by("at", "id"):
        reason = ""
        if event.reason_sealed:
            opened = open_sealed(
                record_id=str(referral.id),
                key_id=event.reason_key_id,
                ciphertext=bytes(event.reason_sealed),
            )
            reason = str(opened.get("text", ""))
        rows.append(
            {
                "at": event.at,
                "by": event.by.get_username(),
                "from": State(event.from_state).label,
                "to": State(event.to_state).label,
                "reason": reason,
            }
        )
    return rows


def _thread(referral: Referral) -> list[dict[str, Any]]:
    return [
        {
            "at": m.at,
            "by": m.by.get_username(),
            "from_partner": m.from_partner,
            "text": str(
                open_sealed(
                    record_id=str(referral.id), key_id=m.key_id, ciphertext=bytes(m.sealed)
                ).get("text", "")
            ),
        }
        for m in referral.messages.select_related("by").order_by("at", "id")
    ]


def _openings(referral: Referral) -> list[dict[str, Any]]:
    """Every opening of the copy by the agency, from the audit trail: who and when."""
    events = (
        AuditEvent.objects.filter(report_id=referral.case.report_id, action=Action.REFERRAL_OPENED)
        .select_related("actor")
        .order_by("seq")
    )
    return [
        {"at": e.at, "by": e.actor.get_username() if e.actor else e.actor_label}
        for e in events
        if e.detail.get("referral") == str(referral.id)
    ]


def referral_page(
    request: HttpRequest,
    referral: Referral,
    *,
    form: ReferralDraftForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The referral as its advisor and supervisors see it: the draft form while it is a draft
    they may edit, else what was shared, its history, the thread and the agency's openings.
    Shown again with a form's errors or a rule broken as the case page is, with 200.

    It opens sealed words, so each showing is audited as a viewing of the case."""
    user = _user(request)
    draft = referrals.open_draft(referral)
    editable = _may_edit(referral, user)
    if editable and form is None:
        form = ReferralDraftForm(
            initial=ReferralDraftForm.initial_from(
                draft, lawful_basis=referral.lawful_basis, urgent=referral.urgent
            )
        )
    record_event(
        action=Action.CASE_VIEWED,
        actor=user,
        report_id=referral.case.report_id,
        detail={"case": str(referral.case_id), "page": "referral", "referral": str(referral.id)},
    )
    now = timezone.now()
    overdue = referral.state == State.SENT and (
        referral.acknowledge_due is not None and referral.acknowledge_due < now
    )
    is_writer = referral.created_by_id == user.pk
    may_approve = (
        referral.state == State.AWAITING_APPROVAL
        and has_permission(user, "referrals.approve")
        and not is_writer
    )
    return render(
        request,
        "staff/referrals/referral.html",
        {
            "referral": referral,
            "case": referral.case,
            "draft": draft,
            "form": form,
            "editable": editable,
            "approval_needed": referrals.approval_needed(referral),
            "shared_sections": [
                (sections.BY_SLUG[slug], draft.words.get(slug, ""))
                for slug in sections.SLUGS
                if slug in draft.shared
            ],
            "withheld_sections": [
                sections.BY_SLUG[slug] for slug in sections.SLUGS if slug not in draft.shared
            ],
            "history": _history(referral),
            "thread": _thread(referral),
            "openings": _openings(referral),
            "overdue": overdue,
            "may_approve": may_approve,
            "may_review": referral.review_needed
            and has_permission(user, "referrals.approve")
            and referral.sent_by_id != user.pk,
            "may_refer": has_permission(user, "referrals.make")
            and referral.case.assigned_to_id in (None, user.pk),
            "reason_form": ReferralReasonForm(),
            "answer_form": AnswerForm(),
            "error": error,
            "has_errors": bool(error or (form is not None and form.errors)),
            "nav": "queue",
            "back_url": reverse("staff:case", args=[referral.case_id]),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires("referrals.make")
@_openable_referral
def referral(request: HttpRequest, referral: Referral) -> HttpResponse:
    """GET: the referral. POST (a draft): save it, and with ``action=send`` send it on (for
    approval, or to the agency where none is needed)."""
    if request.method == "GET":
        return referral_page(request, referral)
    user = _user(request)
    if not _may_edit(referral, user):
        return referral_page(request, referral, error=_("Only a draft can be changed."))
    form = ReferralDraftForm(request.POST)
    if not form.is_valid():
        return referral_page(request, referral, form=form)
    basis = form.cleaned_data.get("lawful_basis", "")
    try:
        saved = referrals.save_draft(
            referral=referral,
            by=user,
            draft=form.draft(),
            lawful_basis=basis,
            urgent=form.cleaned_data.get("urgent") == "yes",
        )
    except referrals.ReferralRuleBroken as exc:
        return referral_page(request, referral, form=form, error=str(exc))
    if request.POST.get("action") != "send":
        return redirect(f"{reverse('staff:referral', args=[saved.id])}?done=saved")
    missing = referrals.what_is_missing(saved, form.draft())
    if missing:
        # Saved, but not yet complete: each missing thing on its field.
        for name, message in missing:
            form.add_error("share" if name == "shared" else name, message)
        return referral_page(request, saved, form=form)
    try:
        sent = referrals.send_referral(referral=saved, by=user)
    except referrals.ReferralRuleBroken as exc:
        return referral_page(request, saved, form=form, error=str(exc))
    return redirect(f"{reverse('staff:referral', args=[sent.id])}?done={sent.state}")


def _verb(
    request: HttpRequest, referral: Referral, change: Callable[[], Referral], done: str
) -> HttpResponse:
    try:
        changed = change()
    except referrals.ReferralRuleBroken as exc:
        return referral_page(request, referral, error=str(exc))
    return redirect(f"{reverse('staff:referral', args=[changed.id])}?done={done}")


@require_POST
@requires("referrals.approve")
@_openable_referral
def approve(request: HttpRequest, referral: Referral) -> HttpResponse:
    return _verb(
        request,
        referral,
        lambda: referrals.approve_referral(referral=referral, by=_user(request)),
        "approved",
    )


@require_POST
@requires("referrals.approve")
@_openable_referral
def return_referral(request: HttpRequest, referral: Referral) -> HttpResponse:
    form = ReferralReasonForm(request.POST)
    if not form.is_valid():
        return referral_page(request, referral, error=_("Give a reason"))
    reason = form.cleaned_data["reason"]
    return _verb(
        request,
        referral,
        lambda: referrals.return_referral(referral=referral, by=_user(request), reason=reason),
        "returned",
    )


@require_POST
@requires("referrals.approve")
@_openable_referral
def review(request: HttpRequest, referral: Referral) -> HttpResponse:
    return _verb(
        request,
        referral,
        lambda: referrals.review_referral(referral=referral, by=_user(request)),
        "reviewed",
    )


@require_POST
@requires("referrals.make")
@_openable_referral
def revoke(request: HttpRequest, referral: Referral) -> HttpResponse:
    form = ReferralReasonForm(request.POST)
    if not form.is_valid():
        return referral_page(request, referral, error=_("Give a reason"))
    reason = form.cleaned_data["reason"]
    return _verb(
        request,
        referral,
        lambda: referrals.revoke(referral=referral, by=_user(request), reason=reason),
        "revoked",
    )


@require_POST
@requires("referrals.make")
@_openable_referral
def answer(request: HttpRequest, referral: Referral) -> HttpResponse:
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return referral_page(request, referral, error=_("Write your answer"))
    text = form.cleaned_data["answer"]
    return _verb(
        request,
        referral,
        lambda: referrals.answer_request(referral=referral, by=_user(request), answer=text),
        "answered",
    )


@require_POST
@requires("referrals.make")
@_openable_referral
def close(request: HttpRequest, referral: Referral) -> HttpResponse:
    return _verb(
        request,
        referral,
        lambda: referrals.close(referral=referral, by=_user(request)),
        "closed",
    )

"""The partner portal: the referrals sent to a partner's agency, one referral as it was sent,
and the agency's moves on it.

Views only translate HTTP into ``haven.referrals.services``, which decide who may see and do
what: a referral of another agency, a revoked one and an id that names nothing all give the
same 404 page, so nobody learns whether it exists, and the services audit the refusal. The
referral page only shows; each move posts to its own URL and view, then back to the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import requires
from haven.core.paging import page_number, page_query, page_rows
from haven.partners.forms import AcceptForm, CloseForm, DeclineForm, QuestionForm, ReferenceForm
from haven.referrals import lifecycle, sections, services
from haven.referrals.lifecycle import WITH_PARTNER, Side, State
from haven.referrals.models import LawfulBasis, PartnerMembership, Referral
from haven.referrals.services import ReferralRuleBroken
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken, open_sealed

PAGE_SIZE = 50
# As the staff lists (haven.staff.views.listing, which this layer may not import): further
# than anyone reads, and a page number that cannot overflow.

# Each state as the agency reads it: what it means for them, and its tag's colour.
STATES: dict[str, tuple[Promise, str]] = {
    State.SENT: (_("New: acknowledge it"), "blue"),
    State.ACKNOWLEDGED: (_("Acknowledged: decide whether to accept"), "light-blue"),
    State.MORE_INFORMATION: (_("Waiting for the advisor's answer"), "yellow"),
    State.ACCEPTED: (_("Accepted"), "green"),
    State.DECLINED: (_("Declined"), "grey"),
    State.CLOSED: (_("Closed"), "grey"),
}

# Each move of the referral's history in the agency's words, by (from, to).
HAPPENED: dict[tuple[str, str], Promise] = {
    (State.DRAFT, State.SENT): _("Sent to your agency"),
    (State.AWAITING_APPROVAL, State.SENT): _("Sent to your agency"),
    (State.SENT, State.ACKNOWLEDGED): _("Acknowledged"),
    (State.ACKNOWLEDGED, State.ACCEPTED): _("Accepted"),
    (State.ACKNOWLEDGED, State.DECLINED): _("Declined"),
    (State.ACKNOWLEDGED, State.MORE_INFORMATION): _("More information asked for"),
    (State.MORE_INFORMATION, State.ACKNOWLEDGED): _("More information given"),
    (State.ACCEPTED, State.CLOSED): _("Closed with the outcome"),
    (State.DECLINED, State.CLOSED): _("Closed"),
}
# The moves whose reason the history shows: the agency's own decline and outcome. (A question
# and its answer are the thread's; the referring side's other reasons are its own business.)
REASON_SHOWN = {(State.ACKNOWLEDGED, State.DECLINED), (State.ACCEPTED, State.CLOSED)}

# The success banner after each move (``?done=``); any other value shows none.
DONE: dict[str, Promise] = {
    "acknowledged": _("You have acknowledged this referral."),
    "accepted": _("You have accepted this referral."),
    "declined": _("You have declined this referral. The referring advisor is told."),
    "asked": _("Your question has been sent to the referring advisor."),
    "closed": _("You have closed this referral with its outcome."),
    "reference": _("Your reference has been saved."),
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _with_overdue(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Each referral marked ``overdue`` by the services' one rule of it."""
    return referrals.annotate(
        overdue=ExpressionWrapper(services.overdue(timezone.now()), output_field=BooleanField())
    )


# --- The list ----------------------------------------------------------------------------------


@require_GET
@requires("referrals.partner")
def referrals(request: HttpRequest) -> HttpResponse:
    """The referrals sent to the person's agency, newest first, 50 a page."""
    agency = services.agency_of(_user(request))
    if agency is None:
        return render(request, "partners/no_agency.html", {"nav": "partner"})
    number = page_number(request)
    found = _with_overdue(services.for_agency(agency))
    rows = page_rows(found, number, PAGE_SIZE)
    if number > 1 and not rows:
        raise Http404("no such page")
    return render(
        request,
        "partners/referrals.html",
        {
            "agency": agency,
            "referrals": rows[:PAGE_SIZE],
            # Counted to the cap at most, as every count of referrals: one agency's history
            # would otherwise be read on every showing of its first page.
            "total": (
                found.order_by()[: services.COUNT_CAP + 1].count()
                if number > 1 or len(rows) > PAGE_SIZE
                else len(rows)
            ),
            "count_cap": services.COUNT_CAP,
            "count_cap_text": f"{services.COUNT_CAP:,}",
            "states": {state: (str(label), colour) for state, (label, colour) in STATES.items()},
            "prev_query": page_query(request, number - 1) if number > 1 else "",
            "next_query": page_query(request, number + 1) if len(rows) > PAGE_SIZE else "",
            "nav": "partner",
        },
    )


# --- One referral ------------------------------------------------------------------------------


def _find(referral_id: uuid.UUID) -> Referral:
    referral = (
        _with_overdue(Referral.objects.select_related("case", "agency"))
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404("no such referral")
    return referral


def _theirs(referral: Referral, user: User) -> bool:
    """Whether the referral, as it is now, is one this person's agency holds (the services
    decide and audit; this only tells a refusal to show as "not found" from a rule broken)."""
    referral.refresh_from_db(fields=["state"])
    agency = services.agency_of(user)
    return agency is not None and agency.pk == referral.agency_id and referral.state in WITH_PARTNER


def _open(referral: Referral, key_id: str, ciphertext: Any) -> str:
    contents = open_sealed(record_id=str(referral.id), key_id=key_id, ciphertext=bytes(ciphertext))
    return str(contents.get("text", ""))


def _history(referral: Referral, members: set[int], organisation: str) -> list[dict[str, Any]]:
    """The moves since the referral was sent, oldest first: when, what, and who (a colleague by
    name, anyone on the referring side as their organisation)."""
    entries = []
    for event in referral.events.select_related("by").order_by("at", "pk"):
        what = HAPPENED.get((event.from_state, event.to_state))
        if what is None:
            continue  # before it was sent (drafting, approval): the referring side's own
        ours = event.by_id in members
        shown = ours and (event.from_state, event.to_state) in REASON_SHOWN
        entries.append(
            {
                "at": event.at,
                "what": str(what),
                "who": event.by.get_username() if ours else organisation,
                "text": _open(referral, event.reason_key_id, event.reason_sealed)
                if shown and event.reason_sealed
                else "",
            }
        )
    return entries


def _thread(referral: Referral, members: set[int], organisation: str) -> list[dict[str, Any]]:
    return [
        {
            "at": message.at,
            "who": message.by.get_username() if message.by_id in members else organisation,
            "from_partner": message.from_partner,
            "text": _open(referral, message.key_id, message.sealed),
        }
        for message in referral.messages.select_related("by").order_by("at", "pk")
    ]


def _basis(copy: dict[str, Any]) -> dict[str, str]:
    basis = str(copy.get("lawful_basis", ""))
    label = str(LawfulBasis(basis).label) if basis in LawfulBasis.values else basis
    if basis == LawfulBasis.CONSENT:
        return {
            "label": label,
            "consent_by": str(copy.get("consent_by", "")),
            "consent_at": str(copy.get("consent_at", "")),
        }
    return {"label": label, "no_consent_reason": str(copy.get("no_consent_reason", ""))}


def _empty_forms() -> dict[str, forms.Form]:
    return {
        "accept": AcceptForm(prefix="accept"),
        "decline": DeclineForm(prefix="decline"),
        "question": QuestionForm(prefix="question"),
        "close": CloseForm(prefix="close"),
        "reference": ReferenceForm(prefix="reference"),
    }


def referral_page(
    request: HttpRequest,
    referral_id: uuid.UUID,
    *,
    form: forms.Form | None = None,
    error: str = "",
) -> HttpResponse:
    """The referral as it was sent (its frozen copy, opened and audited by ``open_copy``), its
    history and thread, and the forms of the moves its state allows the agency. ``form`` is one
    sent back with its errors; ``error`` a rule of the referral the move broke."""
    user = _user(request)
    referral = _find(referral_id)
    try:
        copy = services.open_copy(referral=referral, by=user)
    except ReferralRuleBroken:
        raise Http404("no such referral") from None
    except (KeyUnavailable, SealBroken):
        return render(request, "partners/cannot_open.html", {"nav": "partner"}, status=503)
    members = set(
        PartnerMembership.objects.filter(agency_id=referral.agency_id).values_list(
            "user_id", flat=True
        )
    )
    organisation = str(settings.HAVEN_ORGANISATION_NAME)
    forms_ = _empty_forms()
    if form is not None:
        forms_[str(form.prefix)] = form
    if not (form is not None and form.prefix == "reference"):
        forms_["reference"] = ReferenceForm(
            prefix="reference", initial={"partner_reference": referral.partner_reference}
        )
    shared = [
        {"slug": item["slug"], "title": str(sections.BY_SLUG[item["slug"]].title), **item}
        for item in copy.get("sections", [])
        if item.get("slug") in sections.BY_SLUG
    ]
    label, colour = STATES[referral.state]
    done = DONE.get(request.GET.get("done", "")) if not (form or error) else None
    return render(
        request,
        "partners/referral.html",
        {
            "referral": referral,
            "copy": copy,
            "shared": shared,
            "basis": _basis(copy),
            "state_label": str(label),
            "state_colour": colour,
            "moves": {to for to, _step in lifecycle.moves_from(referral.state, Side.PARTNER)},
            "history": _history(referral, members, organisation),
            "thread": _thread(referral, members, organisation),
            "organisation": organisation,
            "forms": forms_,
            "error": error,
            "has_errors": bool(error) or any(f.errors for f in forms_.values()),
            "done": str(done) if done else "",
            "nav": "partner",
            "back_url": reverse("partners:referrals"),
        },
    )


@require_GET
@requires("referrals.partner")
def referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return referral_page(request, referral_id)


# --- The agency's moves ------------------------------------------------------------------------


def _move(
    request: HttpRequest,
    referral_id: uuid.UUID,
    change: Callable[[Referral, User], object],
    *,
    done: str,
    form: forms.Form | None = None,
) -> HttpResponse:
    """Check ``form``, make the change, then back to the referral page with a banner; the
    form's errors or the rule broken are shown on the page instead (200, as every form of the
    service answers its errors, with the error summary first)."""
    user = _user(request)
    referral = _find(referral_id)
    if form is not None and not form.is_valid():
        return referral_page(request, referral_id, form=form)
    try:
        change(referral, user)
    except ReferralRuleBroken as exc:
        # Refused because it is not theirs (the service has audited it): as if it did not exist.
        if not _theirs(referral, user):
            raise Http404("no such referral") from None
        return referral_page(request, referral_id, form=form, error=str(exc))
    response = redirect("partners:referral", referral.id)
    response["Location"] += f"?done={done}"
    return response


@require_POST
@requires("referrals.partner")
def acknowledge(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _move(
        request,
        referral_id,
        lambda referral, user: services.acknowledge(referral=referral, by=user),
        done="acknowledged",
    )


@require_POST
@requires("referrals.partner")
def accept(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = AcceptForm(request.POST, prefix="accept")
    return _move(
        request,
        referral_id,
        lambda referral, user: services.accept(
            referral=referral,
            by=user,
            partner_reference=form.cleaned_data.get("partner_reference", ""),
        ),
        done="accepted",
        form=form,
    )


@require_POST
@requires("referrals.partner")
def decline(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = DeclineForm(request.POST, prefix="decline")
    return _move(
        request,
        referral_id,
        lambda referral, user: services.decline(
            referral=referral, by=user, reason=form.cleaned_data["reason"]
        ),
        done="declined",
        form=form,
    )


@require_POST
@requires("referrals.partner")
def ask(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = QuestionForm(request.POST, prefix="question")
    return _move(
        request,
        referral_id,
        lambda referral, user: services.request_information(
            referral=referral, by=user, question=form.cleaned_data["question"]
        ),
        done="asked",
        form=form,
    )


@require_POST
@requires("referrals.partner")
def close(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = CloseForm(request.POST, prefix="close")
    return _move(
        request,
        referral_id,
        lambda referral, user: services.close(
            referral=referral, by=user, outcome=form.cleaned_data["outcome"]
        ),
        done="closed",
        form=form,
    )


@require_POST
@requires("referrals.partner")
def set_reference(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = ReferenceForm(request.POST, prefix="reference")
    return _move(
        request,
        referral_id,
        lambda referral, user: services.set_partner_reference(
            referral=referral, by=user, partner_reference=form.cleaned_data["partner_reference"]
        ),
        done="reference",
        form=form,
    )

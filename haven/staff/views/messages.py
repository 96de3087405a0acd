"""Messaging the reporter from the case: a page to write it, starting from a template if the
advisor likes, and the verb that sends it (``reporting.conversation.send_message``)."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from haven.accounts.access import requires
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Case
from haven.reporting import conversation
from haven.reporting.models import MessageKind
from haven.staff.forms import MessageForm
from haven.staff.message_templates import BY_SLUG, TEMPLATES
from haven.staff.views.case import acting_for, mark_saved, openable_case, turn_summary
from haven.staff.views.listing import choice_labels

# How many of the latest turns the page shows above the message being written.
RECENT_TURNS = 3


@require_http_methods(["GET", "POST"])
@requires("cases.work")
@openable_case
def message(request: HttpRequest, case: Case) -> HttpResponse:
    """GET: the page to write a message (``?template=`` starts it with a template's words).
    POST: send it, then back to the case."""
    user = cast(User, request.user)
    holder = acting_for(case, user)
    error = ""
    if request.method == "POST":
        form = MessageForm(request.POST, prefix="message", acting_for=holder)
        if form.is_valid():
            data = form.cleaned_data
            try:
                conversation.send_message(
                    case=case,
                    by=user,
                    text=data["text"],
                    template=data["template"],
                    override_reason=form.override_reason,
                )
            except services.CaseRuleBroken as exc:
                error = str(exc)
            else:
                mark_saved(request, case)
                return redirect(reverse("staff:case", args=[case.id]) + "#conversation")
    else:
        chosen = BY_SLUG.get(request.GET.get("template", ""))
        form = MessageForm(
            prefix="message",
            acting_for=holder,
            initial={
                "template": chosen.slug if chosen else "",
                "text": chosen.text(case.audience) if chosen else "",
            },
        )
    # The page opens the sealed conversation: audited as a viewing of the case.
    record_event(
        action=Action.CASE_VIEWED,
        actor=user,
        report_id=case.report_id,
        detail={"case": str(case.id), "page": "message"},
    )
    turns = conversation.for_case(case)
    return render(
        request,
        "staff/message.html",
        {
            "case": case,
            "form": form,
            "error": error,
            "has_errors": bool(error or form.errors),
            "templates_items": [
                {
                    "value": t.slug,
                    "text": str(t.label),
                    "checked": t.slug == form["template"].value(),
                }
                for t in TEMPLATES
            ],
            "recent": turns[-RECENT_TURNS:],
            "turn_summary": turn_summary,
            "message_kinds": choice_labels(MessageKind),
            "closed": case.status == Status.CLOSED,
            "may_act": services.acting_for(case, user) is None or services.may_override(user),
            "nav": "queue",
            "back_url": reverse("staff:case", args=[case.id]),
        },
    )

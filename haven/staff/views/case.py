"""The case page: it only shows. Each change posts to its own view in ``case_actions``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.accounts.services import has_permission
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases import services
from haven.cases.lifecycle import Status, moves_from
from haven.cases.models import (
    Approval,
    ApprovalOutcome,
    Case,
    CaseAccess,
    CaseLink,
    ContactMethod,
    ContactOutcome,
    NoteKind,
    SafetyAction,
)
from haven.cases.queries import HistoryRow, history
from haven.cases.services import open_text, time_left
from haven.linking.models import Kind
from haven.linking.services import LinkedReports, linked_reports
from haven.referrals import services as referral_services
from haven.referrals.lifecycle import State as ReferralState
from haven.reporting import conversation, notices
from haven.reporting.models import Message, MessageKind
from haven.staff.forms import (
    ApproveForm,
    AssignForm,
    ContactAttemptForm,
    LinkForm,
    NoteForm,
    OverrideForm,
    PriorityForm,
    RestrictForm,
    ReturnForm,
    SafetyActionForm,
    StatusForm,
)
from haven.staff.views.listing import choice_labels

CaseView = Callable[..., HttpResponse]


def openable_case(view: CaseView) -> CaseView:
    """Pass the view the case named by ``case_id`` if this person may open it.

    A restricted case someone is not named on is refused (403), and the attempt audited, before
    the view sees it: no verb can act on a case its actor may not open.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, case_id: uuid.UUID, **kwargs: Any) -> HttpResponse:
        case = get_object_or_404(
            Case.objects.select_related("assigned_to", "first_read_by"), pk=case_id
        )
        user = cast(User, request.user)
        if not services.can_open(case, user):
            services.refuse_access(case=case, by=user)
            return render(request, "staff/restricted.html", status=403)
        return view(request, case, **kwargs)

    return wrapper


@require_GET
@requires("cases.view")
@openable_case
def case_detail(request: HttpRequest, case: Case) -> HttpResponse:
    """The case: triage and its reasons, time targets, the forms of each verb, the chronology."""
    return case_page(request, case)


# A save's redirect lands on the case page. That showing writes no case.viewed of its own: the
# save's event already says this person was at this case a moment ago, and an audit page with a
# "viewed" after every note saved hides the openings it is read for. One-shot, and short-lived,
# so it can never stand for a later visit.
SAVED = "haven_case_saved"
SAVED_SECONDS = 30


def mark_saved(request: HttpRequest, case: Case) -> None:
    """Say that the next showing of ``case`` in this session is the page after a save."""
    request.session[SAVED] = [str(case.id), time.time()]


def _after_save(request: HttpRequest, case: Case) -> bool:
    saved = request.session.pop(SAVED, None)
    if not (isinstance(saved, list) and len(saved) == 2 and saved[0] == str(case.id)):
        return False
    return isinstance(saved[1], float) and 0 <= time.time() - saved[1] < SAVED_SECONDS


def case_page(
    request: HttpRequest, case: Case, *, form: forms.Form | None = None, error: str = ""
) -> HttpResponse:
    """The case page, with every form empty but ``form`` (one sent back with its errors), and
    ``error`` (a rule of the case the change broke) above them.

    Showing it opens sealed texts (notes, reasons), so each showing is audited (case.viewed),
    except the one a save's redirect lands on.
    """
    user = cast(User, request.user)
    may_restrict = has_permission(user, "cases.restrict")
    may_assign = has_permission(user, "cases.assign")
    # Every approval asked for on the case, for the chronology; the one waiting among them.
    approvals = list(
        case.approvals.select_related("requested_by", "decided_by").order_by("requested_at", "pk")
    )
    pending = next((asked for asked in approvals if asked.decided_at is None), None)
    may_approve = (
        pending is not None
        and pending.requested_by_id != user.pk
        and has_permission(user, "cases.approve")
    )
    holder = services.acting_for(case, user)
    may_act = holder is None or services.may_override(user)
    forms_ = _page_forms(
        case,
        acting_for=acting_for(case, user),
        may_restrict=may_restrict,
        may_assign=may_assign,
        may_approve=may_approve,
    )
    if form is not None:
        forms_[getattr(form, "page_key", None) or str(form.prefix)] = form
    if request.method != "GET" or not _after_save(request, case):
        # Its own transaction (record_event opens one): committed before the page is sent.
        record_event(
            action=Action.CASE_VIEWED,
            actor=user,
            report_id=case.report_id,
            detail={"case": str(case.id)},
        )
    # Of the linked cases, only what the page shows of each (a case row is 40 columns).
    shown = ("id", "reference", "restricted", "status")
    links = (
        CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case))
        .select_related("from_case", "to_case")
        .only(
            "from_case_id",
            "to_case_id",
            *(f"from_case__{name}" for name in shown),
            *(f"to_case__{name}" for name in shown),
        )
    )
    linked = [link.to_case if link.from_case_id == case.id else link.from_case for link in links]
    mentions = linked_reports(case=case)
    plan = _safety_plan(case)
    turns = conversation.for_case(case)
    message_kinds = choice_labels(MessageKind)
    case_referrals = list(case.referrals.select_related("agency").order_by("number"))
    return render(
        request,
        "staff/case.html",
        {
            "case": case,
            "left": time_left(case),
            "forms": forms_,
            "error": error,
            "has_errors": bool(error) or any(f.errors for f in forms_.values()),
            "chronology": _chronology(case, plan, approvals, turns, message_kinds=message_kinds),
            "turns": turns,
            "turn_summary": turn_summary,
            "message_kinds": message_kinds,
            # A notice is about a message or a referral: with neither, none to look for.
            "failed_notices": notices.failed_notices(case) if turns or case_referrals else [],
            "referrals": case_referrals,
            "referral_states": choice_labels(ReferralState),
            "why_not_referable": referral_services.why_not_referable(case),
            "may_refer": has_permission(user, "referrals.make") and holder is None,
            "may_export": has_permission(user, "cases.export"),
            "now": timezone.now(),
            "actions_list": plan,
            "linked": linked,
            "mentions": mentions,
            "kind_labels": choice_labels(Kind),
            "status_labels": choice_labels(Status),
            "openable": _openable_restricted(mentions, linked, user),
            "may_restrict": may_restrict,
            "may_assign": may_assign,
            # Another advisor holds the case: may this person act on it (with a reason) or only
            # add a note? Neither form is offered where a pending approval would refuse it.
            "holder": holder,
            "may_act": may_act,
            "pending": pending,
            "pending_reason": (
                open_text(case, pending.reason_key_id, pending.reason_sealed) if pending else ""
            ),
            "may_approve": may_approve,
            "named": _named(case),
            "nav": "queue",
            "back_url": reverse("staff:queue"),
        },
    )


def restriction_form(case: Case, data: Any = None) -> RestrictForm:
    """Who may open the case, offered from the active staff, with those named now ticked."""
    staff = list(User.objects.filter(is_active=True, is_staff=True).order_by("username"))
    named = case.access.values_list("user_id", flat=True) if case.restricted else []
    return RestrictForm(
        data, staff=staff, prefix="restrict", initial={"people": [str(pk) for pk in named]}
    )


def acting_for(case: Case, user: User) -> str:
    """The advisor whose case a supervisor would act on here ("" when it is theirs or nobody's,
    or when ``user`` may not act on it at all): the verb forms then ask for a reason."""
    holder = services.acting_for(case, user)
    if holder is None or not services.may_override(user):
        return ""
    return holder.get_username()


def assign_form(case: Case, data: Any = None) -> AssignForm:
    """Who may be given the case: ``assignable_staff``, with its holder chosen now."""
    return AssignForm(
        data,
        people=list(services.assignable_staff(case)),
        initial={"advisor": str(case.assigned_to_id or "")},
    )


def _named(case: Case) -> list[str]:
    """The usernames of everyone named on a restricted case (empty if it is not restricted)."""
    if not case.restricted:
        return []
    return list(case.access.order_by("user__username").values_list("user__username", flat=True))


def _page_forms(
    case: Case, *, acting_for: str, may_restrict: bool, may_assign: bool, may_approve: bool
) -> dict[str, forms.Form]:
    """The case page's forms, empty, by prefix; the supervisors' forms only for who may use them.

    On another advisor's case a supervisor's verb forms ask why (``acting_for``).
    """
    built: dict[str, forms.Form] = {
        "status": StatusForm(moves=moves_from(case.status), prefix="status", acting_for=acting_for),
        "priority": PriorityForm(prefix="priority", acting_for=acting_for),
        "note": NoteForm(prefix="note"),
        "contact": ContactAttemptForm(prefix="contact", acting_for=acting_for),
        "safety": SafetyActionForm(prefix="safety", acting_for=acting_for),
        "done": OverrideForm(prefix="done", acting_for=acting_for),
        "link": LinkForm(prefix="link", acting_for=acting_for),
    }
    if may_restrict:
        built["restrict"] = restriction_form(case)
    if may_assign:
        built["assign"] = assign_form(case)
    if may_approve:
        built["approve"] = ApproveForm(prefix="approve")
        built["return"] = ReturnForm(prefix="return")
    return built


def _openable_restricted(
    mentions: list[LinkedReports], linked: list[Case], user: User
) -> set[uuid.UUID]:
    """The restricted cases, among those this one mentions or links to, that this person is named on."""
    # Only the cases shown: a supervisor named on thousands of restricted cases would
    # otherwise read them all on every case page.
    restricted = {other.case_id for group in mentions for other in group.cases if other.restricted}
    restricted |= {other.id for other in linked if other.restricted}
    if not restricted:
        return set()
    return set(
        CaseAccess.objects.filter(user=user, case_id__in=restricted).values_list(
            "case_id", flat=True
        )
    )


SafetyPlan = list[tuple[SafetyAction, str, str]]


def _safety_plan(case: Case) -> SafetyPlan:
    """The case's safety plan actions, oldest first, each with its action and owner opened."""
    actions = case.safety_actions.select_related("created_by").order_by("created_at", "pk")
    return [
        (a, open_text(case, a.key_id, a.sealed), open_text(case, a.owner_key_id, a.owner_sealed))
        for a in actions
    ]


def _chronology(
    case: Case,
    plan: SafetyPlan,
    approvals: list[Approval],
    turns: list[conversation.Turn],
    *,
    message_kinds: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Everything that happened on the case, oldest first, with sealed texts opened.

    ``plan``, ``approvals`` and the conversation's ``turns`` are as the case page read them:
    each row is read, and each text opened, once a page. A message is not written out again
    here: the page's conversation shows each in full, and its entry links there (``href``,
    ``link``), saying only what the message changed on the case (a priority raised).
    """
    entries: list[dict[str, Any]] = [
        {"at": case.received_at, "what": _("Report received"), "who": "", "text": ""},
    ]
    for row in history(case):
        entries.append(
            {
                "at": row.at,
                "what": _history_what(row),
                "who": row.who,
                "text": open_text(case, row.key_id, row.sealed),
                **({"kind": row.first} if row.source == "note" else {}),
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
    for asked in approvals:
        entries.append(
            {
                "at": asked.requested_at,
                "what": _("Approval asked for: %(kind)s") % {"kind": asked.get_kind_display()},
                "who": asked.requested_by.get_username(),
                "text": open_text(case, asked.reason_key_id, asked.reason_sealed),
            }
        )
        if asked.decided_at and asked.decided_by:
            entries.append(
                {
                    "at": asked.decided_at,
                    "what": _("Change approved")
                    if asked.outcome == ApprovalOutcome.APPROVED
                    else _("Change returned"),
                    "who": asked.decided_by.get_username(),
                    "text": open_text(case, asked.decision_key_id, asked.decision_sealed),
                }
            )
        elif asked.outcome == ApprovalOutcome.WITHDRAWN and asked.decided_at:
            entries.append(
                {
                    "at": asked.decided_at,
                    "what": _("Request withdrawn"),
                    "who": asked.requested_by.get_username(),
                    "text": "",
                }
            )
    reporter, see = _("The reporter"), _("See message %(number)s in the conversation")
    for number, turn in enumerate(turns, start=1):
        message = turn.message
        entries.append(
            {
                "at": message.at,
                "what": message_kinds[message.kind],
                "who": message.by.get_username() if message.by else reporter,
                "text": _raised(message),
                "href": f"#message-{message.id}",
                "link": see % {"number": number},
            }
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


def turn_summary(turn: conversation.Turn) -> str:
    """One message of the conversation as the chronology's details."""
    lines = [turn.text] if turn.text else []
    if turn.danger_now:
        lines.append(_("Says a child is in danger right now."))
    for place in turn.platforms:
        lines.append(
            _("Where online: %(platform)s %(usernames)s")
            % {"platform": place.get("platform", ""), "usernames": place.get("usernames", "")}
        )
    if turn.message.kind == MessageKind.CONTACT:
        contact = turn.contact
        if contact.get("contact_choice") == "yes":
            given = [contact.get(k, "") for k in ("name", "phone", "email") if contact.get(k)]
            lines.append(_("Contact details: %(given)s") % {"given": ", ".join(given)})
            if contact.get("safe_times"):
                lines.append(_("Safe to contact: %(when)s") % {"when": contact["safe_times"]})
            lines.append(
                _("A message may be left.")
                if contact.get("leave_message") == "yes"
                else _("Do not leave a message.")
            )
        else:
            lines.append(_("Withdrew their contact details: reach them only through messages."))
    if turn.message.raised_to:
        lines.append(_raised(turn.message))
    return "\n".join(lines)


def _raised(message: Message) -> str:
    """What a message did to the case's priority ("" when nothing): the chronology says it as
    well as the conversation, since no other entry records it."""
    if not message.raised_to:
        return ""
    return _("Priority raised from %(from)s to %(to)s by what was added.") % {
        "from": message.raised_from,
        "to": message.raised_to,
    }


def _history_what(row: HistoryRow) -> str:
    """What the chronology calls one row of ``history``."""
    if row.source == "status":
        return _("Status: %(from)s → %(to)s") % {
            "from": Status(row.first).label,
            "to": Status(row.second).label,
        }
    if row.source == "priority":
        return _("Priority: %(from)s → %(to)s") % {"from": row.first, "to": row.second}
    if row.source == "note":
        return str(NoteKind(row.first).label)
    if row.source == "contact":
        return _("Contact attempt: %(method)s, %(outcome)s") % {
            "method": ContactMethod(row.first).label,
            "outcome": ContactOutcome(row.second).label,
        }
    return _("Acted on %(owner)s's case") % {"owner": row.first}

"""The public journey over HTTP. Views translate requests; the journey table and services decide."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.core.parsing import positive_int
from haven.reporting import checking, conversation, drafts, journey, services, summary
from haven.reporting.drafts import DraftExpired, DraftMissing, DraftState
from haven.reporting.models import Report
from haven.reporting.questions import (
    CHILD_FRIEND,
    MAX_PLATFORMS,
    AddInformationForm,
    AudienceForm,
    CheckForm,
    ContactQuestion,
    ReplyForm,
)
from haven.sealing.keystore import KeyUnavailable
from haven.triage.rules import Audience

log = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def page(
    request: HttpRequest,
    template: str | list[str],
    context: dict[str, Any] | None = None,
    *,
    draft: DraftState | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a public page with what every public page shows (who it is for, the back link)."""
    context = dict(context or {})
    audience = draft.audience if draft else None
    context.setdefault("audience", audience)
    context.setdefault("audience_label", Audience(audience).label if audience else None)
    return render(request, template, context, status=status)


def step_url(slug: str, *, change: bool = False) -> str:
    url = reverse("reporting:step", args=[slug])
    return f"{url}?change=1" if change else url


def with_draft(view: View) -> View:
    """Give the view the reporter's draft; without one, send them to the right page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            draft = drafts.load(request)
        except DraftMissing:
            return redirect("reporting:who")
        except DraftExpired:
            return redirect("reporting:timed_out")
        if not draft.audience:
            return redirect("reporting:who")
        return view(request, draft, *args, **kwargs)

    return wrapper


def with_unsent_draft(view: View) -> View:
    @with_draft
    @wraps(view)
    def wrapper(request: HttpRequest, draft: DraftState, *args: Any, **kwargs: Any) -> HttpResponse:
        # A send that committed but never wrote its receipt is sent too: the answers must not
        # be offered for changing, and the confirmation page shows the code it was stored with.
        if draft.data.get("sent") or drafts.sent_unrecorded(draft):
            return redirect("reporting:sent")
        return view(request, draft, *args, **kwargs)

    return wrapper


def resume_url(draft: DraftState) -> str:
    """Where someone coming back to their report should land.

    First any question pending after a change of who they are; then check answers once "what
    happened" is answered; else the first question not answered yet.
    """
    assert draft.audience
    pending = journey.pending_steps(draft.audience, draft.answers)
    if pending:
        return step_url(pending[0])
    if journey.ready_to_check(draft.answers):
        return reverse("reporting:check_answers")
    for step in journey.steps_for(draft.audience, draft.answers):
        if step.slug not in draft.answers:
            return step_url(step.slug)
    return step_url(journey.first_step(draft.audience))


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return page(request, "reporting/start.html", draft=drafts.load_or_none(request))


@require_GET
def not_ready(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "reporting/not_ready.html",
        {"back_url": reverse("reporting:start")},
        draft=drafts.load_or_none(request),
    )


@require_http_methods(["GET", "POST"])
def who(request: HttpRequest) -> HttpResponse:
    draft = drafts.load_or_none(request)
    if request.method == "POST":
        form = AudienceForm(request.POST)
        if form.is_valid():
            draft = draft or drafts.start()
            if draft.data.get("sent"):
                # A new report after one was sent starts afresh: nothing of the last one stays.
                draft = drafts.start()
            draft.data["audience"] = form.cleaned_data["audience"]
            response = redirect("reporting:what_happens")
            drafts.save(draft, response)
            return response
    else:
        form = AudienceForm(initial={"audience": draft.audience if draft else None})
    return page(
        request,
        "reporting/who.html",
        {"form": form, "has_errors": bool(form.errors), "back_url": reverse("reporting:start")},
        draft=draft,
    )


@require_GET
@with_draft
def what_happens(request: HttpRequest, draft: DraftState) -> HttpResponse:
    assert draft.audience
    started = bool(draft.answers) and not draft.data.get("sent")
    return page(
        request,
        "reporting/what_happens.html",
        {
            "continue_url": resume_url(draft)
            if started
            else step_url(journey.first_step(draft.audience)),
            "started": started,
            "to_confirm": started and bool(journey.to_confirm(draft.audience, draft.answers)),
            "about_friend": journey.voice(draft.audience, draft.answers) == CHILD_FRIEND,
            "back_url": reverse("reporting:who"),
        },
        draft=draft,
    )


@require_http_methods(["GET", "POST"])
@with_unsent_draft
def step(request: HttpRequest, draft: DraftState, slug: str) -> HttpResponse:
    if slug in journey.INFO_PAGES:
        return info(request, draft, slug)
    step = journey.STEPS_BY_SLUG.get(slug)
    audience = draft.audience
    assert audience
    if step is None or not step.applies(audience, draft.answers):
        raise Http404()
    change = request.GET.get("change") == "1"
    if slug == "where":
        return where(request, draft, change=change)
    voice = journey.voice(audience, draft.answers)
    confirming = slug in journey.to_confirm(audience, draft.answers)
    if request.method == "POST":
        form = journey.form_for(step, voice, request.POST)
        if form.is_valid():
            # A pending question is answered as a change: once none is left, check answers.
            pending = slug in journey.pending_steps(audience, draft.answers)
            draft.answers[slug] = form.answers()
            drafts.save(draft)
            return redirect(_after(slug, draft, change=change or pending))
    else:
        form = journey.form_for(
            step, voice, initial=journey.honest_initial(step, audience, draft.answers)
        )
    return page(
        request,
        [f"reporting/steps/{slug}.html", "reporting/question.html"],
        {
            "form": form,
            "has_errors": bool(form.errors),
            "confirming": confirming,
            "back_url": _back(slug, draft, change=change),
            "action": step_url(slug, change=change),
        },
        draft=draft,
    )


def _after(slug: str, draft: DraftState, *, change: bool) -> str:
    """Where a saved answer leads: its information page, a pending question, or onwards."""
    assert draft.audience
    info_page = journey.STEPS_BY_SLUG[slug].then(draft.answers)
    if info_page:
        return step_url(info_page, change=change)
    # A change (of whom it is about, say) may leave questions to ask before check answers.
    pending = journey.pending_steps(draft.audience, draft.answers)
    if pending:
        return step_url(pending[0])
    if change:
        return reverse("reporting:check_answers")
    following = journey.next_after(slug, draft.audience, draft.answers)
    return step_url(following) if following else reverse("reporting:check_answers")


def _back(slug: str, draft: DraftState, *, change: bool) -> str:
    assert draft.audience
    if change:
        return reverse("reporting:check_answers")
    previous = journey.previous_before(slug, draft.audience, draft.answers)
    return step_url(previous) if previous else reverse("reporting:what_happens")


def info(request: HttpRequest, draft: DraftState, slug: str) -> HttpResponse:
    assert draft.audience
    change = request.GET.get("change") == "1"
    after = journey.INFO_AFTER[slug]
    if change:
        continue_url = reverse("reporting:check_answers")
    else:
        following = journey.next_after(after, draft.audience, draft.answers)
        continue_url = step_url(following) if following else reverse("reporting:check_answers")
    return page(
        request,
        journey.INFO_PAGES[slug],
        {
            "continue_url": continue_url,
            "back_url": step_url(after, change=change),
            "concerns": draft.answers.get("concern", {}).get("concerns", []),
            "danger_now": draft.answers.get("danger", {}).get("danger_now"),
            "about_friend": journey.voice(draft.audience, draft.answers) == CHILD_FRIEND,
        },
        draft=draft,
    )


# The Remove buttons count places from 1. The last release's counted from 0 under "remove-",
# so a page open across a deploy names no place rather than the one after the one meant.
REMOVE_PLACE = "remove-place-"


def where(request: HttpRequest, draft: DraftState, *, change: bool) -> HttpResponse:
    """The "add another" page: platforms, each with the usernames seen there."""
    assert draft.audience
    step = journey.STEPS_BY_SLUG["where"]
    voice = journey.voice(draft.audience, draft.answers)
    saved = draft.answers.setdefault("where", {"platforms": []})
    platforms: list[dict[str, str]] = saved.setdefault("platforms", [])
    form = journey.form_for(step, voice)
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        if action.startswith("remove-"):
            number = positive_int(action.removeprefix(REMOVE_PLACE), maximum=len(platforms))
            if number is not None:
                platforms.pop(number - 1)
                drafts.save(draft)
            return redirect(step_url("where", change=change))
        form = journey.form_for(step, voice, request.POST)
        if form.is_valid():
            entry = form.answers()
            if entry.get("platform"):
                if len(platforms) >= MAX_PLATFORMS:
                    form.add_error(
                        "platform",
                        _("You can add up to %(max)s. Tell us about any others in what happened.")
                        % {"max": MAX_PLATFORMS},
                    )
                else:
                    platforms.append(
                        {"platform": entry["platform"], "usernames": entry["usernames"]}
                    )
            if not form.errors:
                drafts.save(draft)
                if action == "add":
                    return redirect(step_url("where", change=change))
                return redirect(_after("where", draft, change=change))
    return page(
        request,
        "reporting/steps/where.html",
        {
            "form": form,
            "platforms": platforms,
            "max_platforms": MAX_PLATFORMS,
            "remove_place": REMOVE_PLACE,
            "has_errors": bool(form.errors),
            "back_url": _back("where", draft, change=change),
            "action": step_url("where", change=change),
        },
        draft=draft,
    )


@require_GET
@with_unsent_draft
def check_answers(request: HttpRequest, draft: DraftState) -> HttpResponse:
    assert draft.audience
    # Only answers given in the person's current words are shown: the others are asked first.
    pending = journey.pending_steps(draft.audience, draft.answers)
    if pending:
        return redirect(step_url(pending[0]))
    if not journey.ready_to_check(draft.answers):
        return redirect(step_url(journey.REQUIRED_STEP))
    return _check_answers_page(request, draft)


def _check_answers_page(request: HttpRequest, draft: DraftState) -> HttpResponse:
    assert draft.audience
    steps = journey.steps_for(draft.audience, draft.answers)
    return page(
        request,
        "reporting/check_answers.html",
        {
            "sections": summary.sections(draft.audience, draft.answers),
            "back_url": step_url(steps[-1].slug),
        },
        draft=draft,
    )


@require_http_methods(["GET", "POST"])
@with_draft
def send(request: HttpRequest, draft: DraftState) -> HttpResponse:
    if request.method == "GET":
        # A reload or an old link: to the confirmation if sent, otherwise back to the answers.
        return redirect("reporting:sent")
    if draft.data.get("sent"):
        return redirect("reporting:sent")
    assert draft.audience
    if not journey.ready_to_check(draft.answers):
        return redirect(step_url(journey.REQUIRED_STEP))
    if journey.pending_steps(draft.audience, draft.answers):
        # After a change of who they are, nothing is sent under a question they did not see.
        return redirect(resume_url(draft))
    if draft.answers.get("what-happened", {}).get("website"):
        services.record_refusal("honeypot")
        return page(request, "reporting/not_sent.html", draft=draft, status=400)
    now = timezone.now()
    waited = (now - draft.created_at).total_seconds()
    if waited < settings.HAVEN_MIN_FILL_SECONDS:
        return page(
            request,
            "reporting/not_sent_yet.html",
            {"seconds": math.ceil(settings.HAVEN_MIN_FILL_SECONDS - waited)},
            draft=draft,
        )
    # The code goes into the draft before the report is stored (drafts.prepare_send).
    try:
        code = drafts.prepare_send(draft, code=services.new_followup_code())
    except DraftExpired:
        # Gone since it was loaded: Exit in another tab, or purged at the idle limit.
        return redirect("reporting:timed_out")
    if code is None:
        return redirect("reporting:sent")
    bucket = services.client_bucket(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )
    try:
        receipt = services.submit_report(
            audience=draft.audience,
            answers=draft.answers,
            submission_key=draft.submission_key,
            received_at=now,
            client_bucket=bucket,
            followup_code=code,
        )
    except KeyUnavailable:
        log.error("report not sent: no current sealing public key is configured")
        return page(request, "reporting/not_sent.html", draft=draft, status=503)
    _record_sent(draft, receipt.report)
    return redirect("reporting:sent")


def _record_sent(draft: DraftState, report: Report) -> None:
    """Write the receipt, with the flags of the help the confirmation page offers."""
    assert draft.audience
    drafts.record_sent(
        draft,
        reference=report.reference,
        signposts=services.confirmation_signposts(
            audience=draft.audience, answers=draft.answers, out_category=report.case.out_category
        ),
    )


@require_http_methods(["GET", "POST"])
@with_draft
def sent(request: HttpRequest, draft: DraftState) -> HttpResponse:
    if not draft.data.get("sent"):
        report = drafts.sent_unrecorded(draft)
        if report is None:
            return redirect(resume_url(draft))
        _record_sent(draft, report)
    if request.method == "POST":
        # "I have kept my code": only now do the code and the help fitted to the report leave.
        drafts.code_kept(draft)
        return redirect("reporting:sent")
    receipt = draft.data["sent"]
    # For one release: a draft sent before it holds a code not yet shown in the receipt.
    code = draft.data.get("followup_code") or receipt.get("code")
    return page(
        request,
        "reporting/sent.html",
        {
            "reference": receipt["reference"],
            "code": code,
            "code_kept": bool(receipt.get("code_kept")),
            "signposts": receipt.get("signposts", {}),
        },
        draft=draft,
    )


@require_http_methods(["GET", "POST"])
def finish(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Only the button finishes; an old link goes where the person was.
        return redirect("reporting:sent" if drafts.has_cookie(request) else "reporting:start")
    response = HttpResponseRedirect(reverse("reporting:start"))
    drafts.discard(request, response)
    return response


@require_GET
def exit_page(request: HttpRequest) -> HttpResponse:
    """The exit button's link: the draft and every Haven cookie go, then the neutral page.

    With JavaScript, GOV.UK's script follows the same link (on a click or three presses of
    Shift), so both ways end the draft. Going back afterwards finds nothing to show: no
    cookie, no draft, and no page kept by the browser (every page is no-store).
    """
    response = HttpResponseRedirect(settings.HAVEN_EXIT_URL)
    drafts.discard(request, response)
    checking.end_visit(request, response)
    return response


@require_GET
def staying_safe(request: HttpRequest) -> HttpResponse:
    return page(request, "reporting/staying_safe.html", draft=drafts.load_or_none(request))


@require_GET
def timed_out(request: HttpRequest) -> HttpResponse:
    response = page(
        request, "reporting/timed_out.html", {"minutes": settings.HAVEN_DRAFT_IDLE_SECONDS // 60}
    )
    drafts.discard(request, response)
    return response


# --- Checking on a report ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check_report(request: HttpRequest) -> HttpResponse:
    """Enter the reference and follow-up code; an accepted pair starts a short visit."""
    form = CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        bucket = services.client_bucket(
            str(request.META.get("REMOTE_ADDR", "")),
            str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
        )
        checked = checking.check(
            reference=form.cleaned_data["reference"],
            code=form.cleaned_data["code"],
            address_bucket=bucket,
        )
        if checked.outcome == checking.Outcome.LIMITED:
            minutes = settings.HAVEN_CHECK_WINDOW_SECONDS // 60
            return page(request, "reporting/check_limited.html", {"minutes": minutes}, status=429)
        if checked.outcome == checking.Outcome.ACCEPTED and checked.report is not None:
            response = redirect("reporting:your_report")
            checking.start_visit(checked.report, form.cleaned_data["code"], response)
            return response
        form.add_error(
            None,
            _(
                "The reference and follow-up code do not match a report we have. Check both "
                "and try again."
            ),
        )
    return page(
        request,
        "reporting/check.html",
        {
            "form": form,
            "has_errors": bool(form.errors),
            "ended": request.GET.get("ended") == "1",
            "back_url": reverse("reporting:start"),
        },
    )


def with_visit(view: View) -> View:
    """Give the view the reporter's visit; without one (ended, idle too long), the check page
    says so, and the cookie goes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = checking.load_visit(request)
        if visit is None:
            response = redirect(reverse("reporting:check") + "?ended=1")
            checking.end_visit(request, response)
            return response
        try:
            return view(request, visit, *args, **kwargs)
        except KeyUnavailable:
            log.error("reporter's message not stored: no current sealing public key is configured")
            return page(
                request, "reporting/message_not_sent.html", {"back_url": _your_report()}, status=503
            )

    return wrapper


def _your_report(done: str = "") -> str:
    url = reverse("reporting:your_report")
    return f"{url}?done={done}" if done else url


# What the banner on the report's page says after each change (``?done=``).
DONE = {
    "reply": _("Your message has been sent"),
    "added": _("What you added is now part of your report"),
    "contact": _("Your contact details have been changed"),
}


@require_GET
@with_visit
def your_report(request: HttpRequest, visit: checking.Visit) -> HttpResponse:
    """What has happened to the report, and the conversation, for the person who sent it."""
    return _report_page(request, visit)


def _report_page(
    request: HttpRequest, visit: checking.Visit, reply_form: ReplyForm | None = None
) -> HttpResponse:
    turns = conversation.for_reporter(visit)
    done = request.GET.get("done", "")
    return page(
        request,
        "reporting/your_report.html",
        {
            "report": visit.report,
            "progress": checking.progress(
                visit.report, written_to=any(not turn.from_reporter for turn in turns)
            ),
            "turns": turns,
            "contact_now": _contact_now(visit.report, conversation.current_contact(turns)),
            "form": reply_form or ReplyForm(),
            "has_errors": bool(reply_form is not None and reply_form.errors),
            "done": str(DONE[done]) if done in DONE else "",
            "minutes": settings.HAVEN_CHECK_IDLE_SECONDS // 60,
        },
    )


def _contact_now(report: Report, contact: dict[str, str] | None) -> str:
    """How we may reach the reporter now, in their words: what they last gave on their report's
    page (``contact``), else what the report says."""
    if contact is not None:
        if contact.get("contact_choice") != "yes":
            return _("We will contact you only through this page.")
        if contact.get("leave_message") == "yes":
            return _("You have given us a way to contact you. We may leave a message.")
        return _("You have given us a way to contact you. We will not leave a message.")
    if report.contactable:
        return _("You gave us contact details when you sent your report.")
    return _("You did not give contact details, so we can only reach you through this page.")


@require_POST
@with_visit
def reply(request: HttpRequest, visit: checking.Visit) -> HttpResponse:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _report_page(request, visit, form)
    conversation.reply(visit, form.cleaned_data["text"])
    return redirect(_your_report("reply"))


@require_http_methods(["GET", "POST"])
@with_visit
def add_information(request: HttpRequest, visit: checking.Visit) -> HttpResponse:
    """Add to the report: more words, danger now, one more place online."""
    audience = visit.report.audience
    form = AddInformationForm(request.POST or None, audience=audience)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conversation.add_information(
            visit,
            text=data.get("text", ""),
            platforms=[
                {"platform": data.get("platform", ""), "usernames": data.get("usernames", "")}
            ],
            danger_now=data.get("danger_now", ""),
        )
        return redirect(_your_report("added"))
    return page(
        request,
        "reporting/add_information.html",
        {"form": form, "has_errors": bool(form.errors), "back_url": _your_report()},
    )


@require_http_methods(["GET", "POST"])
@with_visit
def change_contact(request: HttpRequest, visit: checking.Visit) -> HttpResponse:
    """Give, change or withdraw a phone number or email, and whether a message may be left:
    the journey's own contact question."""
    audience = visit.report.audience
    # What they gave last, to change; the journey's own answers are sealed to the organisation.
    current = conversation.last_contact(visit)
    form = ContactQuestion(request.POST or None, audience=audience, initial=current or {})
    # They have their code already: the journey's hint about getting one would mislead.
    form.fields["contact_choice"].item_hints = {  # type: ignore[attr-defined]
        "no": _("We will reach you only through your report's page, with your reference and code.")
    }
    form.fields["contact_choice"].help_text = _contact_now(visit.report, current)
    if request.method == "POST" and form.is_valid():
        conversation.change_contact(visit, form.cleaned_data)
        return redirect(_your_report("contact"))
    return page(
        request,
        "reporting/change_contact.html",
        {
            "form": form,
            "has_errors": bool(form.errors),
            "back_url": _your_report(),
            "action": reverse("reporting:change_contact"),
            "button": _("Save"),
        },
    )


@require_POST
def check_sign_out(request: HttpRequest) -> HttpResponse:
    response = redirect("reporting:start")
    checking.end_visit(request, response)
    return response


@require_GET
def lost_code(request: HttpRequest) -> HttpResponse:
    return page(request, "reporting/lost_code.html", {"back_url": reverse("reporting:check")})

"""The public journey over HTTP. Views translate requests; the journey table and services decide."""

from __future__ import annotations

import logging
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

from haven.reporting import drafts, journey, services, summary
from haven.reporting.drafts import DraftExpired, DraftMissing, DraftState
from haven.reporting.models import Audience
from haven.reporting.questions import MAX_PLATFORMS, AudienceForm, PlatformQuestion
from haven.sealing.keystore import KeyUnavailable

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
        if draft.data.get("sent"):
            return redirect("reporting:sent")
        return view(request, draft, *args, **kwargs)

    return wrapper


def resume_url(draft: DraftState) -> str:
    """Where someone coming back to their report should land."""
    assert draft.audience
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
    saved = draft.answers.get(slug)
    if request.method == "POST":
        form = step.form(request.POST, audience=audience)
        if form.is_valid():
            draft.answers[slug] = form.answers()
            drafts.save(draft)
            return redirect(_after(slug, draft, change=change))
    else:
        form = step.form(audience=audience, initial=saved)
    return page(
        request,
        [f"reporting/steps/{slug}.html", "reporting/question.html"],
        {
            "form": form,
            "has_errors": bool(form.errors),
            "back_url": _back(slug, draft, change=change),
            "action": step_url(slug, change=change),
        },
        draft=draft,
    )


def _after(slug: str, draft: DraftState, *, change: bool) -> str:
    assert draft.audience
    info_page = journey.STEPS_BY_SLUG[slug].then(draft.answers)
    if info_page:
        return step_url(info_page, change=change)
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
        },
        draft=draft,
    )


def where(request: HttpRequest, draft: DraftState, *, change: bool) -> HttpResponse:
    """The "add another" page: platforms, each with the usernames seen there."""
    assert draft.audience
    saved = draft.answers.setdefault("where", {"platforms": []})
    platforms: list[dict[str, str]] = saved.setdefault("platforms", [])
    form = PlatformQuestion(audience=draft.audience)
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        if action.startswith("remove-"):
            index = action.removeprefix("remove-")
            if index.isdigit() and int(index) < len(platforms):
                platforms.pop(int(index))
                drafts.save(draft)
            return redirect(step_url("where", change=change))
        form = PlatformQuestion(request.POST, audience=draft.audience)
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
            "has_errors": bool(form.errors),
            "back_url": _back("where", draft, change=change),
            "action": step_url("where", change=change),
        },
        draft=draft,
    )


@require_GET
@with_unsent_draft
def check_answers(request: HttpRequest, draft: DraftState) -> HttpResponse:
    if not journey.ready_to_check(draft.answers):
        return redirect(step_url(journey.REQUIRED_STEP))
    return _check_answers_page(request, draft)


def _check_answers_page(
    request: HttpRequest, draft: DraftState, *, too_fast: bool = False
) -> HttpResponse:
    assert draft.audience
    steps = journey.steps_for(draft.audience, draft.answers)
    return page(
        request,
        "reporting/check_answers.html",
        {
            "sections": summary.sections(draft.audience, draft.answers),
            "too_fast": too_fast,
            "back_url": step_url(steps[-1].slug),
        },
        draft=draft,
    )


@require_POST
@with_draft
def send(request: HttpRequest, draft: DraftState) -> HttpResponse:
    if draft.data.get("sent"):
        return redirect("reporting:sent")
    assert draft.audience
    if not journey.ready_to_check(draft.answers):
        return redirect(step_url(journey.REQUIRED_STEP))
    if draft.answers.get("what-happened", {}).get("website"):
        services.record_refusal("honeypot")
        return page(request, "reporting/not_sent.html", draft=draft, status=400)
    now = timezone.now()
    if (now - draft.created_at).total_seconds() < settings.HAVEN_MIN_FILL_SECONDS:
        return _check_answers_page(request, draft, too_fast=True)
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
        )
    except services.SubmissionRefused as refusal:
        services.record_refusal(refusal.reason)
        return page(request, "reporting/rate_limited.html", draft=draft, status=429)
    except KeyUnavailable:
        log.error("report not sent: no current sealing public key is configured")
        return page(request, "reporting/not_sent.html", draft=draft, status=503)
    # A repeat (followup_code None) records the reference only if the first request has not.
    drafts.record_sent(draft, reference=receipt.report.reference, code=receipt.followup_code)
    return redirect("reporting:sent")


@require_GET
@with_draft
def sent(request: HttpRequest, draft: DraftState) -> HttpResponse:
    receipt = draft.data.get("sent")
    if not receipt:
        return redirect(resume_url(draft))
    code = receipt.get("code")
    if not receipt.get("shown"):
        # Shown once: the code leaves the draft as this page is rendered.
        receipt["code"] = None
        receipt["shown"] = True
        drafts.save(draft)
    return page(
        request,
        "reporting/sent.html",
        {"reference": receipt["reference"], "code": code},
        draft=draft,
    )


@require_POST
def finish(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(reverse("reporting:start"))
    drafts.discard(request, response)
    return response


@require_GET
def timed_out(request: HttpRequest) -> HttpResponse:
    response = page(
        request, "reporting/timed_out.html", {"minutes": settings.HAVEN_DRAFT_IDLE_SECONDS // 60}
    )
    drafts.discard(request, response)
    return response

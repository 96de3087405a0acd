"""The order of the report journey, as data: which questions, for whom, and what comes between.

A step applies to an audience or to earlier answers; after a step, an information page may come
first (the 999 advice after "yes, in danger now"). Views read this table; nothing else decides
what comes next.

Each stored answer names the voice it was given in (``questions.VOICE_KEY``). When the person
changes who they are, or whom the report is about, an answer whose page would now read
differently is *to confirm*, and a question that applies now but did not to whom they said they
were is *new*: both are asked before check answers (``pending_steps``), and an answer is filled
in again only where its question reads exactly as it did (``honest_initial``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from haven.reporting import questions as q
from haven.triage.rules import Audience

Answers = dict[str, dict[str, Any]]


def _always(audience: str, answers: Answers) -> bool:
    return True


def _professional(audience: str, answers: Answers) -> bool:
    return audience == Audience.PROFESSIONAL.value


def _child(audience: str, answers: Answers) -> bool:
    return audience == Audience.CHILD.value


def _answer(answers: Answers, step: str, field: str) -> Any:
    return answers.get(step, {}).get(field)


@dataclass(frozen=True)
class Step:
    slug: str
    form: type[q.Question]
    applies: Callable[[str, Answers], bool] = _always
    # The information page (a slug of INFO_PAGES) to show after this step, if any.
    then: Callable[[Answers], str | None] = lambda answers: None


STEPS: list[Step] = [
    Step("about-whom", q.AboutWhomQuestion, applies=_child),
    Step(
        "safeguarding-policy",
        q.SafeguardingPolicyQuestion,
        applies=_professional,
        then=lambda a: (
            "policy-first"
            if _answer(a, "safeguarding-policy", "policy_followed") == "not_yet"
            else None
        ),
    ),
    Step(
        "already-told",
        q.StatutoryServicesQuestion,
        applies=_professional,
        then=lambda a: (
            "already-reported" if _answer(a, "already-told", "told_statutory") == "yes" else None
        ),
    ),
    Step(
        "danger",
        q.DangerQuestion,
        # Not being sure is reason enough to hear the 999 advice.
        then=lambda a: (
            "call-emergency" if _answer(a, "danger", "danger_now") in ("yes", "unknown") else None
        ),
    ),
    Step(
        "concern",
        q.ConcernQuestion,
        then=lambda a: (
            "other-help" if q.only_out_of_scope(_answer(a, "concern", "concerns") or []) else None
        ),
    ),
    Step("what-happened", q.WhatHappenedQuestion),
    Step("when", q.WhenQuestion),
    Step("where", q.PlatformQuestion),
    Step("child", q.ChildQuestion),
    Step("person", q.PersonQuestion),
    Step("your-organisation", q.OrganisationQuestion, applies=_professional),
    Step("contact", q.ContactQuestion),
]
STEPS_BY_SLUG = {step.slug: step for step in STEPS}

# Information pages shown between questions; each says what it is for and lets the person go on.
INFO_PAGES = {
    "policy-first": "reporting/info_policy_first.html",
    "already-reported": "reporting/info_already_reported.html",
    "call-emergency": "reporting/info_call_emergency.html",
    "other-help": "reporting/info_other_help.html",
}
# The step each information page follows, for its back link.
INFO_AFTER = {
    "policy-first": "safeguarding-policy",
    "already-reported": "already-told",
    "call-emergency": "danger",
    "other-help": "concern",
}

REQUIRED_STEP = "what-happened"


def steps_for(audience: str, answers: Answers) -> list[Step]:
    return [step for step in STEPS if step.applies(audience, answers)]


def next_after(slug: str, audience: str, answers: Answers) -> str | None:
    """The slug of the question after ``slug`` for this person, or None at the end.

    While some questions are pending (new, or to confirm after a change), the next is the
    first of those.
    """
    pending = [s for s in pending_steps(audience, answers) if s != slug]
    if pending:
        return pending[0]
    slugs = [step.slug for step in steps_for(audience, answers)]
    if slug not in slugs:
        return slugs[0] if slugs else None
    index = slugs.index(slug)
    return slugs[index + 1] if index + 1 < len(slugs) else None


def previous_before(slug: str, audience: str, answers: Answers) -> str | None:
    slugs = [step.slug for step in steps_for(audience, answers)]
    if slug not in slugs or slugs.index(slug) == 0:
        return None
    return slugs[slugs.index(slug) - 1]


def first_step(audience: str) -> str:
    return steps_for(audience, {})[0].slug


def ready_to_check(answers: Answers) -> bool:
    return bool(_answer(answers, REQUIRED_STEP, "what_happened"))


# --- Voices: whose words each answer was given in -----------------------------------------------


def voice(audience: str, answers: Answers) -> str:
    """The voice the pages speak in now, for this audience and these answers."""
    return q.voice_for(audience, _answer(answers, "about-whom", "about_whom"))


def form_for(step: Step, voice: str, *args: Any, **kwargs: Any) -> q.Question:
    """The step's form in ``voice`` (bound when given data, as a form is)."""
    return step.form(*args, audience=q.audience_of(voice), voice=voice, **kwargs)


def given_voice(audience: str, answers: Answers, slug: str) -> str:
    """The voice the answer to ``slug`` was given in.

    An answer that does not say (one stored before voices were recorded, or the "where" list)
    is taken as given in the current voice.
    """
    recorded = answers.get(slug, {}).get(q.VOICE_KEY)
    return recorded if recorded in q.VOICES else voice(audience, answers)


def _reading(step: Step, voice: str, given: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    form = form_for(step, voice)
    return (form.title(), form.rows(given))


def to_confirm(audience: str, answers: Answers) -> list[str]:
    """The answered steps whose answers would now read differently from how they were given."""
    now = voice(audience, answers)
    out = []
    for step in steps_for(audience, answers):
        if step.slug not in answers:
            continue
        then = given_voice(audience, answers, step.slug)
        given = answers[step.slug]
        if then != now and _reading(step, then, given) != _reading(step, now, given):
            out.append(step.slug)
    return out


def not_yet_asked(audience: str, answers: Answers) -> list[str]:
    """The unanswered steps that apply now but not to whom the person said they were before.

    A parent who becomes a professional is new to the safeguarding questions; a question
    someone simply has not reached yet is not counted.
    """
    before = {
        q.audience_of(given[q.VOICE_KEY])
        for given in answers.values()
        if isinstance(given, dict) and given.get(q.VOICE_KEY) in q.VOICES
    } - {audience}
    return [
        step.slug
        for step in steps_for(audience, answers)
        if step.slug not in answers and any(not step.applies(old, answers) for old in before)
    ]


def pending_steps(audience: str, answers: Answers) -> list[str]:
    """The steps to go through before check answers, in journey order."""
    waiting = set(to_confirm(audience, answers)) | set(not_yet_asked(audience, answers))
    return [step.slug for step in steps_for(audience, answers) if step.slug in waiting]


def honest_initial(step: Step, audience: str, answers: Answers) -> dict[str, Any]:
    """The saved answer to pre-fill ``step`` with, keeping only what still reads the same.

    An answer given in another voice is kept field by field, where the field's row (its question
    and the words of its answer) is the same in both voices: "How old are you?" is never offered
    as the answer to "How old is the child?".
    """
    saved = dict(answers.get(step.slug, {}))
    now = voice(audience, answers)
    then = given_voice(audience, answers, step.slug)
    if then == now:
        return saved
    old, new = form_for(step, then), form_for(step, now)
    return {
        name: value
        for name, value in saved.items()
        if name in old.fields
        and name in new.fields
        and old.row(name, saved) == new.row(name, saved)
    }

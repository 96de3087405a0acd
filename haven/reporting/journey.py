"""The order of the report journey, as data: which questions, for whom, and what comes between.

A step applies to an audience or to earlier answers; after a step, an information page may come
first (the 999 advice after "yes, in danger now"). Views read this table; nothing else decides
what comes next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from haven.reporting import questions as q
from haven.reporting.models import Audience

Answers = dict[str, dict[str, Any]]


def _always(audience: str, answers: Answers) -> bool:
    return True


def _professional(audience: str, answers: Answers) -> bool:
    return audience == Audience.PROFESSIONAL.value


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
        then=lambda a: "call-emergency" if _answer(a, "danger", "danger_now") == "yes" else None,
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
    """The slug of the question after ``slug`` for this person, or None at the end."""
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

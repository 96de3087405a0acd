"""The triage policy, as data: what raises a report's priority, and how fast it must be seen.

Defaults follow DOMAIN.md §4. Each rule is one plain sentence an advisor reads as a reason; the
narrative rules look for strong signs in the reporter's own words that the ticked answers may
have missed. Bands and time targets can be overridden by configuration (HAVEN_TRIAGE_BANDS,
HAVEN_TIME_TARGETS); the rules themselves change only here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    P1 = "P1", _("P1 immediate")
    P2 = "P2", _("P2 urgent")
    P3 = "P3", _("P3 standard")
    P4 = "P4", _("P4 below threshold")


IN_SCOPE_CONCERNS = frozenset(
    {
        "asked_for_images",
        "sexual_messages",
        "threats_or_money",
        "wants_to_meet",
        "images_shared",
        "something_else",
    }
)
# Out-of-scope concerns in the order their signposting is preferred when several are ticked.
OUT_OF_SCOPE_CONCERNS = ("bullying", "fake_account", "hacked_account")


# Short names of the concerns a reporter can tick, for staff pages.
CONCERN_LABELS: dict[str, str | Promise] = {
    "asked_for_images": _("Asked for images"),
    "sexual_messages": _("Sexual messages"),
    "threats_or_money": _("Threats or money"),
    "wants_to_meet": _("Wants to meet"),
    "images_shared": _("Images shared"),
    "something_else": _("Something else"),
    "bullying": _("Bullying"),
    "fake_account": _("Fake account"),
    "hacked_account": _("Hacked account"),
}


@dataclass(frozen=True)
class Inputs:
    """What triage reads: the report's plaintext triage columns and, at submission, the narrative."""

    audience: str
    concerns: frozenset[str]
    danger_now: str = "unknown"
    child_age_band: str = "unknown"
    several_children: str = "unknown"
    person_adult: str = "unknown"
    works_with_children: str = "unknown"
    narrative: str = ""


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")", re.IGNORECASE)


# Strong signs in the narrative. Word-start matches, so "suicid" finds "suicidal" and "suicide".
SELF_HARM = _words(
    r"self[- ]?harm",
    r"suicid",
    r"kill (?:my|him|her|them)sel",
    r"hurt(?:ing)? (?:my|him|her|them)sel",
    r"end (?:my|his|her|their) life",
    r"cutting (?:my|him|her|them)sel",
)
MISSING = _words(
    r"missing",
    r"ran away",
    r"run(?:ning)? away",
    r"(?:has|hasn't|has not|didn't|did not) come home",
    r"not come home",
    r"can'?t find (?:her|him|them)",
)
MEETING_SOON = _words(
    r"on (?:his|her|their|the) way",
    r"coming to (?:my|our|her|his|their) (?:house|home|school)",
    r"(?:meet|meeting)\w* (?:\w+ ){0,6}(?:today|tonight|tomorrow|this (?:evening|afternoon|weekend)|after school|at the)",
)
WITH_THEM_NOW = _words(
    r"with (?:him|her|them) (?:now|right now)", r"is with (?:him|her|them)", r"gone to meet"
)
MONEY_THREATS = _words(
    r"pay (?:him|her|them|me|us|up|\d|£)",
    r"payment",
    r"money",
    r"bitcoin",
    r"gift ?card",
    r"unless (?:i|you|he|she|they)",
    r"or (?:i|he|she|they)(?:'ll| will) (?:post|share|send|leak)",
    r"blackmail",
    r"threaten",
)
SEXUAL = _words(
    r"sex",
    r"nude",
    r"naked",
    r"explicit",
    r"intimate",
    r"private (?:pictures|photos|parts)",
    r"send (?:me )?(?:pics|pictures|photos)",
    r"groom",
)


@dataclass(frozen=True)
class Rule:
    code: str
    priority: Priority
    reason: str | Promise
    applies: Callable[[Inputs], bool]


def _ticked(concern: str) -> Callable[[Inputs], bool]:
    return lambda i: concern in i.concerns


# The rules, most urgent first. A report takes the most urgent band among the rules that apply.
RULES: tuple[Rule, ...] = (
    Rule(
        "danger_now",
        Priority.P1,
        _("The reporter says a child is in danger right now"),
        lambda i: i.danger_now == "yes",
    ),
    Rule(
        "narrative_self_harm",
        Priority.P1,
        _("The narrative mentions self-harm or suicidal feelings"),
        lambda i: bool(SELF_HARM.search(i.narrative)),
    ),
    Rule(
        "narrative_missing",
        Priority.P1,
        _("The narrative mentions a child who is missing or has run away"),
        lambda i: bool(MISSING.search(i.narrative)),
    ),
    Rule(
        "narrative_with_them",
        Priority.P1,
        _("The narrative says the child may be with the person now"),
        lambda i: bool(WITH_THEM_NOW.search(i.narrative)),
    ),
    Rule(
        "narrative_meeting_soon",
        Priority.P1,
        _("The narrative says a meeting has been arranged or may happen soon"),
        lambda i: bool(MEETING_SOON.search(i.narrative)),
    ),
    Rule(
        "threats_or_money",
        Priority.P2,
        _("Someone is threatening the child or demanding money (possible sextortion)"),
        _ticked("threats_or_money"),
    ),
    Rule(
        "narrative_threats",
        Priority.P2,
        _("The narrative mentions threats or demands for money"),
        lambda i: bool(MONEY_THREATS.search(i.narrative)),
    ),
    Rule(
        "images_shared",
        Priority.P2,
        _("Sexual images of the child have already been shared"),
        _ticked("images_shared"),
    ),
    Rule(
        "wants_to_meet", Priority.P2, _("Someone wants to meet the child"), _ticked("wants_to_meet")
    ),
    Rule(
        "under_13",
        Priority.P2,
        _("The child is under 13"),
        lambda i: i.child_age_band == "under_13",
    ),
    Rule(
        "several_children",
        Priority.P2,
        _("More than one child may be involved"),
        lambda i: i.several_children == "yes",
    ),
    Rule(
        "works_with_children",
        Priority.P2,
        _("The person of concern works with children (consider the LADO)"),
        lambda i: i.works_with_children == "yes",
    ),
    Rule(
        "adult_asked_for_images",
        Priority.P2,
        _("An adult has asked the child for sexual images"),
        lambda i: "asked_for_images" in i.concerns and i.person_adult == "yes",
    ),
)

# Rules that keep their band even when the report is out of scope: a child's immediate safety.
LIFE_SAFETY = frozenset(
    {"danger_now", "narrative_self_harm", "narrative_missing", "narrative_with_them"}
)


@dataclass(frozen=True)
class Target:
    """How soon something must happen: minutes, or working days (weekends and holidays skipped)."""

    minutes: int = 0
    working_days: int = 0

    @classmethod
    def parse(cls, text: str) -> Target:
        match = re.fullmatch(r"\s*(\d+)\s*(m|h|wd)\s*", text)
        if not match:
            raise ValueError(f"time target {text!r} must look like 15m, 4h or 2wd")
        number, unit = int(match.group(1)), match.group(2)
        if unit == "wd":
            return cls(working_days=number)
        return cls(minutes=number * (60 if unit == "h" else 1))

    @property
    def delta(self) -> timedelta | None:
        return timedelta(minutes=self.minutes) if not self.working_days else None


# First read by an advisor, and first contact with the reporter (None: no contact target).
TIME_TARGETS: dict[str, dict[str, Target | None]] = {
    Priority.P1: {"first_read": Target(minutes=15), "first_contact": Target(minutes=60)},
    Priority.P2: {"first_read": Target(minutes=60), "first_contact": Target(minutes=240)},
    Priority.P3: {"first_read": Target(working_days=1), "first_contact": Target(working_days=2)},
    Priority.P4: {"first_read": Target(working_days=2), "first_contact": None},
}

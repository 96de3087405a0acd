"""Triage: scope, priority and the reasons for them, computed from the policy in rules.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.triage.narrative import says
from haven.triage.rules import (
    IN_SCOPE_CONCERNS,
    LIFE_SAFETY,
    OUT_OF_SCOPE_CONCERNS,
    RULES,
    SEXUAL,
    TIME_TARGETS,
    Inputs,
    Priority,
    Rule,
    Target,
    adult_about_themself,
)

ORDER: list[str] = [p.value for p in Priority]


@dataclass(frozen=True)
class Reason:
    code: str
    priority: str
    text: str


@dataclass(frozen=True)
class Assessment:
    scope: str  # "in" or "out"
    out_category: str  # "" when in scope
    priority: str
    reasons: list[Reason] = field(default_factory=list)


def _bands() -> dict[str, str]:
    """Rule code → band: the defaults, with HAVEN_TRIAGE_BANDS (parsed by settings) over them."""
    return {rule.code: rule.priority.value for rule in RULES} | settings.HAVEN_TRIAGE_BANDS


def scope_of(inputs: Inputs) -> tuple[str, str, list[Reason]]:
    """In or out of scope, the out-of-scope category, and why.

    Rules, in order:
    - an adult writing about themself (their own childhood, their own images) with nothing
      saying a child is at risk now is out, whatever was ticked (rules.adult_about_themself);
    - the person harmed is now an adult and no in-scope concern was ticked: out ("adult");
    - any in-scope concern ticked, or nothing ticked: in;
    - only out-of-scope concerns ticked: out, unless the narrative says something sexual
      (not negated: "nothing sexual has been said" keeps it out).
    """
    ticked_in = inputs.concerns & IN_SCOPE_CONCERNS
    ticked_out = [c for c in OUT_OF_SCOPE_CONCERNS if c in inputs.concerns]
    adult = adult_about_themself(inputs)
    if adult is not None:
        return "out", adult.code, [Reason(adult.code, adult.priority.value, str(adult.reason))]
    if inputs.child_age_band == "18_plus" and not ticked_in:
        return (
            "out",
            "adult",
            [Reason("adult", Priority.P4, str(_("The person harmed is now an adult")))],
        )
    if ticked_in or not ticked_out:
        return "in", "", []
    if says(inputs.reading, SEXUAL):
        return (
            "in",
            "",
            [
                Reason(
                    "narrative_sexual",
                    Priority.P3,
                    str(
                        _(
                            "Only out-of-scope concerns were ticked, but the narrative mentions something sexual"
                        )
                    ),
                )
            ],
        )
    labels = {
        "bullying": _("bullying"),
        "fake_account": _("a fake account"),
        "hacked_account": _("a hacked account"),
    }
    text = _("Out of scope: the report is about %(what)s only") % {"what": labels[ticked_out[0]]}
    return "out", ticked_out[0], [Reason("out_of_scope", Priority.P4, str(text))]


def assess(inputs: Inputs) -> Assessment:
    """Apply every rule; the report takes the most urgent band among those that apply.

    Rules:
    - scope as ``scope_of`` decides;
    - out of scope gives P4, except that the life-safety rules (danger now, self-harm, missing,
      with the person now) keep their band whatever the scope;
    - in scope with no raising rule is P3 ("other grooming or sexual-abuse concerns");
    - every rule that applied is a reason, most urgent first.
    """
    scope, out_category, reasons = scope_of(inputs)
    bands = _bands()
    applied: list[tuple[Rule, str]] = [
        (rule, bands[rule.code]) for rule in RULES if rule.applies(inputs)
    ]
    if scope == "out":
        applied = [(rule, band) for rule, band in applied if rule.code in LIFE_SAFETY]
    reasons = [Reason(rule.code, band, str(rule.reason)) for rule, band in applied] + reasons
    default = Priority.P3.value if scope == "in" else Priority.P4.value
    priority = min([band for __, band in applied] + [default], key=ORDER.index)
    if scope == "in" and not reasons:
        reasons.append(
            Reason(
                "standard",
                Priority.P3,
                str(_("A grooming or sexual abuse concern with no urgent factor")),
            )
        )
    reasons.sort(key=lambda r: ORDER.index(r.priority))
    return Assessment(scope=scope, out_category=out_category, priority=priority, reasons=reasons)


# --- Time targets ----------------------------------------------------------------------------


def _targets() -> dict[str, dict[str, Target | None]]:
    """The time targets: the defaults, with HAVEN_TIME_TARGETS (parsed by settings) over them."""
    overrides = settings.HAVEN_TIME_TARGETS
    return {band: values | overrides.get(band, {}) for band, values in TIME_TARGETS.items()}


def _holidays() -> frozenset[datetime.date]:
    return settings.HAVEN_BANK_HOLIDAYS


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays()


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """``days`` working days after ``start``, at the same local time of day.

    Something received on a weekend or holiday starts its clock at midnight of the next working
    day, so a Saturday report is due by the end of Monday under a one-working-day target.
    """
    local = timezone.localtime(start)
    if not is_working_day(local.date()):
        day = local.date()
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
        local = timezone.make_aware(datetime.datetime.combine(day, datetime.time()), local.tzinfo)
    day, remaining = local.date(), days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    naive = datetime.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def due_at(*, priority: str, received_at: datetime.datetime, what: str) -> datetime.datetime | None:
    """When the target ``what`` (a ``TargetName``) is due for a case of this priority, or None.

    The clock starts at ``received_at``: the report's receipt, or the moment a closed case was
    reopened (its targets then start again).
    """
    target = _targets()[priority][what]
    if target is None:
        return None
    if target.working_days:
        return add_working_days(received_at, target.working_days)
    return received_at + datetime.timedelta(minutes=target.minutes)

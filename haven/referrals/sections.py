"""The sections of a referral, as a children's social care referral is usually laid out (see
docs/ARCHITECTURE.md, "Referrals"), and what each is pre-filled with from the sealed report and
the case's work.

The advisor edits every section's words and chooses, section by section, what is shared. The
referrer is always shared (an agency must know who is asking); the reporter's identity is
withheld unless the advisor gives a reason to include it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Case
from haven.cases.services import open_text
from haven.reporting import summary
from haven.triage.rules import Audience


@dataclass(frozen=True)
class Section:
    slug: str
    title: Promise
    hint: Promise
    # Shared unless the advisor unticks it (the referrer cannot be unticked).
    shared_by_default: bool = True


REFERRER = "referrer"
REPORTER = "reporter"

SECTIONS: tuple[Section, ...] = (
    Section(
        REFERRER,
        _("Who is referring"),
        _("Your name, role, organisation and a secure way to reach you."),
    ),
    Section(
        "child",
        _("The child"),
        _(
            "Names and any other names used, age or date of birth, gender, address or area, "
            "school, first language and whether an interpreter is needed."
        ),
    ),
    Section("household", _("The household"), _("Who the child lives with, and who else matters.")),
    Section(
        "parents",
        _("Whether parents or carers know"),
        _("Whether they know or have agreed to this referral, and if not, why not."),
    ),
    Section("child_words", _("The child's own words"), _("What the child said, as they said it.")),
    Section(
        "confidential",
        _("What must stay confidential from the family"),
        _("For example, that the child told us, or where the child is now."),
    ),
    Section(
        "concern",
        _("The concern and why now"),
        _("What happened, where online, when, and why you are referring now."),
    ),
    Section(
        "person",
        _("The person of concern"),
        _("Names, usernames, and whether they are an adult or work with children."),
    ),
    Section(
        "done",
        _("What has been done"),
        _("Contact with the reporter, safety planning, advice given."),
    ),
    Section("agencies", _("Other agencies involved"), _("Who else knows, with their references.")),
    Section(
        "urgency",
        _("How urgent it is"),
        _("The priority and what makes it so."),
    ),
    Section(
        REPORTER,
        _("The reporter's identity"),
        _(
            "Who made the report and how to reach them. Withheld unless you give a reason: "
            "sharing it could put them at risk."
        ),
        shared_by_default=False,
    ),
)
BY_SLUG = {s.slug: s for s in SECTIONS}
SLUGS = tuple(BY_SLUG)

# The journey's pages each section is pre-filled from, in order.
_FROM_REPORT: dict[str, tuple[str, ...]] = {
    "child": ("child",),
    "concern": ("danger", "concern", "what-happened", "when", "where"),
    "person": ("person",),
    "agencies": ("already-told",),
    REPORTER: ("about-whom", "your-organisation", "contact"),
}


def _rows(report_sections: Iterable[summary.Section], steps: tuple[str, ...]) -> str:
    """The report's answers on ``steps``, a line each ("Question? Answer"); a question the
    reporter left unanswered is left out, as the agency needs only what is known."""
    by_step = {s.slug: s for s in report_sections}
    unanswered = gettext("Not answered")
    lines = [
        f"{row.key} {row.value}" if row.key.endswith(("?", ":")) else f"{row.key}: {row.value}"
        for step in steps
        if step in by_step
        for row in by_step[step].rows
        if row.value and row.value != unanswered
    ]
    return "\n".join(lines)


def prefill(*, case: Case, audience: str, answers: dict[str, Any], referrer: str) -> dict[str, str]:
    """Every section's starting words, from the opened report (``answers``, the journey's shape)
    and the case's own record. Sections with nothing to start from are empty."""
    report_sections = summary.sections(audience, answers)
    words: dict[str, str] = {slug: "" for slug in SLUGS}
    for slug, steps in _FROM_REPORT.items():
        words[slug] = _rows(report_sections, steps)
    if audience == Audience.CHILD:
        narrative = str(answers.get("what-happened", {}).get("what_happened") or "").strip()
        if narrative:
            words["child_words"] = f"\u201c{narrative}\u201d"
    sent_by = gettext("Sent by: %(who)s") % {"who": Audience(audience).label}
    words[REPORTER] = "\n".join(line for line in (sent_by, words[REPORTER]) if line)
    words[REFERRER] = referrer
    words["urgency"] = "\n".join(
        [f"{case.priority}"] + [str(r.get("text", "")) for r in case.reasons if isinstance(r, dict)]
    )
    words["done"] = _done(case)
    return words


def _done(case: Case) -> str:
    lines = [
        f"{a.at:%d %B %Y}: {a.get_method_display()}, {a.get_outcome_display()}"
        for a in case.contact_attempts.order_by("at")
    ]
    lines += [
        str(_("Safety plan: %(action)s")) % {"action": open_text(case, s.key_id, s.sealed)}
        for s in case.safety_actions.order_by("created_at")
    ]
    return "\n".join(lines)

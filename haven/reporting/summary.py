"""Answers as summary rows: the check-answers page and the staff view both read them here.

Each page's answers are shown in the voice they were given in, so an answer is never shown under
a question it was not asked as ("How old are you?" never becomes "How old is the child?").
Reports stored before voices were recorded read in their audience's voice, as they were asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from haven.reporting import journey


@dataclass
class Row:
    key: str
    value: str


@dataclass
class Section:
    slug: str
    title: str
    rows: list[Row] = field(default_factory=list)


def sections(audience: str, answers: journey.Answers) -> list[Section]:
    """One section per question page that applies, in journey order."""
    out: list[Section] = []
    for step in journey.steps_for(audience, answers):
        voice = journey.given_voice(audience, answers, step.slug)
        form = journey.form_for(step, voice)
        given = answers.get(step.slug, {})
        out.append(
            Section(
                slug=step.slug,
                title=form.title(),
                rows=[Row(key=key, value=value) for key, value in form.rows(given)],
            )
        )
    return out

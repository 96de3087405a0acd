"""Triage reads the narrative as an advisor would: negation, time, blackmail, images shared,
a child with the person, adults writing about themselves, and the near misses of each."""

import json
from pathlib import Path

import pytest

from haven.triage import narrative
from haven.triage.rules import RULES, Inputs
from haven.triage.services import assess
from tests.test_triage import inputs

CASES = json.loads((Path(__file__).parent / "data" / "triage-narratives.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_each_written_case_gets_its_scope_priority_and_reasons(case):
    given = {k: v for k, v in case.items() if k not in ("id", "expected", "why")}
    result = assess(inputs(**given))
    expected = case["expected"]
    assert (result.scope, result.out_category, result.priority) == (
        expected["scope"],
        expected["out_category"],
        expected["priority"],
    ), case["why"]
    assert [r.code for r in result.reasons] == expected["reasons"], case["why"]


def test_there_are_at_least_thirty_written_cases_each_with_a_why():
    assert len(CASES) >= 30
    assert all(c["why"].strip() for c in CASES)
    assert len({c["id"] for c in CASES}) == len(CASES)


def test_every_reason_an_advisor_reads_is_a_plain_sentence():
    texts = [str(rule.reason) for rule in RULES]
    for case in CASES:
        texts += [r.text for r in assess(inputs(**_given(case))).reasons]
    for text in texts:
        assert text[0].isupper(), text
        assert "_" not in text and "  " not in text and text == text.strip(), text
        assert len(text.split()) >= 4, text
        assert not text.endswith("."), text  # the staff pages list reasons without full stops


def _given(case):
    return {k: v for k, v in case.items() if k not in ("id", "expected", "why")}


# --- the negation layer ---


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("nothing sexual has been said", "sexual"),
        ("he has not asked for photos", "asked for photos"),
        ("she never asked to meet", "asked to meet"),
        ("he hasn't threatened her", "threatened"),
        ("he hasnt threatened her", "threatened"),
        ("there are no nude photos", "nude"),
        ("she didn\u2019t say he wanted money", "money"),
    ],
)
def test_a_negator_a_few_words_before_the_phrase_negates_it(text, phrase):
    clause = narrative.normalise(text)
    assert narrative.negated(clause, clause.index(phrase))


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("he asked for photos", "asked for photos"),
        ("i'm not sure if she is self-harming", "self-harming"),
        ("i don't know if he asked for photos", "asked for photos"),
        ("he never stops asking for photos", "asking for photos"),
        ("he told her not to tell anyone they are meeting", "meeting"),
        ("if she doesn't send more he will post them", "send more"),
        ("not only did he ask for photos", "ask for photos"),
        ("he did not reply for a week and then he asked for photos", "asked for photos"),
    ],
)
def test_uncertainty_conditions_and_far_negators_do_not_negate(text, phrase):
    clause = narrative.normalise(text)
    assert not narrative.negated(clause, clause.index(phrase))


def test_a_negation_does_not_cross_into_the_next_clause_or_sentence():
    reading = narrative.read("She doesn't want to meet him, but he says he is meeting her tonight.")
    pattern = narrative.compile_words(r"meeting her")
    assert narrative.says(reading, pattern)
    reading = narrative.read("He never asked. Send me nudes, he wrote.")
    assert narrative.says(reading, narrative.compile_words(r"nudes"))


# --- the time-expression layer ---


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("we could meet on Friday", ["on friday"]),
        ("see you tomorrow", ["tomorrow"]),
        ("tonight after school", ["tonight", "after school"]),
        ("next week at the park", ["next week"]),
        ("at the weekend", ["at the weekend"]),
        ("on the 14th", ["on the 14th"]),
        ("on 14/12", ["14/12"]),
        ("14th December", ["14th december"]),
        ("December 14", ["december 14"]),
        ("at 4pm", ["at 4pm"]),
        ("at 7:30", ["at 7:30"]),
        ("in an hour", ["in an hour"]),
        ("this evening", ["this evening"]),
        ("soon", ["soon"]),
    ],
)
def test_time_expressions_that_make_a_meeting_soon_are_found(text, found):
    assert narrative.time_expressions(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "last Friday he sent messages",
        "she has not been home since Tuesday",
        "every Saturday she swims",
        "as soon as I found out I reported it",
        "when she was 13",
        "she may be scared",
        "at the park",
    ],
)
def test_past_habitual_and_non_time_phrases_are_not_time_expressions(text):
    assert narrative.time_expressions(text) == []


# --- hostile narratives stay fast and harmless ---

HOSTILE = {
    "not-not-not": "not " * 2500,
    "negated-signs": "not nude not money not meet tomorrow " * 270,
    "one-long-word": "a" * 10_000,
    "long-words": ("b" * 39 + " ") * 250,
    "nul-bytes": "nude\x00photos\x00" * 800,
    "unicode": "\uff4e\uff55\uff44\uff45 \U0001f642 \u00e9\u200bmeet\u200b tomorrow \u03a9 " * 400,
    "no-spaces-punctuation": ".,;:!?" * 1700,
    "gaps": ("he will send " + "the " * 5 + "x ") * 450,
    "images-then-words": "photos " * 1430,
    "apostrophes": "'" * 10_000,
    "digits": "14/12/ " * 1400,
    "one-letter-a-line": "a\n" * 5000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_ten_thousand_character_narrative_is_assessed_harmlessly(text):
    # How long these take is measured by benchmarks/submission.py (docs/PERFORMANCE.md, the
    # triage rows), not here: no test in the suite is timed. A regex that backtracks on one of
    # these would still show as a test that never ends.
    text = text[:10_000]
    for audience in ("child", "parent", "member_of_public"):
        result = assess(
            Inputs(audience=audience, concerns=frozenset({"something_else"}), narrative=text)
        )
        assert result.priority in ("P1", "P2", "P3", "P4")
        assert result.reasons and all(reason.text for reason in result.reasons)


def test_invisible_characters_and_full_width_letters_do_not_hide_a_sign():
    reading = narrative.read(
        "\uff53\uff48\uff45 is with \uff48\uff49\uff4d now; he said k\u200bill herself"
    )
    assert narrative.says(reading, narrative.compile_words(r"is with him now"))
    assert narrative.says(reading, narrative.compile_words(r"kill herself"))

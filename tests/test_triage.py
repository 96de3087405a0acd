"""Triage policy: each factor, their combinations, scope, and the synthetic scenarios."""

import datetime
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from haven.triage.rules import Inputs, Target
from haven.triage.services import add_working_days, assess, due_at

SCENARIOS = json.loads((Path(__file__).parent / "data" / "triage-examples.json").read_text())
LONDON = ZoneInfo("Europe/London")


def inputs(**kw):
    yes_no = {True: "yes", False: "no", None: "unknown"}
    if isinstance(kw.get("danger_now"), bool):
        kw["danger_now"] = yes_no[kw["danger_now"]]
    if isinstance(kw.get("works_with_children"), bool):
        kw["works_with_children"] = yes_no[kw["works_with_children"]]
    if isinstance(kw.get("several_children"), bool):
        kw["several_children"] = yes_no[kw["several_children"]]
    age = kw.pop("child_age", None)
    if age is not None:
        kw["child_age_band"] = (
            "under_13" if age < 13 else "13_15" if age < 16 else "16_17" if age < 18 else "18_plus"
        )
    kw["concerns"] = frozenset(kw.get("concerns", []))
    kw.setdefault("audience", "parent")
    return Inputs(**kw)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_the_synthetic_scenarios_get_the_expected_scope_priority_and_reason(scenario):
    given = {k: v for k, v in scenario.items() if k not in ("id", "expected")}
    result = assess(inputs(**given))
    expected = scenario["expected"]
    assert result.scope == expected["scope"]
    assert result.priority == expected["priority"]
    if "out_category" in expected:
        assert result.out_category == expected["out_category"]
    reasons = " ".join(r.text.lower() for r in result.reasons)
    for word in expected.get("must_reason", []):
        assert word.lower() in reasons, (word, reasons)


@pytest.mark.parametrize(
    ("given", "priority", "reason"),
    [
        ({"danger_now": "yes"}, "P1", "The reporter says a child is in danger right now"),
        (
            {"narrative": "She said she wants to kill herself"},
            "P1",
            "The narrative mentions self-harm or suicidal feelings",
        ),
        (
            {"narrative": "He has been self-harming since"},
            "P1",
            "The narrative mentions self-harm or suicidal feelings",
        ),
        (
            {"narrative": "My daughter is missing since last night"},
            "P1",
            "The narrative mentions a child who is missing or has run away",
        ),
        (
            {"narrative": "I think she is with him now"},
            "P1",
            "The narrative says the child may be with the person now",
        ),
        (
            {"narrative": "They plan to meet tonight"},
            "P1",
            "The narrative says a meeting has been arranged or may happen soon",
        ),
        (
            {"concerns": ["threats_or_money"]},
            "P2",
            "Someone is threatening the child or demanding money (possible sextortion)",
        ),
        (
            {"narrative": "He said pay him or he will share it"},
            "P2",
            "The narrative mentions threats or demands for money",
        ),
        (
            {"concerns": ["images_shared"]},
            "P2",
            "Sexual images of the child have already been shared",
        ),
        ({"concerns": ["wants_to_meet"]}, "P2", "Someone wants to meet the child"),
        ({"child_age_band": "under_13"}, "P2", "The child is under 13"),
        ({"several_children": "yes"}, "P2", "More than one child may be involved"),
        (
            {"works_with_children": "yes"},
            "P2",
            "The person of concern works with children (consider the LADO)",
        ),
        (
            {"concerns": ["asked_for_images"], "person_adult": "yes"},
            "P2",
            "An adult has asked the child for sexual images",
        ),
        (
            {"concerns": ["sexual_messages"]},
            "P3",
            "A grooming or sexual abuse concern with no urgent factor",
        ),
        ({}, "P3", "A grooming or sexual abuse concern with no urgent factor"),
    ],
)
def test_each_factor_sets_its_band_and_says_why(given, priority, reason):
    result = assess(inputs(**given))
    assert result.scope == "in"
    assert result.priority == priority
    assert result.reasons[0].text == reason


def test_a_report_takes_the_most_urgent_band_and_lists_every_reason_most_urgent_first():
    result = assess(inputs(danger_now="yes", concerns=["images_shared"], child_age_band="under_13"))
    assert result.priority == "P1"
    assert [r.code for r in result.reasons] == ["danger_now", "images_shared", "under_13"]


def test_an_adult_asking_for_images_needs_both_signs():
    assert assess(inputs(concerns=["asked_for_images"], person_adult="unknown")).priority == "P3"
    assert assess(inputs(person_adult="yes")).priority == "P3"


@pytest.mark.parametrize(
    ("concern", "category"),
    [
        ("bullying", "bullying"),
        ("fake_account", "fake_account"),
        ("hacked_account", "hacked_account"),
    ],
)
def test_only_out_of_scope_concerns_are_p4_with_their_category(concern, category):
    result = assess(
        inputs(concerns=[concern], child_age_band="under_13", works_with_children="yes")
    )
    assert (result.scope, result.out_category, result.priority) == ("out", category, "P4")
    assert [r.code for r in result.reasons] == ["out_of_scope"]


def test_out_of_scope_with_a_sexual_concern_ticked_is_in_scope():
    result = assess(inputs(concerns=["bullying", "sexual_messages"]))
    assert (result.scope, result.priority) == ("in", "P3")


def test_out_of_scope_ticks_with_a_sexual_narrative_are_in_scope_and_say_why():
    result = assess(
        inputs(
            concerns=["fake_account"], narrative="The fake profile keeps asking her for nude photos"
        )
    )
    assert result.scope == "in"
    assert "the narrative mentions something sexual" in result.reasons[-1].text


def test_out_of_scope_keeps_life_safety_factors():
    result = assess(
        inputs(concerns=["bullying"], danger_now="yes", narrative="he talks about suicide")
    )
    assert (result.scope, result.priority) == ("out", "P1")
    assert [r.code for r in result.reasons] == ["danger_now", "narrative_self_harm", "out_of_scope"]


def test_a_person_now_adult_is_out_of_scope():
    result = assess(inputs(child_age_band="18_plus"))
    assert (result.scope, result.out_category, result.priority) == ("out", "adult", "P4")


def test_bands_can_be_overridden_by_configuration(settings):
    settings.HAVEN_TRIAGE_BANDS = {"under_13": "P1"}
    assert assess(inputs(child_age_band="under_13")).priority == "P1"


def test_innocent_words_do_not_raise_the_priority():
    result = assess(
        inputs(
            concerns=["sexual_messages"],
            narrative="Please pay attention to the messages she got. Her teacher is Mr Sussex.",
        )
    )
    assert result.priority == "P3"


# --- time targets ---


def at(y, m, d, hh=0, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LONDON)


def test_minute_targets_for_p1_and_p2():
    received = at(2026, 11, 28, 10, 0)
    assert due_at(priority="P1", received_at=received, what="first_read") == at(
        2026, 11, 28, 10, 15
    )
    assert due_at(priority="P1", received_at=received, what="first_contact") == at(
        2026, 11, 28, 11, 0
    )
    assert due_at(priority="P2", received_at=received, what="first_read") == at(2026, 11, 28, 11, 0)
    assert due_at(priority="P2", received_at=received, what="first_contact") == at(
        2026, 11, 28, 14, 0
    )


def test_the_threshold_decision_is_due_with_contact_for_p1_and_p2():
    received = at(2026, 11, 28, 10, 0)
    assert due_at(priority="P1", received_at=received, what="threshold_decision") == at(
        2026, 11, 28, 11, 0
    )
    assert due_at(priority="P2", received_at=received, what="threshold_decision") == at(
        2026, 11, 28, 14, 0
    )


def test_the_threshold_decision_is_due_a_working_day_after_the_read_for_p3_and_p4():
    friday = at(2026, 11, 27, 16, 30)
    assert due_at(priority="P3", received_at=friday, what="threshold_decision") == at(
        2026, 12, 1, 16, 30
    )
    assert due_at(priority="P4", received_at=friday, what="threshold_decision") == at(
        2026, 12, 2, 16, 30
    )


def test_working_day_targets_skip_weekends():
    friday = at(2026, 11, 27, 16, 30)
    assert due_at(priority="P3", received_at=friday, what="first_read") == at(2026, 11, 30, 16, 30)
    assert due_at(priority="P3", received_at=friday, what="first_contact") == at(
        2026, 12, 1, 16, 30
    )
    assert due_at(priority="P4", received_at=friday, what="first_read") == at(2026, 12, 1, 16, 30)
    assert due_at(priority="P4", received_at=friday, what="first_contact") is None


def test_a_weekend_report_starts_its_clock_on_the_next_working_day():
    saturday = at(2026, 11, 28, 10, 0)
    assert add_working_days(saturday, 1) == at(2026, 12, 1, 0, 0)


def test_bank_holidays_are_configuration(settings):
    settings.HAVEN_BANK_HOLIDAYS = frozenset(
        {datetime.date(2026, 12, 25), datetime.date(2026, 12, 28)}
    )
    thursday = at(2026, 12, 24, 9, 0)
    assert add_working_days(thursday, 1) == at(2026, 12, 29, 9, 0)


def test_time_targets_can_be_overridden(settings):
    settings.HAVEN_TIME_TARGETS = {
        "P1": {"first_read": Target(minutes=5)},
        "P4": {"first_contact": Target(working_days=3)},
    }
    received = at(2026, 11, 30, 9, 0)
    assert due_at(priority="P1", received_at=received, what="first_read") == at(2026, 11, 30, 9, 5)
    assert due_at(priority="P4", received_at=received, what="first_contact") == at(
        2026, 12, 3, 9, 0
    )

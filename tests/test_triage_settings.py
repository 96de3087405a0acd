"""The triage settings are read from the environment, checked at start-up, and used as parsed."""

import datetime
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from haven.triage.rules import (
    Target,
    parse_bank_holidays,
    parse_time_targets,
    parse_triage_bands,
)
from haven.triage.services import assess, due_at
from tests.test_triage import inputs

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
CHRISTMAS_EVE = datetime.datetime(2026, 12, 24, 9, 0, tzinfo=LONDON)  # a Thursday
MONDAY_AFTER = datetime.datetime(2026, 12, 28, 9, 0, tzinfo=LONDON)


def _python(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose settings are read from ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update({"HAVEN_ENV": "test", "HAVEN_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


FIRST_READ_OF_A_P3_ON_CHRISTMAS_EVE = """
import datetime, os, django
from zoneinfo import ZoneInfo
os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
django.setup()
from haven.triage.services import due_at
received = datetime.datetime(2026, 12, 24, 9, 0, tzinfo=ZoneInfo("Europe/London"))
print(due_at(priority="P3", received_at=received, what="first_read").isoformat())
"""


def test_a_p3_on_christmas_eve_is_first_read_on_monday_when_christmas_is_configured(tmp_path):
    result = _python(
        FIRST_READ_OF_A_P3_ON_CHRISTMAS_EVE, {"HAVEN_BANK_HOLIDAYS": "2026-12-25"}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-12-28T09:00:00+00:00"


def test_without_bank_holidays_the_same_report_is_first_read_on_christmas_day(tmp_path):
    result = _python(FIRST_READ_OF_A_P3_ON_CHRISTMAS_EVE, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-12-25T09:00:00+00:00"


def test_the_parsed_bank_holidays_move_the_first_read_to_monday(settings):
    settings.HAVEN_BANK_HOLIDAYS = parse_bank_holidays("2026-12-25")
    assert due_at(priority="P3", received_at=CHRISTMAS_EVE, what="first_read") == MONDAY_AFTER


def test_the_threshold_decision_in_working_days_skips_the_parsed_bank_holidays(settings):
    # Two working days after Thursday 24 December: Monday 28, then Tuesday 29; with both the
    # Friday and the Monday bank holidays, Tuesday 29 and Wednesday 30.
    assert due_at(priority="P3", received_at=CHRISTMAS_EVE, what="threshold_decision") == (
        datetime.datetime(2026, 12, 28, 9, 0, tzinfo=LONDON)
    )
    settings.HAVEN_BANK_HOLIDAYS = parse_bank_holidays("2026-12-25,2026-12-28")
    assert due_at(priority="P3", received_at=CHRISTMAS_EVE, what="threshold_decision") == (
        datetime.datetime(2026, 12, 30, 9, 0, tzinfo=LONDON)
    )


def test_bank_holidays_are_comma_separated_iso_dates():
    assert parse_bank_holidays(" 2026-12-25, 2026-12-28 ,") == frozenset(
        {datetime.date(2026, 12, 25), datetime.date(2026, 12, 28)}
    )
    assert parse_bank_holidays("") == frozenset()


@pytest.mark.parametrize("text", ["2026-13-01", "25/12/2026", "christmas", "20261225"])
def test_a_bad_bank_holiday_is_refused_with_a_clear_message(text):
    with pytest.raises(ValueError, match=r"is not a date: write dates as YYYY-MM-DD"):
        parse_bank_holidays(text)


def test_time_targets_parse_into_targets():
    assert parse_time_targets('{"P1": {"first_read": "5m"}, "P4": {"first_contact": "3wd"}}') == {
        "P1": {"first_read": Target(minutes=5)},
        "P4": {"first_contact": Target(working_days=3)},
    }
    assert parse_time_targets('{"P2": {"first_contact": null}}') == {"P2": {"first_contact": None}}
    assert parse_time_targets('{"P3": {"threshold_decision": "1wd"}}') == {
        "P3": {"threshold_decision": Target(working_days=1)}
    }
    assert parse_time_targets("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"P1": {"first_read": "15x"}}', "time target '15x' must look like 15m, 4h or 2wd"),
        ('{"P1": {"first_read": "0m"}}', "time target '0m' must be at least 1"),
        ('{"P9": {"first_read": "15m"}}', "unknown band 'P9' (the bands are P1, P2, P3, P4)"),
        (
            '{"P1": {"first_hug": "15m"}}',
            "unknown target 'first_hug' for P1"
            " (the targets are first_read, threshold_decision, first_contact, reply)",
        ),
        ('{"P1": {"first_read": null}}', "first_read cannot be switched off"),
        ('{"P2": {"threshold_decision": ""}}', "threshold_decision cannot be switched off"),
        ('{"P1": {"first_read": 15}}', "time target 15 must look like 15m, 4h or 2wd"),
        ('{"P1": "15m"}', "P1 must be an object"),
        ("[]", "must be a JSON object"),
        ("{P1: 15m}", "is not valid JSON"),
    ],
)
def test_a_bad_time_target_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError) as caught:
        parse_time_targets(text)
    assert message in str(caught.value)


def test_band_overrides_parse_into_rule_codes_and_bands():
    assert parse_triage_bands('{"under_13": "P1"}') == {"under_13": "P1"}
    assert parse_triage_bands("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"no_such_rule": "P1"}', "unknown rule 'no_such_rule' (the rules are danger_now,"),
        ('{"under_13": "P7"}', "unknown band 'P7' for under_13 (the bands are P1, P2, P3, P4)"),
        ('["under_13"]', "must be a JSON object"),
        ("under_13=P1", "is not valid JSON"),
    ],
)
def test_a_bad_band_override_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError) as caught:
        parse_triage_bands(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "HAVEN_BANK_HOLIDAYS",
            "2026-12-25,26/12/2026",
            "HAVEN_BANK_HOLIDAYS: '26/12/2026' is not",
        ),
        ("HAVEN_TIME_TARGETS", '{"P1": {"first_read": "15x"}}', "HAVEN_TIME_TARGETS: time target"),
        ("HAVEN_TRIAGE_BANDS", '{"under_13": "P7"}', "HAVEN_TRIAGE_BANDS: unknown band 'P7'"),
    ],
)
def test_a_bad_triage_setting_stops_the_server(tmp_path, name, value, says):
    result = _python("import haven.settings", {name: value}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert says in result.stderr


def test_good_triage_settings_are_read_ready_made(tmp_path):
    code = (
        "import haven.settings as s; "
        "print(sorted(map(str, s.HAVEN_BANK_HOLIDAYS)), s.HAVEN_TRIAGE_BANDS, s.HAVEN_TIME_TARGETS)"
    )
    result = _python(
        code,
        {
            "HAVEN_BANK_HOLIDAYS": "2026-12-25,2026-12-28",
            "HAVEN_TRIAGE_BANDS": '{"under_13": "P1"}',
            "HAVEN_TIME_TARGETS": '{"P1": {"first_read": "5m"}}',
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['2026-12-25', '2026-12-28'] {'under_13': 'P1'} "
        "{'P1': {'first_read': Target(minutes=5, working_days=0)}}"
    )


def test_the_parsers_settings_imports_need_no_settings(tmp_path):
    code = "import haven.triage.rules; from django.conf import settings; print(settings.configured)"
    result = _python(code, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_overrides_in_settings_change_the_band_and_the_targets(settings):
    settings.HAVEN_TRIAGE_BANDS = {"under_13": "P1"}
    settings.HAVEN_TIME_TARGETS = {"P1": {"first_read": Target(minutes=5)}}
    assert assess(inputs(child_age_band="under_13")).priority == "P1"
    assert due_at(priority="P1", received_at=CHRISTMAS_EVE, what="first_read") == (
        CHRISTMAS_EVE + datetime.timedelta(minutes=5)
    )

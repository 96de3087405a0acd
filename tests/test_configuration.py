"""Configuration that is read: every HAVEN_* setting the code uses is read from the environment by
settings.py, validated when the server starts, and named in docs/CONFIGURATION.md.

These tests read the source, so a setting added tomorrow without being read or documented fails
here rather than being silently ignored in production (as HAVEN_BANK_HOLIDAYS once was).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "haven" / "settings.py"
DOC = ROOT / "docs" / "CONFIGURATION.md"

# settings.HAVEN_X, getattr(settings, "HAVEN_X", ...), and settings.HAVEN_X in templates.
USED = re.compile(
    r"""settings\.(HAVEN_[A-Z0-9_]+)|getattr\(\s*settings\s*,\s*["'](HAVEN_[A-Z0-9_]+)"""
)
# What settings.py reads from the environment: envstr("HAVEN_X"...), secret("HAVEN_X"), ...
READ = re.compile(r"""\b(?:env\w*|secret|os\.environ\.get)\(\s*["'](HAVEN_[A-Z0-9_]+)["']""")
# Read straight from the environment anywhere else (tests, scripts, benchmarks).
ENVIRON = re.compile(r"""os\.environ(?:\.get|\.setdefault)?[\(\[]\s*["'](HAVEN_[A-Z0-9_]+)["']""")


def _sources(*folders: str, suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        for suffix in suffixes:
            files.extend((ROOT / folder).rglob(f"*{suffix}"))
    return [f for f in files if f != SETTINGS and "migrations" not in f.parts]


def _names(pattern: re.Pattern[str], files: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for file in files:
        for match in pattern.finditer(file.read_text()):
            name = next(group for group in match.groups() if group)
            found.setdefault(name, []).append(str(file.relative_to(ROOT)))
    return found


def _read_by_settings() -> set[str]:
    return set(READ.findall(SETTINGS.read_text()))


def _documented() -> set[str]:
    return set(re.findall(r"(?<![A-Z0-9_])(HAVEN_[A-Z0-9_]+)", DOC.read_text()))


def test_every_haven_setting_the_code_uses_is_read_from_the_environment() -> None:
    used = _names(USED, _sources("haven", suffixes=(".py", ".html")))
    read = _read_by_settings()
    missing = {name: files for name, files in used.items() if name not in read}
    assert not missing, f"used by the code but never read by settings.py: {missing}"


def test_every_variable_settings_reads_is_documented() -> None:
    undocumented = sorted(_read_by_settings() - _documented())
    assert not undocumented, (
        f"read by settings.py but not named in CONFIGURATION.md: {undocumented}"
    )


def test_every_variable_read_elsewhere_is_documented() -> None:
    elsewhere = _names(ENVIRON, _sources("haven", "tests", "scripts", "benchmarks"))
    undocumented = {n: f for n, f in elsewhere.items() if n not in _documented()}
    assert not undocumented, f"read from the environment but not documented: {undocumented}"


def test_the_documentation_names_no_variable_that_nothing_reads() -> None:
    read = _read_by_settings() | set(
        _names(ENVIRON, _sources("haven", "tests", "scripts", "benchmarks"))
    )
    # A secret's NAME_FILE is read by secret() alongside NAME.
    read |= {f"{name}_FILE" for name in read}
    stale = sorted(_documented() - read - {"HAVEN_ENV"})
    assert not stale, f"documented but read by nothing: {stale}"


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter, as a server start would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    clean.update({"HAVEN_ENV": "test", "HAVEN_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-c", "import haven.settings"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "HAVEN_SUBMISSIONS_PER_WINDOW",
            "five",
            "HAVEN_SUBMISSIONS_PER_WINDOW must be a whole number",
        ),
        ("HAVEN_SECURE_COOKIES", "maybe", "HAVEN_SECURE_COOKIES must be true or false"),
        ("HAVEN_MIN_FILL_SECONDS", "-1", "HAVEN_MIN_FILL_SECONDS must be 0 or more"),
        ("HAVEN_DRAFT_IDLE_SECONDS", "0", "HAVEN_DRAFT_IDLE_SECONDS must be 1 or more"),
        (
            "HAVEN_ANONYMOUS_AUDIENCES",
            "child,robots",
            "HAVEN_ANONYMOUS_AUDIENCES: unknown audience 'robots'",
        ),
        ("HAVEN_REFERENCE_PREFIX", "A" * 15, "HAVEN_REFERENCE_PREFIX must be 1 to 14"),
        (
            "HAVEN_EXIT_URL",
            "javascript:alert(1)",
            "HAVEN_EXIT_URL must be a web address starting https://",
        ),
        ("HAVEN_TIME_ZONE", "Mars/Olympus", "HAVEN_TIME_ZONE must be a time zone name"),
        ("HAVEN_NOTIFIER", "pigeon", "HAVEN_NOTIFIER must be console, smtp or govuk_notify"),
        (
            "HAVEN_NOTIFIER",
            "govuk_notify",
            "HAVEN_NOTIFIER=govuk_notify needs HAVEN_NOTIFY_API_KEY",
        ),
        ("HAVEN_HELPLINE_PHONE", "call us", "HAVEN_HELPLINE_PHONE must be a phone number"),
        ("HAVEN_LOG_LEVEL", "LOUD", "HAVEN_LOG_LEVEL must be DEBUG, INFO"),
        ("HAVEN_STAFF_IDLE_SECONDS", "5", "HAVEN_STAFF_IDLE_SECONDS must be 60 or more"),
        (
            "HAVEN_SIGN_IN_FAILURE_LIMIT",
            "0",
            "HAVEN_SIGN_IN_FAILURE_LIMIT must be 1 or more, not 0",
        ),
        (
            "HAVEN_SIGN_IN_LOCKOUT_SECONDS",
            "0",
            "HAVEN_SIGN_IN_LOCKOUT_SECONDS must be 1 or more, not 0",
        ),
        ("HAVEN_RECOVERY_CODES", "0", "HAVEN_RECOVERY_CODES must be 1 or more, not 0"),
        (
            "HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS",
            "0",
            "HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS must be 1 or more, not 0",
        ),
        (
            "HAVEN_SECOND_FACTOR_FAILURE_LIMIT",
            "0",
            "HAVEN_SECOND_FACTOR_FAILURE_LIMIT must be 1 or more, not 0",
        ),
        (
            "HAVEN_SECOND_FACTOR_WINDOW_SECONDS",
            "-5",
            "HAVEN_SECOND_FACTOR_WINDOW_SECONDS must be 1 or more, not -5",
        ),
        (
            "HAVEN_SECOND_FACTOR_DEVICE_SECONDS",
            "0",
            "HAVEN_SECOND_FACTOR_DEVICE_SECONDS must be 1 or more, not 0",
        ),
        (
            "HAVEN_AUDIT_CHECKPOINT_EVERY",
            "-1",
            "HAVEN_AUDIT_CHECKPOINT_EVERY must be 0 or more, not -1",
        ),
        ("HAVEN_BANK_HOLIDAYS", "2026-13-01", "HAVEN_BANK_HOLIDAYS"),
        ("HAVEN_TIME_TARGETS", '{"P1": {"first_read": "15x"}}', "HAVEN_TIME_TARGETS"),
        ("HAVEN_TRIAGE_BANDS", '{"no_such_rule": "P1"}', "HAVEN_TRIAGE_BANDS"),
        (
            "HAVEN_MESSAGE_TEMPLATES",
            '{"raed": "Thank you for telling us."}',
            "HAVEN_MESSAGE_TEMPLATES: unknown name 'raed': the names are read, question, next, closing",
        ),
        ("HAVEN_MESSAGE_TEMPLATES", '{"read": "  "}', "HAVEN_MESSAGE_TEMPLATES: must be a JSON"),
        ("HAVEN_REFERRAL_APPROVAL", "sometimes", "HAVEN_REFERRAL_APPROVAL must be all, not_p1"),
        (
            "HAVEN_REFERRAL_ACKNOWLEDGE",
            '{"urgent": "soon"}',
            "HAVEN_REFERRAL_ACKNOWLEDGE: time target 'soon' must look like 15m, 4h or 2wd",
        ),
        (
            "HAVEN_REFERRAL_ACKNOWLEDGE",
            '{"slow": "1wd"}',
            "HAVEN_REFERRAL_ACKNOWLEDGE: unknown target 'slow'",
        ),
    ],
)
def test_a_bad_value_stops_the_server_with_a_clear_message(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    result = _start({name: value}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert says in result.stderr


def test_the_audiences_settings_knows_are_the_audiences_of_the_service() -> None:
    from django.conf import settings

    from haven.triage.rules import Audience

    assert list(settings.AUDIENCES) == list(Audience.values)


def test_the_message_templates_settings_knows_are_the_ones_advisors_see() -> None:
    from django.conf import settings

    from haven.staff.message_templates import TEMPLATES

    assert settings.MESSAGE_TEMPLATE_NAMES == tuple(t.slug for t in TEMPLATES)


def test_an_empty_list_means_none_while_empty_text_means_the_default(tmp_path: Path) -> None:
    script = "from haven import settings as s; print(s.HAVEN_ANONYMOUS_AUDIENCES, s.HAVEN_EXIT_URL)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    clean.update(
        HAVEN_ENV="test",
        HAVEN_VAR_DIR=str(tmp_path / "var"),
        HAVEN_ANONYMOUS_AUDIENCES="",
        HAVEN_EXIT_URL="",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[] https://www.bbc.co.uk/weather", result.stderr


def test_the_defaults_start(tmp_path: Path) -> None:
    result = _start({}, tmp_path)
    assert result.returncode == 0, result.stderr

"""What a copy of the database would show: nothing a reporter wrote, in any table, at any point.

Every table is read with plain SQL, so no model, manager or field hides a plaintext column.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from tests.journey import ANSWERS


@pytest.fixture
def staff_user(staff_user: Any) -> Any:
    # StaffUserFactory sets the password after saving and never saves again, so the stored row
    # has no password and a forced login is dropped on the next request. Save it here.
    staff_user.save()
    return staff_user


def tables_holding(marker: str) -> list[str]:
    """Every table (and column position) in which ``marker`` appears, in any case, as text or bytes."""
    needle_text = marker.lower()
    needle_bytes = marker.lower().encode()
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                for index, value in enumerate(row):
                    if _holds(value, needle_text, needle_bytes):
                        found.append(f"{table}[{index}]")
    return found


def _holds(value: Any, needle_text: str, needle_bytes: bytes) -> bool:
    if value is None:
        return False
    if isinstance(value, (bytes, bytearray, memoryview)):
        return needle_bytes in bytes(value).lower()
    return needle_text in str(value).lower()


def markers() -> dict[str, str]:
    return {
        name: uuid.uuid4().hex
        for name in ("narrative", "name", "email", "username", "child", "person")
    }


def overrides(m: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "what-happened": {
            "what_happened": f"It started in a game. {m['narrative']} Then he asked."
        },
        "where": {**ANSWERS["where"], "usernames": f"@user_{m['username']}"},
        "child": {**ANSWERS["child"], "child_name": f"Child {m['child']}"},
        "person": {**ANSWERS["person"], "person_names": f"Person {m['person']}"},
        "contact": {
            **ANSWERS["contact"],
            "name": f"Pat {m['name'].upper()}",
            "email": f"pat.{m['email']}@example.org",
        },
    }


def test_the_scan_finds_what_is_stored_in_plain_text(journey):
    """The search itself can see every table: a report's reference is a plaintext column."""
    report = journey.submit("parent")

    assert tables_holding(report.reference) == ["cases_case[1]", "reporting_report[1]"]
    assert tables_holding(uuid.uuid4().hex) == []


def test_a_sent_report_leaves_no_answer_in_plain_text_in_any_table(journey):
    m = markers()

    journey.submit("parent", overrides(m))
    journey.client.get(reverse("reporting:sent"))

    assert {name: tables_holding(marker) for name, marker in m.items()} == {name: [] for name in m}


def test_a_draft_in_progress_leaves_no_answer_in_plain_text_in_any_table(journey):
    m = markers()
    answers = overrides(m)
    journey.choose("parent")
    journey.answer("danger")
    journey.answer("concern")

    response = journey.answer("what-happened", answers["what-happened"])

    assert response.status_code == 302
    assert tables_holding(m["narrative"]) == []


def test_a_complete_draft_not_yet_sent_leaves_no_answer_in_plain_text_in_any_table(journey):
    m = markers()

    journey.fill("parent", overrides(m))

    assert journey.client.get(reverse("reporting:check_answers")).status_code == 200
    assert {name: tables_holding(marker) for name, marker in m.items()} == {name: [] for name in m}


def test_the_followup_code_is_in_no_table_once_it_has_been_shown(journey):
    journey.submit("parent")
    page = journey.client.get(reverse("reporting:sent")).content.decode()
    code = page.split('id="followup-code">', 1)[1].split("<", 1)[0].strip()

    assert tables_holding(code) == []
    assert tables_holding(code.replace("-", "")) == []


def test_a_report_opened_by_staff_leaves_no_answer_in_plain_text_in_any_table(
    journey, staff_client
):
    m = markers()
    report = journey.submit("parent", overrides(m))

    opened = staff_client.get(reverse("staff:report", args=[report.id]))

    assert m["narrative"] in opened.content.decode()
    assert {name: tables_holding(marker) for name, marker in m.items()} == {name: [] for name in m}

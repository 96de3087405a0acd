"""What a copy of the database would show of the staff's work: nothing an advisor typed.

Every staff form is sent with a marker in each of its free-text fields; then the raw text of
every table (SQLite's dump; on PostgreSQL each row as text) is searched for each marker, as
written and as the hex that bytes are shown in.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from haven.cases.lifecycle import Status
from haven.cases.models import Case
from tests.factories import StaffUserFactory, submitted_case, verified_client


def raw_rows() -> list[tuple[str, str]]:
    """(table, the row's text) for every row of every table, lower case."""
    rows: list[tuple[str, str]] = []
    if connection.vendor == "sqlite":
        for line in connection.connection.iterdump():
            named = re.match(r'INSERT INTO "([^"]+)"', line)
            if named:
                rows.append((named.group(1), line.lower()))
        return rows
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT t::text FROM {quote(table)} AS t")  # noqa: S608 (names from introspection)
            rows += [(table, text.lower()) for (text,) in cursor.fetchall()]
    return rows


def tables_holding(marker: str, rows: list[tuple[str, str]]) -> list[str]:
    """The tables in which ``marker`` appears, as text in either case or as bytes in hex."""
    needles = {marker.lower(), marker.lower().encode().hex(), marker.upper().encode().hex()}
    return sorted({table for table, text in rows if any(n in text for n in needles)})


def marker() -> str:
    # 20 characters fit every field, the 24 of a case reference included.
    return uuid.uuid4().hex[:20]


@pytest.fixture
def supervisor(db: None) -> Any:
    user = StaffUserFactory(role="supervisor", username="sup-raw")
    user.save()  # the factory never saves the password; a forced login needs it stored
    return user


@pytest.fixture
def colleague(db: None) -> Any:
    user = StaffUserFactory(username="adv-raw")
    user.save()
    return user


def test_the_scan_finds_what_is_stored_in_plain_text(supervisor):
    case = submitted_case()

    rows = raw_rows()

    assert tables_holding("sup-raw", rows) == ["auth_user"]
    assert tables_holding(case.reference, rows) == ["cases_case", "reporting_report"]
    assert tables_holding(marker(), rows) == []


def test_nothing_an_advisor_types_into_any_staff_form_is_stored_in_plain_text(
    supervisor, colleague, settings
):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 0
    case = submitted_case(client_bucket="one-network")
    flood = submitted_case(client_bucket="one-network")
    other = submitted_case()
    client = verified_client(supervisor)
    url = reverse("staff:case", args=[case.id])
    m = {
        name: marker()
        for name in (
            "assessing",
            "threshold",
            "priority",
            "note",
            "failed_note",
            "contact",
            "action",
            "owner",
            "restriction",
            "link",
            "bulk",
            "audit_reference",
            "audit_advisor",
        )
    }
    posts = [
        ("claim", {}),
        ("status", {"status-to": "assessing", "status-reason": m["assessing"]}),
        ("status", {"status-to": "meets_threshold", "status-reason": m["threshold"]}),
        ("priority", {"priority-priority": "P1", "priority-reason": m["priority"]}),
        ("note", {"note-kind": "opinion", "note-text": m["note"]}),
        (
            "contact",
            {"contact-method": "phone", "contact-outcome": "spoke", "contact-note": m["contact"]},
        ),
        ("safety", {"safety-action": m["action"], "safety-owner": m["owner"]}),
        ("link", {"link-reference": other.reference}),
        ("restrict", {"restrict-people": [str(colleague.pk)], "restrict-reason": m["restriction"]}),
    ]
    for verb, data in posts:
        response = client.post(reverse(f"staff:case_{verb}", args=[case.id]), data)
        assert response.status_code == 302, (data, response.content.decode()[:2000])
    # Refused submissions store nothing either.
    failed = client.post(
        reverse("staff:case_note", args=[case.id]), {"note-text": m["failed_note"]}
    )
    missing = client.post(reverse("staff:case_link", args=[case.id]), {"link-reference": m["link"]})
    assert "Choose fact or professional opinion" in failed.content.decode()
    assert "No case has that reference." in missing.content.decode()
    item = case.safety_actions.get()
    done = client.post(reverse("staff:case_safety_done", args=[case.id, item.pk]))
    assert done.status_code == 302
    assert client.post(reverse("staff:case_lift_restriction", args=[case.id])).status_code == 302
    assigned = client.post(reverse("staff:assign", args=[case.id]), {"advisor": colleague.pk})
    assert assigned.status_code == 302
    closed = client.post(
        reverse("staff:close_cases"), {"close-cases": [str(flood.id)], "close-reason": m["bulk"]}
    )
    assert "1 case closed" in closed.content.decode()
    for query in ({"reference": m["audit_reference"]}, {"advisor": m["audit_advisor"]}):
        assert client.get(reverse("staff:audit"), query).status_code == 200
    assert Case.objects.get(pk=flood.pk).status == Status.CLOSED
    # The case page still shows what was written: sealed, not lost.
    page = client.get(url).content.decode()
    for name in ("assessing", "threshold", "priority", "note", "contact", "action", "owner"):
        assert m[name] in page, name

    rows = raw_rows()

    assert {name: tables_holding(value, rows) for name, value in m.items()} == {
        name: [] for name in m
    }

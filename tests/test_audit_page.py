"""The audit page answers real questions: which case, any date range, every kind of event,
one person, one case; paged by seq; itself audited; hostile input never a 5xx."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from haven.audit import queries
from haven.audit.actions import Action
from haven.audit.models import AuditEvent
from haven.audit.services import record_event
from haven.cases import services
from tests.conftest import text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

pytestmark = pytest.mark.django_db

AUDIT = "/staff/audit/"


@pytest.fixture
def supervisor() -> Any:
    return StaffUserFactory(role="supervisor", username="sup-audit")


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory(username="adv-audit")


@pytest.fixture
def client(supervisor: Any) -> Any:
    return verified_client(supervisor)


def record_at(at: datetime.datetime, monkeypatch: pytest.MonkeyPatch, **event: Any) -> AuditEvent:
    """An event written as if at ``at`` (the chain takes its time from the clock)."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: at)
        return record_event(**event)


def rows_of(response: Any) -> list[str]:
    """Each event row of the table, as its visible text."""
    assert response.status_code == 200
    body = re.search(
        r'<tbody class="govuk-table__body">(.*?)</tbody>', response.content.decode(), re.S
    )
    assert body is not None, "no table of events"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def seqs_of(response: Any) -> list[int]:
    return [event.seq for event in (row.event for row in response.context["rows"])]


def last_search(user: Any) -> dict[str, Any]:
    event = AuditEvent.objects.filter(action="audit.searched", actor=user).latest("seq")
    return event.detail


def local(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def date_query(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


# --- Each event shows its case -------------------------------------------------------------------


def test_each_event_shows_its_case_reference_linked_to_the_case_page(client, advisor):
    case = submitted_case()
    services.claim_case(case=case, by=advisor)

    response = client.get(AUDIT, {"kind": "case.claimed"})

    (row,) = response.context["rows"]
    assert rows_of(response)[0].endswith(
        f" adv-audit Case claimed {case.reference} #{row.event.seq}"
    )
    link = f'<a class="govuk-link" href="/staff/cases/{case.id}/">{case.reference}</a>'
    assert link in response.content.decode()


def test_an_event_naming_only_the_case_id_still_shows_its_reference(client, supervisor):
    case = submitted_case()
    record_event(action=Action.CASE_LINKED, actor=supervisor, detail={"case": str(case.id)})

    response = client.get(AUDIT, {"kind": "case.linked"})

    assert [row.case.reference for row in response.context["rows"]] == [case.reference]


def test_a_restricted_case_shows_as_restricted_to_anyone_not_named_on_it(advisor):
    named = StaffUserFactory(role="supervisor", username="sup-named")
    outsider = StaffUserFactory(role="supervisor", username="sup-outside")
    case = submitted_case()
    services.restrict_case(case=case, by=named, allowed=[advisor], reason="A colleague")

    seen = verified_client(outsider).get(AUDIT, {"kind": "case.restricted"})
    known = verified_client(named).get(AUDIT, {"kind": "case.restricted"})

    assert rows_of(seen)[0].endswith(
        f"sup-named Case restricted Restricted case #{seen.context['rows'][0].event.seq}"
    )
    assert case.reference not in seen.content.decode()
    assert str(case.id) not in seen.content.decode()
    assert case.reference in rows_of(known)[0]


def test_the_references_of_a_page_cost_the_same_queries_for_two_cases_or_forty(client, advisor):
    few = [submitted_case() for _ in range(2)]
    for case in few:
        services.claim_case(case=case, by=advisor)
    with CaptureQueriesContext(connection) as two:
        client.get(AUDIT, {"kind": "case.claimed"})
    for _ in range(38):
        services.claim_case(case=submitted_case(), by=advisor)
    with CaptureQueriesContext(connection) as forty:
        response = client.get(AUDIT, {"kind": "case.claimed"})

    assert len(response.context["rows"]) == 40
    assert len(forty.captured_queries) == len(two.captured_queries)
    case_queries = [q["sql"] for q in forty.captured_queries if '"cases_case"' in q["sql"]]
    assert len(case_queries) == 1


def test_a_page_of_events_reads_only_what_it_shows(client, advisor):
    """Not the chain's hashes, nor the accounts (their password hashes among them): each event
    keeps its actor's name."""
    services.claim_case(case=submitted_case(), by=advisor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(AUDIT, {"kind": "case.claimed"})
    assert len(response.context["rows"]) == 1
    assert advisor.username in rows_of(response)[0]
    read = [q["sql"] for q in captured.captured_queries if 'FROM "audit_auditevent"' in q["sql"]]
    assert len(read) == 1
    assert '"audit_auditevent"."hash"' not in read[0]
    assert '"audit_auditevent"."prev_hash"' not in read[0]
    assert "auth_user" not in read[0]


def test_an_administrator_sees_references_but_no_link_to_a_case_they_cannot_open(advisor):
    administrator = StaffUserFactory(role="administrator", username="admin-audit")
    case = submitted_case()
    services.claim_case(case=case, by=advisor)

    response = verified_client(administrator).get(AUDIT, {"kind": "case.claimed"})

    assert case.reference in rows_of(response)[0]
    assert f"/staff/cases/{case.id}/" not in response.content.decode()


# --- Any date range ------------------------------------------------------------------------------


def test_without_dates_it_shows_the_last_seven_days_today_included(client, monkeypatch):
    today = timezone.localdate()
    old = record_at(
        local(today - datetime.timedelta(days=7)), monkeypatch, action=Action.KEYS_ROTATED
    )
    edge = record_at(
        local(today - datetime.timedelta(days=6), 0), monkeypatch, action=Action.KEYS_ROTATED
    )
    new = record_at(local(today, 0), monkeypatch, action=Action.KEYS_ROTATED)

    response = client.get(AUDIT, {"kind": "keys.rotated"})

    assert seqs_of(response) == [new.seq, edge.seq]
    assert old.seq not in seqs_of(response)
    start = today - datetime.timedelta(days=6)
    assert response.context["form"]["since"].value() == (
        str(start.day),
        str(start.month),
        str(start.year),
    )


def test_any_date_range_in_the_past_shows_only_its_events_and_says_which(client, monkeypatch):
    day = datetime.date(2024, 2, 29)
    before = record_at(
        local(datetime.date(2024, 2, 27), 23), monkeypatch, action=Action.KEYS_ROTATED
    )
    first = record_at(local(datetime.date(2024, 2, 28), 0), monkeypatch, action=Action.KEYS_ROTATED)
    last = record_at(local(day, 23), monkeypatch, action=Action.KEYS_ROTATED)
    after = record_at(local(datetime.date(2024, 3, 1), 0), monkeypatch, action=Action.KEYS_ROTATED)

    response = client.get(
        AUDIT, {**date_query("since", datetime.date(2024, 2, 28)), **date_query("until", day)}
    )

    assert seqs_of(response) == [last.seq, first.seq]
    assert {before.seq, after.seq}.isdisjoint(seqs_of(response))
    assert "Events from 28 February 2024 to 29 February 2024, newest first" in text_of(response)
    assert last_search(response.wsgi_request.user) == {"from": "2024-02-28", "to": "2024-02-29"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {
                **date_query("since", datetime.date(2024, 3, 2)),
                **date_query("until", datetime.date(2024, 3, 1)),
            },
            "The end date must be the same as or after the start date",
        ),
        (
            {"since-day": "31", "since-month": "2", "since-year": "2024"},
            "The start date must be a real date, like 27 3 2026",
        ),
        (
            {"since-day": "²", "since-month": "2", "since-year": "2024"},
            "The start date must be a real date, like 27 3 2026",
        ),
        (
            {"until-day": "1\x00", "until-month": "2", "until-year": "2024"},
            "The end date must be a real date, like 27 3 2026",
        ),
        (
            {"until-day": "1", "until-month": "2", "until-year": "99999"},
            "The end date must be a real date, like 27 3 2026",
        ),
        (
            {"until-day": "1", "until-month": "2", "until-year": "9" * 300},
            "The end date must be a real date, like 27 3 2026",
        ),
        (
            {"since-day": "1", "since-year": "2024"},
            "Enter the day, month and year of the start date",
        ),
        (
            {"since-day": "1", "since-month": "1", "since-year": "1899"},
            "The year of the start date must be 1900 or later",
        ),
        (
            {"until-day": "1", "until-month": "1", "until-year": "2999"},
            "The end date must be today or in the past",
        ),
    ],
)
def test_a_date_that_cannot_be_used_is_a_clear_error_and_shows_no_events(client, query, message):
    response = client.get(AUDIT, query)

    assert response.status_code == 200
    text = text_of(response)
    assert f"There is a problem {message}" in text
    assert response.context["search"] is None
    assert "newest first" not in text
    for value in query.values():
        if len(value) > 4:
            assert value not in text
    assert set(last_search(response.wsgi_request.user)) == {"errors"}


# --- Paging by seq -------------------------------------------------------------------------------


def test_it_pages_fifty_events_at_a_time_newest_first_and_back(client, supervisor):
    made = [record_event(action=Action.KEYS_ROTATED, actor=supervisor).seq for _ in range(120)]
    query = {"kind": "keys.rotated"}

    first = client.get(AUDIT, query)
    second = client.get(AUDIT + "?" + first.context["older_query"])
    third = client.get(AUDIT + "?" + second.context["older_query"])
    back = client.get(AUDIT + "?" + third.context["newer_query"])

    newest = made[::-1]
    assert seqs_of(first) == newest[:50]
    assert first.context["newer_query"] == ""
    assert seqs_of(second) == newest[50:100]
    assert seqs_of(third) == newest[100:]
    assert third.context["older_query"] == ""
    assert seqs_of(back) == newest[50:100]
    assert first.context["older_query"] == f"kind=keys.rotated&before={newest[49]}"
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' not in first.content.decode()
    assert last_search(supervisor)["page"] == "newer"


@pytest.mark.parametrize("name", ["before", "after"])
@pytest.mark.parametrize("value", ["0", "-1", "²", "abc", "\x00", str(10**30), "1" * 300])
def test_a_page_that_cannot_exist_is_not_found(client, name, value):
    response = client.get(AUDIT, {name: value})

    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_a_page_beyond_the_oldest_event_is_empty_not_an_error(client):
    response = client.get(AUDIT, {"before": "1"})

    assert rows_of(response) == ["Nothing recorded."]


# --- Every kind of event -------------------------------------------------------------------------


def test_every_kind_of_event_is_offered_once_in_a_group(client):
    response = client.get(AUDIT)
    html = response.content.decode()

    offered = re.findall(
        r'<input class="govuk-checkboxes__input" id="[^"]+" name="kind" type="checkbox" value="([^"]+)"',
        html,
    )
    assert sorted(offered) == sorted([*Action.values, "closures"])
    legends = re.findall(
        r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\s*(.*?)\s*</legend>',
        html,
    )
    for group in ("Closures", "Approvals", "Restrictions", "Refusals", "Signing in", "Decisions"):
        assert group in legends


def test_a_new_kind_of_event_lands_in_a_group_by_its_name():
    groups = queries.kind_groups(
        [
            ("case.approval_withdrawn", "Approval withdrawn"),
            ("staff.account_suspended", "Suspended"),
            ("case.reporter_messaged", "Message sent"),
            ("case.restriction_widened", "Widened"),
            ("case.referral_refused", "Referral refused"),
            ("partner.something", "Something"),
        ]
    )

    assert {group.slug: [name for name, _label in group.kinds] for group in groups} == {
        "closures": ["closures"],
        "approvals": ["case.approval_withdrawn"],
        "restrictions": ["case.restriction_widened"],
        "accounts": ["staff.account_suspended"],
        "refusals": ["case.referral_refused"],
        "case-work": ["case.reporter_messaged"],
        "other": ["partner.something"],
    }


def test_the_current_kinds_fall_in_the_groups_a_supervisor_expects():
    where = {name: group.slug for group in queries.kind_groups() for name, _label in group.kinds}

    assert where["case.threshold_decided"] == "decisions"
    assert where["case.status_changed"] == "decisions"
    assert where["case.restricted"] == "restrictions"
    assert where["case.access_refused"] == "refusals"
    assert where["staff.refused"] == "refusals"
    assert where["staff.signed_in"] == "sign-ins"
    assert where["staff.sign_in_failed"] == "sign-ins"
    assert where["case.assigned"] == "ownership"
    assert where["case.viewed"] == "openings"
    assert where["case.opened"] == "reports"
    assert where["audit.searched"] == "trail"


def test_several_kinds_can_be_chosen_together(client, supervisor):
    rotated = record_event(action=Action.KEYS_ROTATED, actor=supervisor)
    refused = record_event(
        action=Action.STAFF_REFUSED, actor=supervisor, detail={"view": "staff:team"}
    )
    record_event(action=Action.REPORTS_SEEDED, actor=supervisor)

    response = client.get(AUDIT + "?kind=keys.rotated&kind=staff.refused")

    assert seqs_of(response) == [refused.seq, rotated.seq]
    assert "Page refused staff:team" in rows_of(response)[0]
    assert last_search(supervisor)["kinds"] == ["keys.rotated", "staff.refused"]
    assert "Kinds of event: 2 chosen" in text_of(response)


def test_closures_are_found_whichever_way_the_case_was_closed(client, advisor):
    # As cases.services writes them: a close, a bulk close, a refused close, another move.
    case = submitted_case()

    def event(action: Action, **detail: Any) -> int:
        detail = {"case": str(case.id), **detail}
        return record_event(
            action=action, actor=advisor, report_id=case.report_id, detail=detail
        ).seq

    closed = event(Action.CASE_STATUS_CHANGED, **{"from": "monitoring", "to": "closed"})
    event(Action.CASE_STATUS_CHANGED, **{"from": "closed", "to": "assessing"})
    event(Action.CASE_TRANSITION_REFUSED, **{"from": "assessing", "to": "closed"})
    in_bulk = event(Action.CASE_STATUS_CHANGED, **{"from": "new", "to": "closed", "batch": "b"})
    event(Action.CASE_THRESHOLD_DECIDED, **{"from": "assessing", "to": "below_threshold"})

    response = client.get(AUDIT, {"kind": "closures"})

    assert [
        (row.event.seq, row.case.reference, row.change) for row in response.context["rows"]
    ] == [
        (in_bulk, case.reference, "new → closed"),
        (closed, case.reference, "monitoring → closed"),
    ]


def test_a_kind_not_offered_is_an_error_that_does_not_repeat_it(client):
    response = client.get(AUDIT, {"kind": "<b>case.nothing</b>"})

    assert "There is a problem Choose the kinds of event from the list" in text_of(response)
    assert "case.nothing" not in response.content.decode()
    assert '<a href="#id_kind">' in response.content.decode()


# --- One person, one case ------------------------------------------------------------------------


def test_it_shows_what_one_person_did(client, supervisor, advisor):
    case = submitted_case()
    services.claim_case(case=case, by=advisor)
    record_event(action=Action.KEYS_ROTATED, actor=supervisor)

    response = client.get(AUDIT, {"advisor": "adv-audit"})

    assert {row.event.actor_label for row in response.context["rows"]} == {"adv-audit"}
    assert [row.event.action for row in response.context["rows"]] == ["case.claimed"]
    assert last_search(supervisor)["person"] == advisor.pk
    assert ", by adv-audit" in text_of(response)


@pytest.mark.parametrize("typed", ["{}", "{} ", "{lower}", "{spaced}", "{bare}"])
def test_it_finds_a_case_by_its_reference_however_it_is_typed(client, supervisor, advisor, typed):
    case, other = submitted_case(), submitted_case()
    services.claim_case(case=case, by=advisor)
    services.claim_case(case=other, by=advisor)
    body = case.reference.split("-", 1)[1]
    text = typed.format(
        case.reference,
        lower=case.reference.lower(),
        spaced=case.reference.lower().replace("-", " "),
        bare=body.replace("-", ""),
    )

    response = client.get(AUDIT, {"reference": text})

    assert {row.case.reference for row in response.context["rows"]} == {case.reference}
    assert "case.claimed" in [row.event.action for row in response.context["rows"]]
    assert last_search(supervisor)["case"] == str(case.id)


def test_a_restricted_case_is_searched_as_if_it_did_not_exist_by_anyone_not_named(advisor):
    named = StaffUserFactory(role="supervisor", username="sup-named")
    outsider = StaffUserFactory(role="supervisor", username="sup-outside")
    case = submitted_case()
    services.restrict_case(case=case, by=named, allowed=[], reason="A colleague")

    hidden = verified_client(outsider).get(AUDIT, {"reference": case.reference})
    unknown = verified_client(outsider).get(AUDIT, {"reference": "HVN-0000-0000"})
    shown = verified_client(named).get(AUDIT, {"reference": case.reference})

    message = "There is a problem No case you can see has that reference"
    assert message in text_of(hidden) and message in text_of(unknown)
    assert hidden.context["search"] is None
    assert shown.context["search"] is not None
    assert any(row.event.action == "case.restricted" for row in shown.context["rows"])


# --- The page is audited -------------------------------------------------------------------------


def test_reading_the_audit_page_is_audited_with_the_filters_but_never_the_text(
    client, supervisor, advisor
):
    case = submitted_case()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=6)

    client.get(
        AUDIT,
        {
            "reference": case.reference.lower(),
            "advisor": "adv-audit",
            "kind": ["case.viewed", "closures"],
        },
    )
    assert last_search(supervisor) == {
        "from": start.isoformat(),
        "to": today.isoformat(),
        "kinds": ["case.viewed", "closures"],
        "person": advisor.pk,
        "case": str(case.id),
    }
    client.get(AUDIT, {"reference": "HVN-\x00" + "x" * 300, "advisor": "someone-else"})
    assert last_search(supervisor) == {"errors": ["advisor", "reference"]}


# --- One case.viewed per page view ---------------------------------------------------------------


def test_a_plain_showing_of_a_case_writes_exactly_one_case_viewed(advisor):
    case = submitted_case()
    page = reverse("staff:case", args=[case.id])

    verified_client(advisor).get(page)

    assert list(
        AuditEvent.objects.filter(report_id=case.report_id)
        .exclude(action__in=["report.received", "case.opened"])
        .values_list("action", flat=True)
    ) == ["case.viewed"]


def test_saving_a_note_and_following_the_redirect_writes_the_note_and_no_extra_view(advisor):
    case = submitted_case()
    client = verified_client(advisor)
    page = reverse("staff:case", args=[case.id])
    client.get(page)
    start = AuditEvent.objects.latest("seq").seq

    saved = client.post(
        reverse("staff:case_note", args=[case.id]),
        {"note-kind": "fact", "note-text": "Called school"},
    )
    landed = client.get(saved.url)

    assert saved.status_code == 302 and saved.url == page
    assert "Called school" in text_of(landed)
    after = AuditEvent.objects.filter(seq__gt=start, report_id=case.report_id)
    assert list(after.values_list("action", flat=True)) == ["case.note_added"]


# --- Hostile input -------------------------------------------------------------------------------

FIELDS = [
    "since-day",
    "since-month",
    "since-year",
    "until-day",
    "until-month",
    "until-year",
    "kind",
    "advisor",
    "reference",
    "before",
    "after",
    "page",
    "other",
]
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "²",
            "\x00",
            "x" * 300,
            "99999",
            "-1",
            "0",
            str(10**30),
            "HVN-0000-0000",
            "closures",
            "case.viewed",
            "31",
            "2",
        ]
    ),
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.lists(st.tuples(st.sampled_from(FIELDS), HOSTILE), max_size=8))
def test_no_query_string_gives_a_server_error(client, query):
    response = client.get(AUDIT, _as_data(query))

    assert response.status_code in (200, 404)


def _as_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data

"""Automatic linking: reports that name the same person of concern (username, email address,
phone number, profile link) are linked, and only blind indexes of the identifiers are stored."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases.lifecycle import Status
from haven.cases.models import Case, CaseLink
from haven.linking import normalise, services
from haven.linking.models import IdentifierIndex
from haven.linking.services import LINKED_SHOWN, blind_index, linked_reports, mentioning
from haven.reporting.models import Report
from haven.reporting.services import submit_report
from tests.journey import ANSWERS, Journey
from tests.test_raw_database import tables_holding

pytestmark = pytest.mark.django_db


def send(
    *,
    where: list[tuple[str, str]] | None = None,
    names: str = "",
    narrative: str = "Someone in a game asked for photos.",
    contact: dict[str, str] | None = None,
) -> Report:
    """Send a parent's report through the service, with the identifiers given."""
    answers: dict[str, dict[str, Any]] = {
        "what-happened": {"what_happened": narrative},
        "where": {"platforms": [{"platform": p, "usernames": u} for p, u in where or []]},
        "person": {"person_names": names, "person_adult": "yes", "works_with_children": "no"},
    }
    if contact is not None:
        answers["contact"] = {"contact_choice": "yes", "name": "", "safe_times": "", **contact}
    receipt = submit_report(
        audience="parent",
        answers=answers,
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    return receipt.report


def linked(report: Report) -> dict[str, list[str]]:
    """Per kind, the references of the other reports linked to this one's case."""
    return {
        group.kind: [c.reference for c in group.cases] for group in linked_reports(case=report.case)
    }


def close(report: Report) -> None:
    Case.objects.filter(report=report).update(status=Status.CLOSED, closed_at=timezone.now())


def links_between(a: Report, b: Report) -> list[CaseLink]:
    return list(
        CaseLink.objects.filter(from_case=a.case, to_case=b.case)
        | CaseLink.objects.filter(from_case=b.case, to_case=a.case)
    )


# --- Usernames ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "example_user",
        "EXAMPLE_USER",
        "@Example_User",
        "https://www.instagram.com/example_user/",
        "instagram.com/Example_User?igsh=xyz",
        "https://m.instagram.com/example_user",
        "www.instagram.com/example_user/?hl=en",
    ],
)
def test_one_handle_written_differently_links_two_reports(written):
    first = send(where=[("Instagram", "@Example_User")])

    second = send(where=[("Insta", written)])

    assert linked(second) == {"username": [first.reference]}
    assert linked(first) == {"username": [second.reference]}
    assert len(links_between(first, second)) == 1


def test_different_handles_do_not_link():
    first = send(where=[("Instagram", "@example_user")])

    second = send(where=[("Instagram", "@example_user2\nexample.user\nexampleuser")])

    assert linked(second) == {}
    assert links_between(first, second) == []


def test_the_same_handle_on_two_known_platforms_does_not_link():
    """On one platform a handle is one account; on two, it is two accounts that may be anyone's."""
    first = send(where=[("Instagram", "example_user")])

    second = send(where=[("TikTok", "example_user")])

    assert linked(second) == linked(first) == {}


def test_a_handle_whose_platform_is_not_known_links_with_the_handle_on_any_platform():
    on_instagram = send(where=[("Instagram", "example_user")])
    on_an_app_we_do_not_know = send(where=[("ExampleChat", "example_user")])
    in_the_names = send(names="@example_user")
    in_the_narrative = send(narrative="He told her to add @Example_User and delete the chat.")

    assert linked(on_instagram) == {
        "username": [
            in_the_narrative.reference,
            in_the_names.reference,
            on_an_app_we_do_not_know.reference,
        ]
    }


def test_a_first_name_in_the_names_links_nothing_but_a_handle_there_does():
    send(names="Sam\nSam Example", where=[("Instagram", "sam")])
    first = send(names="DarkWolf_99")

    second = send(names="Sam\nSam Example\ndarkwolf_99")

    assert linked(second) == {"username": [first.reference]}


def test_answers_that_name_nobody_link_nothing():
    send(where=[("Snapchat", "unknown\nI don't know")], names="n/a")

    second = send(where=[("Snapchat", "Unknown\ndon't know")], names="N/A\nnone")

    assert linked(second) == {}
    assert IdentifierIndex.objects.count() == 0


# --- Email addresses, phone numbers, links -----------------------------------------------------


def test_the_same_email_in_different_letter_case_links():
    first = send(names="Sam.Example@Example.org")

    second = send(narrative="He gave her his email, sam.example@example.ORG, and asked for photos.")

    assert linked(second) == {"email": [first.reference]}


@pytest.mark.parametrize(
    "written", ["+44 7700 900982", "0044 7700 900982", "+44 (0)7700 900982", "07700-900-982"]
)
def test_phone_numbers_written_in_different_formats_link(written):
    first = send(where=[("WhatsApp", "07700900982")])

    second = send(narrative=f"He texted her from {written} late at night.")

    assert linked(second) == {"phone": [first.reference]}


def test_the_same_profile_link_on_a_site_we_do_not_know_links():
    first = send(narrative="He posts on https://www.forum.example/members/Bob123/ a lot.")

    second = send(where=[("A forum", "forum.example/members/bob123?tab=posts")])

    assert linked(second) == {"url": [first.reference]}


def test_the_helpline_number_in_a_narrative_links_nothing():
    send(narrative="I rang the NSPCC helpline on 0808 800 5000 first.")

    second = send(narrative="The NSPCC helpline (0808 800 5000) told me to report it here.")

    assert linked(second) == {}


def test_several_kinds_are_counted_each_under_their_own_kind():
    first = send(where=[("Snapchat", "dark_wolf99")], names="wolf@example.org")
    second = send(where=[("Snapchat", "dark_wolf99")])

    third = send(names="@dark_wolf99\nwolf@example.org")

    groups = linked_reports(case=third.case)
    assert [(g.kind, g.count) for g in groups] == [("username", 2), ("email", 1)]
    assert [c.reference for c in groups[0].cases] == [second.reference, first.reference]
    assert groups[0].sentence == "2 other reports mention the same username"
    assert groups[1].sentence == "1 other report mentions the same email address"


# --- Flags on open and closed cases ------------------------------------------------------------


def test_a_new_report_that_links_to_an_open_case_is_flagged_on_both():
    first = send(where=[("Instagram", "example_user")])

    second = send(where=[("Instagram", "instagram.com/example_user")])

    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case) == (second.case, first.case)
    assert (link.by, link.reason) == (None, "identifier:username")
    assert first.case.links_in.get() == second.case.links_out.get() == link

    on_new = AuditEvent.objects.get(action="case.linked")
    assert on_new.report_id == second.id
    assert on_new.detail == {
        "case": str(second.case.id),
        "other": str(first.case.id),
        "reason": "identifier:username",
    }
    on_other = AuditEvent.objects.get(action="case.identifier_match")
    assert on_other.report_id == first.id
    assert on_other.detail == {
        "case": str(first.case.id),
        "other": str(second.case.id),
        "kinds": ["username"],
    }


def test_a_report_matching_on_several_kinds_links_once_and_names_every_kind():
    first = send(where=[("Instagram", "example_user")], names="sam@example.org\n07700900982")

    second = send(names="@example_user\nSAM@example.org")

    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case, link.reason) == (
        second.case,
        first.case,
        "identifier:username",
    )
    event = AuditEvent.objects.get(action="case.identifier_match")
    assert (event.report_id, event.detail["kinds"]) == (first.id, ["username", "email"])


def test_a_new_report_that_matches_a_closed_case_is_not_flagged_but_still_counted():
    first = send(where=[("Instagram", "example_user")])
    close(first)

    second = send(where=[("Instagram", "example_user")])

    assert CaseLink.objects.count() == 0
    assert not AuditEvent.objects.filter(action="case.identifier_match").exists()
    [group] = linked_reports(case=second.case)
    assert [(c.reference, c.is_open) for c in group.cases] == [(first.reference, False)]


def test_automatic_links_are_capped_and_go_to_the_most_recent_cases(monkeypatch):
    monkeypatch.setattr(services, "MAX_AUTOMATIC_LINKS", 2)
    oldest, middle, newest = (send(names="@example_user") for _ in range(3))

    latest = send(names="@example_user")

    assert {link.to_case for link in latest.case.links_out.all()} == {middle.case, newest.case}
    assert len(linked(latest)["username"]) == 3
    assert links_between(latest, oldest) == []


def test_a_report_with_no_identifiers_stores_none_and_links_nothing():
    send(narrative="Someone asked for photos.")
    second = send(narrative="Someone asked for photos.")

    assert IdentifierIndex.objects.count() == 0
    assert linked_reports(case=second.case) == []


# --- The reporter's own contact details --------------------------------------------------------


def test_the_reporters_own_contact_details_are_not_indexed():
    contact = {"email": "pat.reporter@example.org", "phone": "07700 900123"}
    first = send(contact=contact)
    second = send(contact=contact)

    assert IdentifierIndex.objects.count() == 0
    assert linked(second) == {}
    assert links_between(first, second) == []


def test_a_person_of_concern_with_the_email_another_reporter_gave_as_theirs_links_nothing():
    send(contact={"email": "pat.reporter@example.org", "phone": ""})

    second = send(names="pat.reporter@example.org")

    assert linked(second) == {}
    digest = blind_index(kind="email", value="pat.reporter@example.org")
    assert list(IdentifierIndex.objects.values_list("report_id", "digest")) == [(second.id, digest)]


# --- What is stored ----------------------------------------------------------------------------


def test_only_digests_under_the_index_key_are_stored(settings):
    report = send(where=[("Instagram", "@Example_User")], names="sam@example.org")

    rows = IdentifierIndex.objects.filter(report=report).order_by("kind")
    assert [(r.kind, r.digest, r.platform, r.case_id) for r in rows] == [
        ("email", blind_index(kind="email", value="sam@example.org"), "", report.case.id),
        (
            "username",
            blind_index(kind="username", value="example_user"),
            blind_index(kind="platform", value="instagram")[:16],
            report.case.id,
        ),
    ]
    settings.HAVEN_INDEX_KEY = "another-key"
    assert blind_index(kind="email", value="sam@example.org") != rows[0].digest


def test_a_changed_index_key_links_nothing_old(settings):
    send(names="@example_user")
    settings.HAVEN_INDEX_KEY = "another-key"

    second = send(names="@example_user")

    assert linked(second) == {}


def distinctive() -> dict[str, str]:
    """Identifiers nobody else would write, in the forms a person might write them."""
    mark = uuid.uuid4().hex[:12]
    digits = str(uuid.uuid4().int)[:6]
    return {
        "handle": f"Wolf_{mark}",
        "handle_link": f"https://www.instagram.com/Fox_{mark}/?igsh=abc",
        "email": f"Sam.{mark}@Example.org",
        "phone": f"07700 9{digits[:2]} {digits[2:5]}",
        "narrative_phone": f"+44 (0)7700 8{digits[:2]} {digits[2:5]}",
        "site": f"https://forum.example/members/Owl_{mark}/",
    }


def forms_of(m: dict[str, str]) -> list[str]:
    """Each identifier as written and as normalised, and the phones' bare digits."""
    written = list(m.values())
    normalised = [
        normalise.username(m["handle"]),
        f"fox_{m['handle'][5:]}".lower(),
        normalise.email(m["email"]),
        normalise.phone(m["phone"]),
        normalise.phone(m["narrative_phone"]),
        normalise.in_list(m["site"])[0].value,
    ]
    digits = [
        "".join(ch for ch in str(normalise.phone(p)) if ch.isdigit())[2:]
        for p in (m["phone"], m["narrative_phone"])
    ]
    mark = m["handle"][5:]  # in every identifier but the phones
    return [f for f in [*written, *normalised, *digits, mark] if f]


def test_the_database_holds_no_identifier_in_plaintext_or_normalised(client):
    """Two reports share every identifier, so rows, links and audit events are all written; a
    scan of every table of the raw database finds none of the identifiers in any form."""
    m = distinctive()
    overrides = {
        "what-happened": {
            "what_happened": f"He is {m['site']} and texts from {m['narrative_phone']}."
        },
        "where": {
            **ANSWERS["where"],
            "platform": "Instagram",
            "usernames": f"@{m['handle']}\n{m['handle_link']}",
        },
        "person": {**ANSWERS["person"], "person_names": f"{m['email']}\n{m['phone']}"},
    }
    first = Journey(client).submit("parent", overrides)
    second = Journey(Client()).submit("parent", overrides)

    assert {g.kind: g.count for g in linked_reports(case=second.case)} == {
        "username": 1,
        "email": 1,
        "phone": 1,
        "url": 1,
    }
    assert IdentifierIndex.objects.filter(report=first).count() == 6
    assert links_between(first, second)
    forms = forms_of(m)
    assert len(forms) == 15
    assert {form: tables_holding(form) for form in forms} == {form: [] for form in forms}


def test_the_scan_would_find_an_identifier_stored_in_plaintext():
    """The scan can fail: an identifier written into a table is found."""
    report = send(names="@example_user")
    marker = uuid.uuid4().hex
    IdentifierIndex.objects.filter(report=report).update(digest=marker)

    assert [found.split("[")[0] for found in tables_holding(marker)] == ["linking_identifierindex"]


# --- The lookup's cost -------------------------------------------------------------------------


@pytest.mark.parametrize("others", [1, 6])
def test_linked_reports_takes_one_query_however_many_reports_match(
    others, django_assert_num_queries
):
    for _ in range(others):
        send(where=[("Instagram", "example_user")], names="sam@example.org\n07700900982")
    send(where=[("Instagram", "someone_else")])
    case = send(
        where=[("Instagram", "example_user")], names="sam@example.org\n+44 7700 900982"
    ).case
    case = Case.objects.get(pk=case.pk)

    # This report's digests, the cases sharing one, how many per kind and the newest few: one
    # statement (linking.services.LINKED_SQL).
    with django_assert_num_queries(1):
        groups = linked_reports(case=case)
        summary = [(g.kind, g.count, g.sentence, [c.reference for c in g.cases]) for g in groups]

    assert [(kind, count) for kind, count, _, _ in summary] == [
        ("username", others),
        ("email", others),
        ("phone", others),
    ]


def test_linked_reports_with_no_identifiers_takes_one_query(django_assert_num_queries):
    case = Case.objects.get(pk=send().case.pk)

    with django_assert_num_queries(1):
        assert linked_reports(case=case) == []


def test_a_restricted_case_is_counted_and_flagged_restricted():
    first = send(names="@example_user")
    Case.objects.filter(report=first).update(restricted=True)

    second = send(names="@example_user")

    [group] = linked_reports(case=second.case)
    assert [(c.reference, c.restricted) for c in group.cases] == [(first.reference, True)]


@pytest.mark.django_db(transaction=True)
def test_two_reports_sent_at_the_same_instant_still_link():
    """The audit head lock serialises submissions, so the second to commit sees the first."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the race is PostgreSQL's")
    for round_ in range(10):
        barrier = threading.Barrier(2)
        sent: list[Report] = []

        def submit(barrier=barrier, sent=sent, round_=round_):
            try:
                barrier.wait()
                sent.append(send(names=f"@same_instant_{round_}"))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        first, second = sent
        assert len(links_between(first, second)) == 1


def test_linked_reports_counts_them_all_but_holds_only_the_newest_few():
    sent = [send(where=[("Instagram", "example_user")]) for _ in range(LINKED_SHOWN + 2)]
    case = Case.objects.get(pk=sent[-1].case.pk)

    [group] = linked_reports(case=case)

    others = sorted(
        (Case.objects.get(pk=r.case.pk) for r in sent[:-1]),
        key=lambda c: (c.received_at, c.pk),
        reverse=True,
    )
    assert (group.count, group.more) == (LINKED_SHOWN + 1, 1)
    assert [c.reference for c in group.cases] == [c.reference for c in others[:LINKED_SHOWN]]
    assert [c.reference for c in mentioning(case=case, kind="username")] == [
        c.reference for c in others
    ]
    assert mentioning(case=case, kind="email") == []


def test_a_case_matching_on_two_handles_of_one_kind_is_counted_once():
    both = send(where=[("Instagram", "example_user"), ("Snapchat", "dark_wolf99")])
    one = send(where=[("Snapchat", "dark_wolf99")])

    case = send(names="@example_user\n@dark_wolf99").case

    [group] = linked_reports(case=case)
    assert (group.kind, group.count) == ("username", 2)
    assert [c.reference for c in group.cases] == [one.reference, both.reference]


def test_the_count_follows_the_platform_rule():
    send(where=[("TikTok", "example_user")])  # another account: not counted
    unknown = send(names="@example_user")
    same = send(where=[("Instagram", "example_user")])

    case = send(where=[("Instagram", "example_user")]).case

    [group] = linked_reports(case=case)
    assert group.count == 2
    assert [c.reference for c in group.cases] == [same.reference, unknown.reference]


def test_each_kind_shows_its_newest_few_however_many_the_other_kind_has():
    old_email = send(names="wolf@example.org")
    for _ in range(LINKED_SHOWN + 3):
        send(where=[("Instagram", "example_user")])

    case = send(where=[("Instagram", "example_user")], names="wolf@example.org").case

    username, email = linked_reports(case=case)
    assert (username.kind, username.count, len(username.cases)) == (
        "username",
        LINKED_SHOWN + 3,
        LINKED_SHOWN,
    )
    assert (email.kind, email.count, [c.reference for c in email.cases]) == (
        "email",
        1,
        [old_email.reference],
    )


def test_linked_reports_agrees_with_mentioning_on_every_kind():
    """The case page's summary (counted by the database) and the "see all" page (every row)
    must say the same thing."""
    send(where=[("Instagram", "example_user")], names="wolf@example.org\n07700900982")
    send(where=[("TikTok", "example_user")], names="07700 900982")
    send(names="@example_user\nhttps://example.net/profile/wolf")
    send(where=[("ExampleChat", "example_user")], names="WOLF@example.org")
    for _ in range(LINKED_SHOWN):
        send(names="+44 7700 900982")

    case = send(
        where=[("Instagram", "example_user")],
        names="wolf@example.org\n07700900982\nhttps://example.net/profile/wolf",
    ).case

    groups = linked_reports(case=case)
    assert [g.kind for g in groups] == ["username", "email", "phone", "url"]
    for group in groups:
        every = mentioning(case=case, kind=group.kind)
        assert group.count == len(every)
        assert list(group.cases) == every[:LINKED_SHOWN]


def test_each_index_row_holds_its_cases_time_received():
    """The lookup index holds the time received, so the newest few come without reading every
    case that shares an identifier (LINKED_SQL)."""
    report = send(where=[("Instagram", "example_user")], names="wolf@example.org")

    rows = IdentifierIndex.objects.filter(report=report)

    assert rows.count() == 2
    assert {row.received_at for row in rows} == {Case.objects.get(report=report).received_at}

"""manage.py seed_reports: synthetic reports sealed and triaged like real ones, with their cases."""

import copy
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from haven.audit.models import AuditEvent
from haven.audit.services import verify_chain
from haven.cases.lifecycle import Status
from haven.cases.models import Case, CaseAccess, CaseLink
from haven.cases.services import set_next_target
from haven.devtools import seeding
from haven.linking.models import IdentifierIndex
from haven.linking.services import (
    blind_index,
    identifiers_in_answers,
    linked_reports,
    platform_tag,
)
from haven.reporting import services as reporting_services
from haven.reporting.models import Report
from haven.reporting.services import triage_inputs
from haven.sealing.services import open_sealed
from haven.triage.rules import Inputs, Priority
from haven.triage.services import assess


def seed(*args: str) -> None:
    call_command("seed_reports", *args, verbosity=0)


@pytest.mark.django_db
def test_every_seeded_report_opens_with_the_private_key_and_holds_answers():
    seed("50", "--batch", "20", "--workers", "1")
    reports = list(Report.objects.all())
    assert len(reports) == 50
    for report in reports:
        contents = open_sealed(
            record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
        )
        assert contents["audience"] == report.audience
        answers = contents["answers"]
        assert answers["what-happened"]["what_happened"]
        # The plaintext columns are what the sealed answers say, as for a real submission.
        inputs = triage_inputs(answers)
        assert {name: getattr(report, name) for name in inputs} == inputs
        assert report.submission_key.startswith(seeding.SUBMISSION_KEY_PREFIX)
        assert len(report.followup_verifier) == 64
        assert len(bytes(report.reporter_public_key)) == 32


@pytest.mark.django_db
def test_every_seeded_report_has_a_case_triaged_by_the_real_rules():
    seed("50", "--batch", "20", "--workers", "1")
    cases = list(Case.objects.select_related("report"))
    assert len(cases) == 50
    assert len({case.reference for case in cases}) == 50
    for case in cases:
        report = case.report
        assert case.reference == report.reference
        assert case.received_at == report.received_at
        assert case.priority in Priority.values and case.priority == case.computed_priority
        contents = open_sealed(
            record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
        )
        answers = contents["answers"]
        inputs = triage_inputs(answers)
        again = assess(
            Inputs(
                audience=report.audience,
                concerns=frozenset(inputs["concerns"]),
                danger_now=inputs["danger_now"],
                child_age_band=inputs["child_age_band"],
                several_children=inputs["several_children"],
                person_adult=inputs["person_adult"],
                works_with_children=inputs["works_with_children"],
                narrative=answers["what-happened"]["what_happened"],
            )
        )
        assert case.computed_priority == again.priority
        assert [r["code"] for r in case.reasons] == [r.code for r in again.reasons]
        # The case's life is one it could have had.
        expected = copy.copy(case)
        set_next_target(expected)
        assert (case.next_due_at, case.next_target) == (expected.next_due_at, expected.next_target)
        # No one spoke to a reporter who left no phone or email (seeding sends no messages).
        if not report.contactable:
            assert case.first_contact_at is None
        # Past assessing, someone decided on the threshold.
        if case.status in (Status.NEW, Status.ASSESSING):
            assert case.threshold_decided_at is None
        else:
            assert case.threshold_decided_at is not None
        assert (case.status == Status.CLOSED) == (case.closed_at is not None)
        if case.status == Status.NEW:
            assert case.first_read_at is None
        else:
            assert case.first_read_at is not None and case.first_read_by_id is not None
            assert case.received_at <= case.first_read_at
        if case.first_contact_at is not None:
            assert case.first_read_at is not None
            assert case.first_read_at <= case.first_contact_at


@pytest.mark.django_db
def test_assignees_are_synthetic_advisors_without_a_usable_password():
    seed("50", "--workers", "1")
    assignees = {c.assigned_to for c in Case.objects.exclude(assigned_to=None)}
    assert assignees
    for user in assignees:
        assert user.username in seeding.SYNTHETIC_STAFF
        assert not user.has_usable_password()


@pytest.mark.django_db
def test_the_seeding_is_one_audit_event_and_the_chain_verifies():
    seed("50", "--batch", "20", "--workers", "1")
    events = list(AuditEvent.objects.all())
    assert [(e.action, e.detail["count"]) for e in events] == [("reports.seeded", 50)]
    assert events[0].detail["links"] == CaseLink.objects.count()
    seed("7", "--workers", "1")
    assert verify_chain().ok
    assert AuditEvent.objects.filter(action="reports.seeded").count() == 2
    assert Report.objects.count() == 57


@pytest.mark.django_db
def test_it_refuses_in_production(settings):
    settings.HAVEN_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        seed("5")
    assert not Report.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_it_runs_in_production_only_with_force(settings):
    settings.HAVEN_ENV = "production"
    seed("5", "--force", "--workers", "1")
    assert Report.objects.count() == 5


@pytest.mark.django_db
def test_it_refuses_without_a_key_to_seal_with(key_dir):
    (key_dir / "current").unlink()
    with pytest.raises(CommandError, match="Cannot seal"):
        seed("5", "--workers", "1")
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["0", "-3"])
def test_it_refuses_a_count_below_one(count):
    with pytest.raises(CommandError):
        seed(count)


@pytest.mark.django_db
def test_a_reference_that_is_taken_is_drawn_again(monkeypatch):
    seed("1", "--workers", "1")
    taken = Report.objects.get().reference
    draws = iter([taken, taken, "HVN-AAAA-0001", "HVN-AAAA-0001", "HVN-AAAA-0002"])
    # build_report draws each report's first; the seeding draws again for the taken ones.
    monkeypatch.setattr(seeding, "new_reference", lambda: next(draws))
    monkeypatch.setattr(reporting_services, "new_reference", lambda: next(draws))
    seed("2", "--workers", "1")
    assert sorted(Report.objects.values_list("reference", flat=True)) == sorted(
        [taken, "HVN-AAAA-0001", "HVN-AAAA-0002"]
    )
    assert sorted(Case.objects.values_list("reference", flat=True)) == sorted(
        [taken, "HVN-AAAA-0001", "HVN-AAAA-0002"]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel seeding runs only on PostgreSQL"
)
def test_several_processes_seed_in_parallel():
    seed("30", "--batch", "7", "--workers", "2")
    assert Report.objects.count() == 30
    assert Case.objects.count() == 30
    assert AuditEvent.objects.filter(action="reports.seeded").get().detail["count"] == 30
    assert verify_chain().ok


@pytest.mark.django_db
def test_identifiers_are_indexed_as_a_submission_indexes_them():
    seed("40", "--workers", "1")
    for report in Report.objects.all():
        answers = open_sealed(
            record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
        )["answers"]
        expected = {
            (i.kind, blind_index(kind=i.kind, value=i.value), platform_tag(i.platform))
            for i in identifiers_in_answers(answers)
        }
        stored = set(
            IdentifierIndex.objects.filter(report=report).values_list("kind", "digest", "platform")
        )
        assert stored and stored == expected
    # Some handles recur across reports, so some cases have linked reports to show.
    assert any(linked_reports(case=case) for case in Case.objects.all())


@pytest.mark.django_db
def test_a_restricted_case_names_who_may_open_it(monkeypatch):
    monkeypatch.setattr(seeding, "RESTRICTED_SHARE", 1.0)
    seed("10", "--workers", "1")
    for case in Case.objects.all():
        assert case.restricted
        named = set(CaseAccess.objects.filter(case=case).values_list("user__username", flat=True))
        assert named and named <= set(seeding.SYNTHETIC_STAFF)
        if case.assigned_to is not None:
            assert case.assigned_to.username in named


@pytest.mark.django_db
def test_cases_that_share_an_identifier_are_linked_each_to_the_one_before():
    seed("60", "--workers", "1")
    groups: dict[tuple[str, str], set] = {}
    for kind, digest, case_id in IdentifierIndex.objects.values_list("kind", "digest", "case_id"):
        groups.setdefault((kind, digest), set()).add(case_id)
    received = dict(Case.objects.values_list("id", "received_at"))
    links = set(CaseLink.objects.values_list("from_case_id", "to_case_id"))
    expected = set()
    for cases in groups.values():
        chain = sorted(cases, key=lambda c: (received[c], str(c)))
        expected |= set(zip(chain[1:], chain[:-1], strict=True))
    assert expected and links == expected
    assert set(CaseLink.objects.values_list("reason", flat=True)) <= {
        "identifier:username",
        "identifier:email",
        "identifier:phone",
        "identifier:url",
    }


def no_older_transaction_is_running(xid: str, timeout: float = 120) -> None:
    """Wait until no other session holds a transaction id older than ``xid``.

    VACUUM keeps the row versions a transaction begun before they died might still need, and
    PostgreSQL keeps them for a transaction holding an id in any database of the cluster, not
    only this one. Run alone, nothing else is running; under pytest-xdist another worker's test
    (each test a transaction, in that worker's own database) often is, until that test ends.
    """
    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, datname, backend_xid, state, left(query, 80) FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND age(backend_xid) > age(%s::xid)",
                [xid],
            )
            older = cursor.fetchall()
        if not older:
            return
        assert time.monotonic() < deadline, f"transactions older than {xid} still run: {older}"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_the_counters_are_compacted_after_seeding_on_postgresql():
    """Thousands of counter updates in one transaction leave dead row versions a VACUUM cannot
    shrink away; the seeding gives the space back, so the team page reads a few pages."""
    if connection.vendor != "postgresql":
        pytest.skip("the counters are compacted on PostgreSQL only")
    from django.db import transaction

    from haven.cases.models import OpenCaseCount
    from tests.factories import StaffUserFactory

    holder = StaffUserFactory()
    with transaction.atomic():
        row = OpenCaseCount.objects.create(user=holder, priority="P2", open_cases=0)
        for n in range(3000):
            OpenCaseCount.objects.filter(pk=row.pk).update(open_cases=n)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::xid::text")
            updates = cursor.fetchone()[0]

    def pages() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('cases_opencasecount') / 8192")
            return cursor.fetchone()[0]

    assert pages() > 10
    no_older_transaction_is_running(updates)
    seeding.compact_open_case_counts()
    assert pages() == 1
    assert OpenCaseCount.objects.get(pk=row.pk).open_cases == 2999

"""The directory of partner agencies: entries, areas, search, and CSV in and out."""

from __future__ import annotations

from typing import Any

import pytest

from haven.audit.models import AuditEvent
from haven.referrals import directory
from haven.referrals.directory import AgencyEntry, NameTaken, Problem
from haven.referrals.models import PartnerAgency
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Any:
    return StaffUserFactory(role="administrator")


def add(admin: Any, name: str, areas: list[str], **kw: Any) -> PartnerAgency:
    return directory.save_agency(
        entry=AgencyEntry(name=name, kind=kw.pop("kind", "social_care"), areas=areas, **kw),
        by=admin,
    )


@pytest.mark.parametrize("written", ["St. Helens", "st helens", "Saint Helens", "ST HELENS "])
def test_an_area_is_found_however_it_is_written(admin, written):
    agency = add(admin, "Example Children's Services", ["St Helens"])
    assert list(directory.find(written)) == [agency]


def test_search_finds_an_area_whose_name_holds_what_was_typed_and_filters_by_kind(admin):
    care = add(admin, "Example Care", ["Kirklees Council"])
    police = add(admin, "Example Police CPU", ["Kirklees"], kind="police")
    add(admin, "Elsewhere Care", ["Calderdale"])
    assert list(directory.find("kirklees")) == [care, police]
    assert list(directory.find("Kirklees", kind="police")) == [police]
    assert list(directory.find("Ki")) == []  # too short to match part of a name


def test_an_inactive_agency_is_not_offered(admin):
    add(admin, "Closed Service", ["Leeds"], active=False)
    assert list(directory.find("Leeds")) == []


def test_the_administrators_directory_can_include_the_agencies_not_in_use(admin):
    closed = add(admin, "Closed Service", ["Leeds"], active=False)
    open_ = add(admin, "Open Service", ["Leeds"])
    add(admin, "Elsewhere", ["York"], active=False)
    assert list(directory.find("leeds", include_inactive=True)) == [closed, open_]
    assert list(directory.find("", include_inactive=True).values_list("name", flat=True)) == [
        "Closed Service",
        "Elsewhere",
        "Open Service",
    ]


def test_a_bad_entry_is_refused_with_what_is_wrong(admin):
    with pytest.raises(ValueError, match="secure email"):
        add(admin, "No Address", ["Leeds"], delivery="secure_email")
    with pytest.raises(ValueError, match="at least one area"):
        add(admin, "Nowhere", [])
    assert not PartnerAgency.objects.exists()


def test_each_problem_names_the_field_it_is_about():
    entry = AgencyEntry(
        name="x" * 201,
        kind="fire_brigade",
        areas=[],
        delivery="secure_email",
        out_of_hours="y" * 201,
    )
    assert [problem.field for problem in entry.check()] == [
        "name",
        "kind",
        "secure_email",
        "out_of_hours",
        "areas",
    ]
    assert entry.check()[0] == Problem("name", "The agency's name must be 200 characters or fewer")


def test_a_nul_byte_is_refused_in_every_text_it_could_reach_the_database_in(admin):
    entry = AgencyEntry(
        name="A\x00B",
        kind="police",
        areas=["Le\x00eds"],
        delivery="secure_email",
        secure_email="cpu@exa\x00mple.org",
        out_of_hours="0300\x00",
    )
    assert {problem.field for problem in entry.check()} == {
        "name",
        "areas",
        "secure_email",
        "out_of_hours",
    }
    with pytest.raises(ValueError, match="cannot be used"):
        directory.save_agency(entry=entry, by=admin)
    assert not PartnerAgency.objects.exists()


def test_a_name_another_agency_has_in_any_case_is_refused(admin):
    first = add(admin, "Example Care", ["Leeds"])
    with pytest.raises(NameTaken):
        add(admin, "EXAMPLE care ", ["York"])
    second = add(admin, "Other Care", ["York"])
    with pytest.raises(NameTaken):
        directory.save_agency(
            entry=AgencyEntry(name="example care", kind="lado", areas=["York"]),
            by=admin,
            agency=second,
        )
    # An agency keeps its own name in another case.
    directory.save_agency(
        entry=AgencyEntry(name="EXAMPLE CARE", kind="lado", areas=["Leeds"]), by=admin, agency=first
    )
    assert sorted(PartnerAgency.objects.values_list("name", flat=True)) == [
        "EXAMPLE CARE",
        "Other Care",
    ]


def test_saving_is_audited_without_a_name(admin):
    agency = add(admin, "Example Care", ["Leeds"])
    event = AuditEvent.objects.get(action="agency.saved")
    assert event.detail == {"agency": str(agency.id), "new": True, "active": True}


def test_areas_are_split_trimmed_and_kept_once():
    assert directory.split_areas(" Leeds ;\nleeds; Bradford\n\n") == ["Leeds", "Bradford"]


def test_the_directory_goes_out_as_csv_and_comes_back_the_same(admin):
    add(admin, "Example Care", ["Leeds", "Bradford"], out_of_hours="0300 555 0000")
    add(
        admin,
        "=Formula Police",
        ["Wakefield"],
        kind="police",
        delivery="secure_email",
        secure_email="cpu@example.org",
    )
    text = directory.export_csv(PartnerAgency.objects.order_by("name"))
    assert text.splitlines()[0] == ",".join(directory.CSV_COLUMNS)
    assert "'=Formula Police" in text  # a spreadsheet does not run it
    PartnerAgency.objects.all().delete()
    result = directory.import_csv(text=text, by=admin)
    assert (result.added, result.changed, result.problems) == (2, 0, [])
    police = PartnerAgency.objects.get(kind="police")
    assert (police.name, police.secure_email, police.delivery) == (
        "=Formula Police",
        "cpu@example.org",
        "secure_email",
    )
    assert list(directory.find("bradford")) == [PartnerAgency.objects.get(name="Example Care")]


def test_the_export_is_audited_with_the_count_and_lists_every_agency_by_name(admin):
    add(admin, "B Care", ["Leeds"], active=False)
    add(admin, "A Care", ["York"])
    text = directory.export_directory(by=admin)
    assert [line.split(",")[0] for line in text.splitlines()] == ["name", "A Care", "B Care"]
    event = AuditEvent.objects.get(action="agencies.exported")
    assert (event.actor_id, event.detail) == (admin.pk, {"agencies": 2})


def test_a_formula_at_the_start_of_the_areas_comes_back_without_its_guard(admin):
    add(admin, "Example Care", ["-Leeds", "York"], out_of_hours="+44 300 555 0000")
    text = directory.export_csv(PartnerAgency.objects.all())
    assert "'-Leeds; York" in text and "'+44 300 555 0000" in text
    PartnerAgency.objects.all().delete()
    assert directory.import_csv(text=text, by=admin).problems == []
    agency = PartnerAgency.objects.get()
    assert (agency.areas, agency.out_of_hours) == (["-Leeds", "York"], "+44 300 555 0000")


def test_an_import_with_a_bad_row_saves_nothing_and_names_each_problem(admin):
    text = (
        "name,kind,areas\n"
        "Good Care,social_care,Leeds\n"
        "Bad Kind,fire_brigade,York\n"
        "Good Care,social_care,Leeds\n"
    )
    result = directory.import_csv(text=text, by=admin)
    assert result.problems == [
        (3, "The kind must be one of social_care, police, lado, other"),
        (4, "This agency is named twice in the file"),
    ]
    assert not PartnerAgency.objects.exists()


def test_an_import_changes_agencies_it_names(admin):
    add(admin, "Example Care", ["Leeds"])
    result = directory.import_csv(text="name,kind,areas\nexample care,lado,Leeds; York\n", by=admin)
    assert (result.added, result.changed) == (0, 1)
    agency = PartnerAgency.objects.get()
    assert (agency.kind, agency.areas) == ("lado", ["Leeds", "York"])
    assert AuditEvent.objects.filter(action="agencies.imported").count() == 1


@pytest.mark.parametrize("text", ["", "not,a,header\n1,2,3\n", "\x00\x00", "name\n" + "x\n" * 3])
def test_a_file_that_is_not_the_directory_is_refused_plainly(admin, text):
    result = directory.import_csv(text=text, by=admin)
    assert result.problems and not PartnerAgency.objects.exists()

"""The partner agency directory's pages, for administrators: the list searched by area, adding
and changing an agency, and the directory as a CSV file out and in; everyone else refused and
audited; no hostile value or file gives a 5xx or saves anything it should not."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.referrals import directory
from haven.referrals.directory import AgencyEntry
from haven.referrals.models import AgencyArea, PartnerAgency
from tests.factories import StaffUserFactory, partner_user, verified_client

pytestmark = pytest.mark.django_db

LIST = reverse("staff:agencies")
ADD = reverse("staff:agency_add")
IMPORT = reverse("staff:agencies_import")
EXPORT = reverse("staff:agencies_export")
HEADER = ",".join(directory.CSV_COLUMNS)


def text_of(response: Any) -> str:
    """The page's words, as a person reads them (a line may break inside an address at a
    ``<wbr>``, which is no space)."""
    html = response.content.decode().replace("<wbr>", "")
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


@pytest.fixture
def admin() -> Any:
    return StaffUserFactory(role="administrator", username="admin-agencies")


@pytest.fixture
def admin_client(admin: Any) -> Client:
    return verified_client(admin)


def add(admin: Any, name: str, areas: list[str], **kw: Any) -> PartnerAgency:
    return directory.save_agency(
        entry=AgencyEntry(name=name, kind=kw.pop("kind", "social_care"), areas=areas, **kw),
        by=admin,
    )


def agency_url(agency: PartnerAgency) -> str:
    return reverse("staff:agency", args=[agency.id])


def good_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Leeds Children's Social Work Service",
        "kind": "social_care",
        "areas": "Leeds\nWakefield",
        "delivery": "portal",
        "secure_email": "",
        "out_of_hours": "Emergency duty team 0300 555 0000",
        **changes,
    }


def upload(content: bytes, name: str = "agencies.csv") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def listed(response: Any) -> list[str]:
    """The agencies' names in the list's table, in order."""
    html = response.content.decode()
    table = html[html.index('id="agencies"') :]
    return [
        unescape(name)
        for name in re.findall(r'href="/staff/agencies/[0-9a-f-]{36}/">([^<]*)<', table)
    ]


def saved_state() -> list[tuple[Any, ...]]:
    """Everything the directory holds, to show that something changed nothing."""
    agencies = PartnerAgency.objects.order_by("name").values_list(
        "name", "kind", "areas", "delivery", "secure_email", "out_of_hours", "active"
    )
    return [tuple(row) for row in agencies] + sorted(
        AgencyArea.objects.values_list("agency__name", "key")
    )


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_each_agency_in_use_with_its_kind_areas_and_how_referrals_reach_it(
    admin_client, admin
):
    add(admin, "Leeds Care", ["Leeds", "Wakefield"])
    add(
        admin,
        "West Yorkshire Police CPU",
        ["Leeds"],
        kind="police",
        delivery="secure_email",
        secure_email="cpu@example.gov.uk",
    )
    add(admin, "Closed Service", ["Leeds"], active=False)
    response = admin_client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == ["Leeds Care", "West Yorkshire Police CPU"]
    text = text_of(response)
    assert "2 agencies in use" in text
    assert "Leeds, Wakefield" in text
    assert "Police child protection unit" in text
    assert "Secure email to cpu@example.gov.uk" in text
    assert "Partner portal" in text
    assert "Not in use" not in text.replace("Show agencies not in use", "")


def test_the_search_finds_agencies_by_area_however_it_is_written(admin_client, admin):
    add(admin, "St Helens Care", ["St. Helens"])
    add(admin, "Kirklees Care", ["Kirklees Council"])
    add(admin, "Elsewhere", ["Calderdale"])
    response = admin_client.get(LIST, {"area": "saint helens"})
    assert listed(response) == ["St Helens Care"]
    assert "1 agency in use serves saint helens" in text_of(response)
    assert listed(admin_client.get(LIST, {"area": "kirklees"})) == ["Kirklees Care"]
    nothing = admin_client.get(LIST, {"area": "Atlantis"})
    assert listed(nothing) == []
    assert "No agency in the directory serves that area" in text_of(nothing)


def test_agencies_not_in_use_are_listed_and_tagged_only_when_asked_for(admin_client, admin):
    add(admin, "Closed Service", ["Leeds"], active=False)
    add(admin, "Open Service", ["Leeds"])
    add(admin, "Closed Elsewhere", ["York"], active=False)
    assert listed(admin_client.get(LIST, {"area": "Leeds"})) == ["Open Service"]
    both = admin_client.get(LIST, {"area": "Leeds", "inactive": "yes"})
    assert listed(both) == ["Closed Service", "Open Service"]
    assert both.content.decode().count(">Not in use</strong>") == 1
    assert 'value="yes" checked' in both.content.decode()
    everything = admin_client.get(LIST, {"area": "", "inactive": "yes"})
    assert listed(everything) == ["Closed Elsewhere", "Closed Service", "Open Service"]


def test_the_list_is_paged_by_fifty(admin_client, admin):
    PartnerAgency.objects.bulk_create(
        PartnerAgency(name=f"Agency {n:03d}", kind="other", areas=["Leeds"]) for n in range(60)
    )
    first = admin_client.get(LIST)
    assert len(listed(first)) == 50 and "60 agencies in use" in text_of(first)
    second = admin_client.get(LIST, {"page": "2"})
    assert listed(second) == [f"Agency {n:03d}" for n in range(50, 60)]
    assert admin_client.get(LIST, {"page": "²"}).status_code == 404


def test_the_menu_offers_partner_agencies_to_administrators_only(admin_client):
    assert 'href="/staff/agencies/"' in admin_client.get(reverse("staff:team")).content.decode()
    supervisor = verified_client(StaffUserFactory(role="supervisor"))
    assert 'href="/staff/agencies/"' not in supervisor.get(reverse("staff:team")).content.decode()


# --- Adding and changing -----------------------------------------------------------------------


def test_an_administrator_adds_an_agency_and_the_list_says_so_once(admin_client, admin):
    response = admin_client.post(ADD, good_form())
    assert response.status_code == 302 and response["Location"] == LIST
    agency = PartnerAgency.objects.get()
    assert (agency.name, agency.kind, agency.areas, agency.delivery, agency.active) == (
        "Leeds Children's Social Work Service",
        "social_care",
        ["Leeds", "Wakefield"],
        "portal",
        True,
    )
    assert list(directory.find("wakefield")) == [agency]
    event = AuditEvent.objects.get(action="agency.saved")
    assert (event.actor_id, event.detail["new"]) == (admin.pk, True)
    shown = admin_client.get(LIST)
    assert "Leeds Children's Social Work Service has been added to the directory." in text_of(shown)
    assert "has been added" not in text_of(admin_client.get(LIST))


def test_the_add_page_asks_each_question_and_a_new_agency_is_in_use(admin_client):
    page = admin_client.get(ADD)
    html = page.content.decode()
    assert page.status_code == 200
    for label in (
        "Name of the agency",
        "What kind of agency is it?",
        "Areas it serves",
        "How do referrals reach it?",
        "Secure email address",
        "Out-of-hours contact (optional)",
    ):
        assert label in unescape(html), label
    assert "Is the agency in use?" not in html
    # The secure email address is revealed under its radio.
    assert 'data-aria-controls="conditional-id_delivery-2"' in html
    assert 'id="conditional-id_delivery-2"' in html
    assert html.index('id="conditional-id_delivery-2"') < html.index('id="id_secure_email"')


def test_nothing_filled_in_names_each_question_in_the_error_summary(admin_client):
    response = admin_client.post(ADD, {})
    assert response.status_code == 200
    text = text_of(response)
    for message in (
        "Enter the agency's name",
        "Choose what kind of agency it is",
        "Enter at least one area it serves",
        "Choose how referrals reach it",
    ):
        assert message in text, message
    html = response.content.decode()
    for anchor in ("#id_name", "#id_kind", "#id_areas", "#id_delivery"):
        assert f'href="{anchor}"' in html, anchor
    assert not PartnerAgency.objects.exists()


def test_secure_email_delivery_needs_a_real_address_and_portal_keeps_none(admin_client):
    missing = admin_client.post(ADD, good_form(delivery="secure_email"))
    assert "Enter the secure email address referrals are sent to" in text_of(missing)
    assert 'href="#id_secure_email"' in missing.content.decode()
    wrong = admin_client.post(
        ADD, good_form(delivery="secure_email", secure_email="not-an-address")
    )
    assert "Enter the secure email address in the right format" in text_of(wrong)
    assert not PartnerAgency.objects.exists()
    admin_client.post(ADD, good_form(delivery="portal", secure_email="left@over"))
    assert PartnerAgency.objects.get().secure_email == ""
    admin_client.post(
        ADD, good_form(name="By Email", delivery="secure_email", secure_email="cpu@example.gov.uk")
    )
    assert PartnerAgency.objects.get(name="By Email").secure_email == "cpu@example.gov.uk"


def test_too_many_or_too_long_areas_are_refused_not_cut(admin_client):
    many = "\n".join(f"Area {n}" for n in range(directory.MAX_AREAS + 1))
    assert "Enter at most 50 areas" in text_of(admin_client.post(ADD, good_form(areas=many)))
    long_one = admin_client.post(ADD, good_form(areas="Leeds\n" + "x" * 101))
    assert "Each area must be 100 characters or fewer" in text_of(long_one)
    punctuation = admin_client.post(ADD, good_form(areas="!!!\n..."))
    assert "Enter at least one area it serves" in text_of(punctuation)
    assert not PartnerAgency.objects.exists()


@pytest.mark.parametrize("name", ["Leeds Care", "LEEDS care", "  leeds CARE  "])
def test_a_name_already_in_the_directory_is_a_clear_error(admin_client, admin, name):
    add(admin, "Leeds Care", ["Leeds"])
    response = admin_client.post(ADD, good_form(name=name))
    assert response.status_code == 200
    assert "An agency with this name is already in the directory" in text_of(response)
    assert 'href="#id_name"' in response.content.decode()
    assert PartnerAgency.objects.count() == 1


def test_a_name_taken_between_the_check_and_the_insert_is_the_same_clear_error(
    admin_client, monkeypatch
):
    def taken(**kwargs: Any) -> Any:
        raise IntegrityError("UNIQUE constraint failed: referrals_partneragency.name")

    monkeypatch.setattr(directory, "save_agency", taken)
    response = admin_client.post(ADD, good_form())
    assert response.status_code == 200
    assert "An agency with this name is already in the directory" in text_of(response)


def test_an_administrator_changes_an_agency_and_takes_it_out_of_use(admin_client, admin):
    agency = add(admin, "Leeds Care", ["Leeds"], out_of_hours="0300 555 0000")
    page = admin_client.get(agency_url(agency))
    html = unescape(page.content.decode())
    assert page.status_code == 200
    assert 'value="Leeds Care"' in html and ">Leeds</textarea>" in html
    assert "Is the agency in use?" in html
    response = admin_client.post(
        agency_url(agency),
        good_form(name="Leeds Care (old)", kind="lado", areas="Leeds; York", active="no"),
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.name, agency.kind, agency.areas, agency.active) == (
        "Leeds Care (old)",
        "lado",
        ["Leeds", "York"],
        False,
    )
    assert list(directory.find("York")) == []
    assert "Your changes to Leeds Care (old) have been saved." in text_of(admin_client.get(LIST))
    events = AuditEvent.objects.filter(action="agency.saved").order_by("pk")
    assert events.last().detail == {"agency": str(agency.id), "new": False, "active": False}


def test_an_agency_keeps_its_name_in_another_case_but_not_another_agencys(admin_client, admin):
    agency = add(admin, "Leeds Care", ["Leeds"])
    add(admin, "York Care", ["York"])
    assert (
        admin_client.post(
            agency_url(agency), good_form(name="LEEDS CARE", active="yes")
        ).status_code
        == 302
    )
    refused = admin_client.post(agency_url(agency), good_form(name="york care", active="yes"))
    assert "An agency with this name is already in the directory" in text_of(refused)
    agency.refresh_from_db()
    assert agency.name == "LEEDS CARE"


def test_an_agency_that_does_not_exist_is_not_found(admin_client):
    missing = reverse("staff:agency", args=["00000000-0000-0000-0000-000000000000"])
    assert admin_client.get(missing).status_code == 404
    assert admin_client.get("/staff/agencies/not-a-uuid/").status_code == 404


# --- CSV out and in ----------------------------------------------------------------------------


def test_the_export_is_a_csv_download_and_is_audited(admin_client, admin):
    add(admin, "Leeds Care", ["Leeds", "Wakefield"])
    add(admin, '=HYPERLINK("http://example.com")', ["York"])
    response = admin_client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="partner-agencies-')
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(directory.CSV_COLUMNS)
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("http://example.com")', "Leeds Care"]
    event = AuditEvent.objects.get(action="agencies.exported")
    assert (event.actor_id, event.detail) == (admin.pk, {"agencies": 2})


def test_export_then_import_gives_the_same_directory(admin_client, admin):
    add(admin, "Leeds Care", ["Leeds", "Wakefield"], out_of_hours="+44 300 555 0000")
    add(
        admin,
        "=Police CPU",
        ["-Bradford", "Kirklees"],
        kind="police",
        delivery="secure_email",
        secure_email="cpu@example.gov.uk",
    )
    add(admin, "Closed Zürich Office", ["Calderdale"], kind="other", active=False)
    before = saved_state()
    exported = admin_client.get(EXPORT).content
    PartnerAgency.objects.all().delete()
    response = admin_client.post(IMPORT, upload(exported))
    assert response.status_code == 302 and response["Location"] == LIST
    assert saved_state() == before
    assert "File imported: 3 added, 0 changed." in text_of(admin_client.get(LIST))
    # And again over the same directory: every agency changed, none added, nothing different.
    admin_client.post(IMPORT, upload(exported))
    assert saved_state() == before
    assert "File imported: 0 added, 3 changed." in text_of(admin_client.get(LIST))


def test_an_import_adds_and_changes_agencies_and_is_audited(admin_client, admin):
    add(admin, "Leeds Care", ["Leeds"])
    content = f"{HEADER}\nleeds care,lado,Leeds; York,portal,,,yes\nNew Police,police,Hull,,,,\n"
    response = admin_client.post(IMPORT, upload(content.encode()))
    assert response.status_code == 302
    assert sorted(PartnerAgency.objects.values_list("name", "kind")) == [
        ("New Police", "police"),
        ("leeds care", "lado"),
    ]
    event = AuditEvent.objects.get(action="agencies.imported")
    assert (event.actor_id, event.detail) == (admin.pk, {"added": 1, "changed": 1})


def test_an_import_with_problems_lists_each_row_and_saves_nothing(admin_client, admin):
    add(admin, "Leeds Care", ["Leeds"])
    before = saved_state()
    content = (
        "name,kind,areas,delivery\n"
        "Good Care,social_care,York,portal\n"
        "Bad Kind,fire_brigade,Hull,portal\n"
        "No Address,police,Leeds,secure_email\n"
        ",social_care,Leeds,portal\n"
    )
    response = admin_client.post(IMPORT, upload(content.encode()))
    assert response.status_code == 200
    text = text_of(response)
    assert "Row 3: The kind must be one of social_care, police, lado, other" in text
    assert "Row 4: Enter the secure email address referrals are sent to" in text
    assert "Row 5: Enter the agency's name" in text
    assert "The file has 3 problems. Nothing has been saved" in text
    html = response.content.decode()
    assert html.count('href="#file"') == 3
    assert 'id="file"' in html and "govuk-file-upload--error" in html
    assert saved_state() == before
    assert not AuditEvent.objects.filter(action="agencies.imported").exists()


def test_many_problems_are_summarised_after_the_first_fifty(admin_client):
    rows = "".join(f"Agency {n},fire_brigade,Leeds\n" for n in range(80))
    response = admin_client.post(IMPORT, upload(f"name,kind,areas\n{rows}".encode()))
    text = text_of(response)
    assert "Row 51:" in text and "Row 52:" not in text
    assert "and 30 more problems" in text
    assert not PartnerAgency.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"x" * 1_000_001, "The file must be 1 MB or smaller"),
        ("name,kind,areas\nZürich,other,Zürich\n".encode("latin-1"), "saved as UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "saved as UTF-8"),
        (b"name,kind,areas\nA\x00B,other,Leeds\n", "characters a CSV file never has"),
        (b"%PDF-1.4\n1 0 obj\n", "The first row must name the columns"),
        (b'name,kind,areas\n"unclosed,other,Leeds\n', "Row"),
    ],
    ids=["empty", "too-big", "latin-1", "binary", "nul", "not-the-directory", "bad-quotes"],
)
def test_a_file_that_is_not_the_directory_is_refused_plainly(admin_client, content, message):
    response = admin_client.post(IMPORT, upload(content))
    assert response.status_code == 200
    assert message in text_of(response)
    assert 'href="#file"' in response.content.decode()
    assert not PartnerAgency.objects.exists()


def test_no_file_chosen_is_an_error_on_the_upload(admin_client):
    for data in ({}, {"file": "not a file"}, {"file": "\x00"}):
        response = admin_client.post(IMPORT, data)
        assert response.status_code == 200
        assert "Choose a CSV file to import" in text_of(response)


def test_a_huge_csv_under_the_size_limit_is_refused_by_its_number_of_rows(admin_client):
    rows = "".join(f"Agency {n},other,Leeds\n" for n in range(directory.MAX_IMPORT_ROWS + 5))
    content = f"name,kind,areas\n{rows}".encode()
    assert len(content) < 1_000_000
    response = admin_client.post(IMPORT, upload(content))
    assert "A file may hold at most 2000 agencies" in text_of(response)
    assert not PartnerAgency.objects.exists()


def test_formulas_in_a_csv_are_kept_as_words_shown_as_text_and_guarded_on_export(
    admin_client,
):
    content = (
        "name,kind,areas,delivery,secure_email,out_of_hours\n"
        '"=HYPERLINK(""http://evil.example"",""Click"")",other,Leeds,portal,,=1+1\n'
        "<script>alert(1)</script>,other,@SUM(A1),portal,,-2\n"
    )
    assert admin_client.post(IMPORT, upload(content.encode())).status_code == 302
    page = admin_client.get(LIST, {"area": "Leeds"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin_client.get(LIST).content.decode()
    exported = admin_client.get(EXPORT).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://evil.example","Click")' in cells and "'@SUM(A1)" in cells


# --- Everyone else -----------------------------------------------------------------------------


@pytest.fixture
def an_agency(admin: Any) -> PartnerAgency:
    return add(admin, "Leeds Care", ["Leeds"])


@pytest.mark.parametrize("role", ["advisor", "supervisor", "partner"])
def test_everyone_but_administrators_is_refused_and_audited(role, an_agency):
    user = partner_user(an_agency) if role == "partner" else StaffUserFactory(role=role)
    client = verified_client(user)
    before = saved_state()
    requests = [
        ("get", LIST, {}),
        ("get", ADD, {}),
        ("post", ADD, good_form(name="Sneaky")),
        ("get", agency_url(an_agency), {}),
        ("post", agency_url(an_agency), good_form(name="Renamed", active="no")),
        ("get", EXPORT, {}),
        ("get", IMPORT, {}),
        ("post", IMPORT, upload(f"{HEADER}\nSneaky,other,Leeds,,,,\n".encode())),
    ]
    for method, url, data in requests:
        refusals = AuditEvent.objects.filter(action="staff.refused", actor_id=user.pk).count()
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
        assert "Leeds Care" not in response.content.decode()
        after = AuditEvent.objects.filter(action="staff.refused", actor_id=user.pk).count()
        assert after == refusals + 1, (method, url)
    assert saved_state() == before
    assert not AuditEvent.objects.filter(action="agencies.exported").exists()


def test_a_visitor_who_is_not_signed_in_goes_to_sign_in(an_agency):
    for url in (LIST, ADD, agency_url(an_agency), EXPORT, IMPORT):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/staff/sign-in/")


# --- Hostile input -----------------------------------------------------------------------------

HOSTILE = [
    "²",
    "\x00",
    "a\x00b",
    "x" * 300,
    "y" * 100_000,
    "9" * 40,
    "<b>x</b>",
    "=cmd|' /C calc'!A0",
    "\u202e\ufeff",
    " ",
    "",
    "secure_email",
    "fire_brigade",
]
DJANGO_DEFAULTS = (
    "Ensure this value",
    "Select a valid choice",
    "This field is required",
    "Enter a valid",
    "Null characters are not allowed",
    "No file was submitted",
    "The submitted file is empty",
)
FIELDS = ["name", "kind", "areas", "delivery", "secure_email", "out_of_hours", "active"]


def _sent(client: Client, url: str, data: dict[str, Any], method: str = "post") -> int:
    response = getattr(client, method)(url, data)
    html = response.content.decode(errors="replace")
    shown = [words for words in DJANGO_DEFAULTS if words in html]
    assert not shown, (url, shown)
    return int(response.status_code)


def test_no_hostile_value_in_any_field_gives_a_5xx_or_saves_a_bad_entry(admin_client, admin):
    agency = add(admin, "Leeds Care", ["Leeds"])
    for url in (ADD, agency_url(agency)):
        for name in FIELDS:
            for value in HOSTILE:
                data = {**good_form(name=f"Hostile {name}", active="yes"), name: value}
                assert _sent(admin_client, url, data) < 500, (url, name, value)
    for value in HOSTILE:
        for query in (
            {"area": value},
            {"inactive": value},
            {"page": value},
            {"area": value, "inactive": "yes"},
        ):
            assert _sent(admin_client, LIST, query, "get") < 500, query
    for agency in PartnerAgency.objects.all():
        assert "\x00" not in agency.name + agency.out_of_hours + "".join(agency.areas)
        assert 0 < len(agency.name) <= 200 and len(agency.out_of_hours) <= 200
        assert agency.kind in ("social_care", "police", "lado", "other")
        assert agency.delivery == "portal" or "@" in agency.secure_email
        assert AgencyArea.objects.filter(agency=agency).exists()


def test_hostile_files_give_no_5xx_and_save_nothing(admin_client, admin):
    add(admin, "Leeds Care", ["Leeds"])
    before = saved_state()
    files = [
        b"\xff\xfe" + "name,kind,areas\n".encode("utf-16-le"),
        bytes(range(256)) * 100,
        f"{HEADER}\n".encode() + b"Leeds Care," + b"z" * 900_000 + b",Leeds\n",
        f"{HEADER}\n".encode() + b"A,other," + b";" * 500_000 + b"\n",
        f"{HEADER}\nA,other,Leeds,portal,,,yes,extra,cells\n".encode(),
        b"name,name,name\n1,2,3\n",
        b'name,kind,areas\n"' + b"a" * 500_000 + b"\n",
        "\ufeffname,kind,areas\n²,other,²\n".encode(),
    ]
    for content in files:
        response = admin_client.post(IMPORT, upload(content))
        assert response.status_code < 500
    # Only the two well-formed files (an extra cell is set aside; "²" is a name and an area)
    # added anything, and Leeds Care is as it was.
    assert set(PartnerAgency.objects.values_list("name", flat=True)) == {"Leeds Care", "A", "²"}
    assert [row for row in saved_state() if "Leeds Care" in row] == [
        row for row in before if "Leeds Care" in row
    ]


RANDOM = settings(max_examples=60, deadline=None, database=None)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
)


def test_random_mixtures_in_the_agency_form_give_no_5xx(admin_client, admin):
    agency = add(admin, "Leeds Care", ["Leeds"])

    @RANDOM
    @given(
        url=st.sampled_from([ADD, agency_url(agency)]),
        values=st.fixed_dictionaries(
            {
                name: st.one_of(
                    st.sampled_from([good_form(active="yes").get(name, "yes")]), hostile_text
                )
                for name in FIELDS
            }
        ),
    )
    def one_example(url: str, values: dict[str, str]) -> None:
        assert _sent(admin_client, url, values) < 500, (url, values)
        for saved in PartnerAgency.objects.all():
            assert "\x00" not in saved.name and saved.name.strip()

    one_example()


def test_random_csv_files_give_no_5xx(admin_client):
    cell = st.one_of(
        hostile_text, st.sampled_from(["social_care", "police", "portal", "yes", "Leeds"])
    )

    @RANDOM
    @given(
        rows=st.lists(st.lists(cell, min_size=0, max_size=9), max_size=6),
        raw=st.binary(max_size=200),
    )
    def one_example(rows: list[list[str]], raw: bytes) -> None:
        out = io.StringIO()
        csv.writer(out).writerows([list(directory.CSV_COLUMNS), *rows])
        for content in (out.getvalue().encode(), raw):
            response = admin_client.post(IMPORT, upload(content))
            assert response.status_code in (200, 302), rows
        for saved in PartnerAgency.objects.all():
            assert "\x00" not in saved.name + "".join(saved.areas)

    one_example()

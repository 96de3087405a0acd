"""PDF exports (issue 9 §4): a sent referral for an agency reached by secure email, and a case
summary for supervisors. Each is A4, marked on every page with who downloaded it and when, holds
what was shared and nothing withheld, and every download and refusal is audited.

The PDFs are read back with poppler's ``pdftotext`` and ``pdfinfo``. Without them, or without
the Pango library WeasyPrint needs, the tests that read a PDF are skipped, unless
HAVEN_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.cases.lifecycle import Status
from haven.cases.services import CaseRuleBroken
from haven.referrals import export, sections, services
from haven.referrals.lifecycle import State
from haven.referrals.models import Delivery, Referral
from haven.referrals.services import ReferralRuleBroken
from tests.factories import CaseFactory, PartnerAgencyFactory, StaffUserFactory, verified_client

pytestmark = pytest.mark.django_db

NARRATIVE = "He said he would post my photos unless I sent more. NARRATIVEMARKER"
SHARED_MARKERS = {"child": "CHILDMARKER", "concern": "CONCERNMARKER", "person": "PERSONMARKER"}
WITHHELD_MARKERS = {sections.REPORTER: "REPORTERMARKER", "household": "HOUSEHOLDMARKER"}
# Enough of the concern's words for several pages, each paragraph on its own lines.
LONG_CONCERN = "\n\n".join(
    f"Paragraph {n}: the messages started on a game and moved to a private chat. "
    "The person asked the child to keep it secret and offered gift cards in return.\n"
    f"Second line of paragraph {n}, kept on its own line."
    for n in range(1, 26)
)


def _pdf_tools_or_skip() -> None:
    missing = [tool for tool in ("pdftotext", "pdfinfo") if shutil.which(tool) is None]
    try:
        export._weasyprint()
    except export.PdfUnavailable:
        missing.append("Pango (libpango-1.0-0, libpangoft2-1.0-0)")
    if missing:
        message = f"{', '.join(missing)} not installed"
        if os.environ.get("HAVEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message}, and HAVEN_REQUIRE_BROWSER=1 requires the PDF tests")
        pytest.skip(message)


@pytest.fixture
def pdf_tools() -> None:
    _pdf_tools_or_skip()


def _on_disk(pdf: bytes) -> Path:
    handle, name = tempfile.mkstemp(suffix=".pdf")
    os.close(handle)
    path = Path(name)
    path.write_bytes(pdf)
    return path


def pages_of(pdf: bytes) -> list[str]:
    """The text of each page, as pdftotext reads it."""
    path = _on_disk(pdf)
    try:
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    finally:
        path.unlink()
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points, as pdfinfo reads them."""
    path = _on_disk(pdf)
    try:
        info = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "999", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        path.unlink()
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", info)
    ]


def pinkish_in_the_middle(pdf: bytes) -> list[int]:
    """Per page, how many pixels of the middle of the page (below the marking at the top, above
    the footer) are the faint red of the diagonal mark. Everything else on a page is black or
    grey, so these are the mark; pdftotext does not read diagonal text."""
    path = _on_disk(pdf)
    counts = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "page"
            subprocess.run(["pdftoppm", "-r", "24", str(path), str(root)], check=True)
            for image in sorted(Path(folder).glob("page-*.ppm")):
                counts.append(_pinkish(image.read_bytes()))
    finally:
        path.unlink()
    return counts


def _pinkish(ppm: bytes) -> int:
    # P6 <width> <height> <maxval>, one whitespace, then RGB bytes.
    magic, width, height, _maxval, pixels = ppm.split(maxsplit=4)
    assert magic == b"P6"
    w, h = int(width), int(height)
    count = 0
    for y in range(h * 3 // 10, h * 8 // 10):
        row = pixels[y * w * 3 : (y + 1) * w * 3]
        for x in range(w):
            r, g, b = row[3 * x], row[3 * x + 1], row[3 * x + 2]
            if r > 200 and r - g > 12 and r - b > 12:
                count += 1
    return count


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory(username="sam.advisor", first_name="Sam", last_name="Example")


@pytest.fixture
def supervisor() -> Any:
    return StaffUserFactory(username="pat.supervisor", role="supervisor")


@pytest.fixture
def agency() -> Any:
    return PartnerAgencyFactory(
        delivery=Delivery.SECURE_EMAIL, secure_email="referrals@example.org"
    )


def send(case: Any, agency: Any, advisor: Any, *, concern: str = "", **draft_changes: Any) -> Any:
    """A referral of ``case`` sent to ``agency`` (a P1 case's goes without approval): the shared
    sections hold their markers, the withheld ones theirs."""
    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    for slug, marker in {**SHARED_MARKERS, **WITHHELD_MARKERS}.items():
        draft.words[slug] = f"{marker} written for the {slug} section"
    if concern:
        draft.words["concern"] = f"{SHARED_MARKERS['concern']}\n{concern}"
    draft.shared = [s for s in draft.shared if s != "household"]
    draft.no_consent_reason = "Telling the family could put the child at risk."
    for name, value in draft_changes.items():
        setattr(draft, name, value)
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=True
    )
    return services.send_referral(referral=referral, by=advisor)


def a_case(advisor: Any, **kw: Any) -> Any:
    kw.setdefault("priority", "P1")
    return CaseFactory(
        audience="child", narrative=NARRATIVE, status=Status.PLANNING, assigned_to=advisor, **kw
    )


@pytest.fixture
def sent(advisor, agency) -> Referral:
    referral: Referral = send(a_case(advisor), agency, advisor, concern=LONG_CONCERN)
    assert referral.state == State.SENT
    return referral


def export_url(referral: Any) -> str:
    return reverse("staff:referral_export", kwargs={"referral_id": referral.id})


def summary_url(case: Any) -> str:
    return reverse("staff:case_summary", kwargs={"case_id": case.id})


# --- A referral ------------------------------------------------------------------------------


def test_a_referral_downloads_as_an_a4_pdf_marked_on_every_page_with_who_and_when(
    pdf_tools, sent, advisor
):
    response = verified_client(advisor).get(export_url(sent))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{sent.reference}.pdf"'
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    sizes = page_sizes(pdf)
    assert len(sizes) >= 2  # the long concern runs over
    assert all(abs(w - 595.28) < 1 and abs(h - 841.89) < 1 for w, h in sizes), sizes
    pages = pages_of(pdf)
    assert len(pages) == len(sizes)
    for number, text in enumerate(pages, start=1):
        line = flat(text)
        assert re.search(
            rf"Downloaded by sam\.advisor on \d{{1,2}} \w+ \d{{4}}, \d\d:\d\d · "
            rf"{re.escape(sent.reference)} · page {number} of {len(pages)}",
            line,
        ), line
        assert line.count("OFFICIAL-SENSITIVE") == 1  # the marking at the top
    # And the faint diagonal mark across every page.
    assert all(count > 100 for count in pinkish_in_the_middle(pdf)), pinkish_in_the_middle(pdf)


def test_the_pdf_holds_the_shared_sections_and_nothing_withheld(pdf_tools, sent, advisor):
    pdf = verified_client(advisor).get(export_url(sent)).content
    text = "\n".join(pages_of(pdf))
    whole = flat(text)

    for marker in SHARED_MARKERS.values():
        assert marker in whole
    for marker in WITHHELD_MARKERS.values():
        assert marker not in whole
    assert str(sections.BY_SLUG["concern"].title) in whole
    assert str(sections.BY_SLUG[sections.REPORTER].title) not in whole
    assert "Sharing without consent to safeguard a child" in whole
    assert "Telling the family could put the child at risk." in whole
    assert sent.agency.name in whole and "Urgent" in whole
    # The words' own line breaks are kept: each second line starts a line of its own.
    assert re.search(r"^\s*Second line of paragraph 1, kept on its own line\.", text, re.M)


def test_consent_is_shown_with_who_gave_it_and_when(pdf_tools, advisor, agency, settings):
    referral = services.draft_referral(case=a_case(advisor), agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.consent_by, draft.consent_at = "The child's mother", "3 December 2026"
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="consent", urgent=True
    )
    sent = services.send_referral(referral=referral, by=advisor)

    whole = flat("".join(pages_of(export.referral_pdf(referral=sent, by=advisor))))

    assert "Consent" in whole and "The child's mother" in whole and "3 December 2026" in whole
    assert "Why consent was not sought" not in whole


def test_each_download_is_audited(pdf_tools, sent, advisor, supervisor):
    verified_client(advisor).get(export_url(sent))
    verified_client(supervisor).get(export_url(sent))

    exported = events("referral.exported")
    assert [e.actor_id for e in exported] == [advisor.pk, supervisor.pk]
    for event in exported:
        assert event.report_id == sent.case.report_id
        assert event.detail == {
            "case": str(sent.case_id),
            "referral": str(sent.id),
            "agency": str(sent.agency_id),
        }


@pytest.mark.django_db(transaction=True)
def test_the_download_is_committed_to_the_audit_trail_before_the_bytes_are_returned(
    advisor, agency, monkeypatch
):
    sent = send(a_case(advisor), agency, advisor)
    rendered: list[int] = []

    def render(template: str, context: dict[str, Any]) -> bytes:
        rendered.append(AuditEvent.objects.filter(action="referral.exported").count())
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(export, "_render_pdf", render)
    pdf = export.referral_pdf(referral=sent, by=advisor)

    # Made first (a PDF that fails to render is no download), then recorded and committed.
    assert pdf == b"%PDF-1.7 stand-in" and rendered == [0]
    assert not connection.in_atomic_block
    assert AuditEvent.objects.filter(action="referral.exported").count() == 1


def test_a_revoked_referral_cannot_be_downloaded(sent, advisor):
    services.revoke(referral=sent, by=advisor, reason="Sent to the wrong area by mistake.")
    refused_before = len(events("referral.refused"))

    response = verified_client(advisor).get(export_url(sent))

    assert response.status_code == 409
    assert "revoked" in response.content.decode()
    assert not events("referral.exported")
    refused = events("referral.refused")[refused_before:]
    assert [(e.actor_id, e.detail["referral"]) for e in refused] == [(advisor.pk, str(sent.id))]
    with pytest.raises(ReferralRuleBroken, match="revoked"):
        export.referral_pdf(referral=sent, by=advisor)


def test_a_referral_not_yet_sent_cannot_be_downloaded(advisor, agency):
    case = a_case(advisor, priority="P2")
    referral = services.draft_referral(case=case, agency=agency, by=advisor)

    with pytest.raises(ReferralRuleBroken, match="Only a referral that has been sent"):
        export.referral_pdf(referral=referral, by=advisor)
    response = verified_client(advisor).get(export_url(referral))

    assert response.status_code == 409
    assert len(events("referral.refused")) == 2 and not events("referral.exported")


def test_a_restricted_cases_referral_is_refused_to_someone_not_named(advisor, agency):
    case = a_case(advisor, restricted_to=[advisor])
    referral = send(case, agency, advisor)
    outsider = StaffUserFactory()

    response = verified_client(outsider).get(export_url(referral))

    assert response.status_code == 403
    assert [e.actor_id for e in events("case.access_refused")] == [outsider.pk]
    with pytest.raises(ReferralRuleBroken, match="restricted"):
        export.referral_pdf(referral=referral, by=outsider)
    assert [e.actor_id for e in events("case.access_refused")] == [outsider.pk, outsider.pk]
    assert not events("referral.exported")


def test_a_partner_or_an_administrator_cannot_download_a_referral(sent):
    for role in ("partner", "administrator"):
        response = verified_client(StaffUserFactory(role=role)).get(export_url(sent))
        assert response.status_code == 403
    assert len(events("staff.refused")) == 2 and not events("referral.exported")


# --- A case summary --------------------------------------------------------------------------


@pytest.fixture
def worked_case(advisor, agency) -> Any:
    """A case with some of everything: notes, contact attempts, a safety plan, a referral."""
    case = a_case(advisor)
    case_services.add_note(case=case, by=advisor, kind="fact", text="NOTEMARKER: rang school.")
    case_services.add_note(
        case=case, by=advisor, kind="opinion", text="Risk is high.\nSecond line of the note."
    )
    case_services.log_contact_attempt(
        case=case, by=advisor, method="phone", outcome="spoke", note="CONTACTMARKER spoke to mum"
    )
    case_services.add_safety_action(
        case=case, by=advisor, action="SAFETYMARKER block the account", owner="Mum", due_on=None
    )
    send(case, agency, advisor)
    return case


def test_a_supervisor_downloads_a_case_summary_marked_on_every_page(
    pdf_tools, worked_case, supervisor
):
    response = verified_client(supervisor).get(summary_url(worked_case))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{worked_case.reference}-summary.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert all(abs(w - 595.28) < 1 and abs(h - 841.89) < 1 for w, h in page_sizes(pdf))
    pages = pages_of(pdf)
    for number, text in enumerate(pages, start=1):
        line = flat(text)
        assert "Downloaded by pat.supervisor on" in line, line
        assert f"{worked_case.reference} · page {number} of {len(pages)}" in line, line
        assert "OFFICIAL-SENSITIVE" in text
    assert all(count > 100 for count in pinkish_in_the_middle(pdf)), pinkish_in_the_middle(pdf)
    whole = flat("\n".join(pages))
    for expected in (
        worked_case.reference,
        "Planning",  # the status
        "P1",
        "NARRATIVEMARKER",  # the report's answers
        "NOTEMARKER",
        "Professional opinion",
        "CONTACTMARKER",
        "Spoke to the reporter",
        "SAFETYMARKER",
        f"{worked_case.reference}-R1",
        "Sent",  # the referral's state
    ):
        assert expected in whole, expected


def test_each_case_summary_download_is_audited_as_an_opening(worked_case, supervisor, monkeypatch):
    monkeypatch.setattr(export, "_render_pdf", lambda template, context: b"%PDF-stand-in")
    opened_before = len(events("report.opened"))

    export.case_summary_pdf(case=worked_case, by=supervisor)

    (exported,) = events("case.exported")
    assert (exported.actor_id, exported.report_id) == (supervisor.pk, worked_case.report_id)
    assert exported.detail == {"case": str(worked_case.id)}
    assert [e.actor_id for e in events("report.opened")[opened_before:]] == [supervisor.pk]


def test_advisors_cannot_download_a_case_summary(worked_case, advisor):
    response = verified_client(advisor).get(summary_url(worked_case))

    assert response.status_code == 403
    assert [e.actor_id for e in events("staff.refused")] == [advisor.pk]
    assert not events("case.exported")
    with pytest.raises(CaseRuleBroken, match="Only a supervisor"):
        export.case_summary_pdf(case=worked_case, by=advisor)
    assert not events("case.exported")


def test_a_restricted_cases_summary_is_only_for_the_people_named_on_it(
    pdf_tools, advisor, supervisor
):
    case = a_case(advisor, restricted_to=[advisor], restricted_by=supervisor)
    outsider = StaffUserFactory(role="supervisor")

    refused = verified_client(outsider).get(summary_url(case))
    named = verified_client(supervisor).get(summary_url(case))

    assert refused.status_code == 403
    assert [e.actor_id for e in events("case.access_refused")] == [outsider.pk]
    assert named.status_code == 200 and named.content.startswith(b"%PDF-")
    assert [e.actor_id for e in events("case.exported")] == [supervisor.pk]
    with pytest.raises(CaseRuleBroken, match="restricted"):
        export.case_summary_pdf(case=case, by=outsider)


# --- Hostile addresses, and a server that cannot make PDFs -------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        # A new random id each run, named so that every pytest-xdist worker collects the
        # same test ids (the scheduler refuses workers whose collections differ).
        pytest.param(
            f"/staff/referrals/{uuid.uuid4()}/export.pdf", id="/staff/referrals/UUID/export.pdf"
        ),
        pytest.param(
            f"/staff/cases/{uuid.uuid4()}/summary.pdf", id="/staff/cases/UUID/summary.pdf"
        ),
        "/staff/referrals/not-a-uuid/export.pdf",
        "/staff/cases/1/summary.pdf",
        "/staff/referrals/%00/export.pdf",
        "/staff/cases/..%2F..%2Fetc%2Fpasswd/summary.pdf",
    ],
)
def test_unknown_or_hostile_ids_are_not_found(path, supervisor):
    assert verified_client(supervisor).get(path).status_code == 404


def test_a_server_without_pango_says_so_and_offers_another_way(
    sent, worked_case, advisor, supervisor, monkeypatch
):
    # As a machine without Pango fails: importing WeasyPrint raises (OSError there).
    monkeypatch.setitem(sys.modules, "weasyprint", None)

    referral_page = verified_client(advisor).get(export_url(sent))
    summary_page = verified_client(supervisor).get(summary_url(worked_case))

    assert referral_page.status_code == 503
    page = flat(referral_page.content.decode())
    assert "cannot be made on this server" in page
    assert "Copy the referral from the page" in page
    assert reverse("staff:referral", kwargs={"referral_id": sent.id}) in page
    assert summary_page.status_code == 503
    assert "cannot be made on this server" in summary_page.content.decode()
    assert not events("referral.exported") and not events("case.exported")


def test_a_missing_pango_library_is_not_a_server_error(monkeypatch):
    class PangoMissing:
        def find_spec(self, name: str, *args: Any) -> None:
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [PangoMissing(), *sys.meta_path])

    with pytest.raises(export.PdfUnavailable, match="pango"):
        export._weasyprint()


def test_an_export_fetches_nothing_from_outside(pdf_tools, sent, advisor, monkeypatch):
    import urllib.request

    opened: list[Any] = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda self, *a, **kw: opened.append(a)
    )

    class Hostile:
        def render(self, context: dict[str, Any]) -> str:
            return (
                '<link rel="stylesheet" href="https://example.invalid/x.css">'
                '<img src="https://example.invalid/x.png"><img src="file:///etc/passwd">'
                "<p>Hello</p>"
            )

    monkeypatch.setattr(export, "get_template", lambda name, using=None: Hostile())
    pdf = export.referral_pdf(referral=sent, by=advisor)

    assert pdf.startswith(b"%PDF-") and opened == []


def test_the_words_of_the_page_margins_cannot_end_their_css_string():
    written = export._css_string('page "1" </style> \\ é')

    assert written == '"page \\22 1\\22  \\3c \\2f style\\3e  \\5c  \\e9 "'
    assert '"' not in written[1:-1] and "<" not in written
    footer = export._page_css()["footer"]
    assert footer == ('string(downloaded) " \\b7  " "page " counter(page) " of " counter(pages)')


def test_the_referral_and_case_pages_link_to_their_downloads(settings):
    from django.urls import reverse

    from haven.cases.lifecycle import Status
    from haven.referrals import services as referrals
    from tests.conftest import text_of
    from tests.factories import CaseFactory, PartnerAgencyFactory, StaffUserFactory, verified_client

    settings.HAVEN_REFERRAL_APPROVAL = "none"
    advisor = StaffUserFactory()
    case = CaseFactory(audience="child", priority="P2", status=Status.PLANNING, assigned_to=advisor)
    referral = referrals.draft_referral(case=case, agency=PartnerAgencyFactory(), by=advisor)
    draft = referrals.open_draft(referral)
    draft.no_consent_reason = "Risk."
    referrals.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=False
    )
    referrals.send_referral(referral=referral, by=advisor)
    page = verified_client(advisor).get(reverse("staff:referral", args=[referral.id]))
    assert reverse("staff:referral_export", args=[referral.id]) in page.content.decode()
    assert "Download the referral as a PDF" in text_of(page)
    summary = reverse("staff:case_summary", args=[case.id])
    assert (
        summary
        not in verified_client(advisor).get(reverse("staff:case", args=[case.id])).content.decode()
    )
    boss = verified_client(StaffUserFactory(role="supervisor"))
    assert summary in boss.get(reverse("staff:case", args=[case.id])).content.decode()

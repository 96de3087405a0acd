"""PDF exports: a sent referral, for an agency reached by secure email, and a case summary for
printing, for supervisors.

Each is an A4 PDF made by WeasyPrint from a Jinja2 template (``referrals/jinja2/referrals/``).
Every page says who downloaded it and when, the reference and "page N of M", under an
OFFICIAL-SENSITIVE marking and a faint diagonal one: a printed page found on a desk says whose
it was. Nothing outside the template is fetched (no fonts, images or stylesheets: the fetcher
refuses every address). Each download is audited, the event committed before the bytes are
returned, and so is each refusal.

WeasyPrint is imported only here, when a PDF is made: it needs the Pango library at run time,
and a server without it still serves every other page (``PdfUnavailable`` says why it cannot).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from types import ModuleType
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from markupsafe import Markup

from haven.accounts.services import has_permission
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.models import Case
from haven.cases.services import CaseRuleBroken, can_open, open_text, refuse_access
from haven.core.jinja import datetime_format
from haven.referrals import sections
from haven.referrals.lifecycle import WITH_PARTNER, State
from haven.referrals.models import LawfulBasis, Referral, ReferralCopy
from haven.referrals.services import ReferralRuleBroken
from haven.reporting import summary
from haven.reporting.models import Report
from haven.sealing.keystore import KeyUnavailable
from haven.sealing.services import SealBroken, open_sealed
from haven.triage.rules import Audience


class PdfUnavailable(Exception):
    """This server cannot make PDFs: WeasyPrint, or the Pango library it needs, is missing."""


def _weasyprint() -> ModuleType:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango's shared library is not installed
        raise PdfUnavailable(str(exc)) from exc
    # Its progress steps ("Step 5 - Creating layout - Page 2") are noise in the service's logs.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    module: ModuleType = weasyprint
    return module


def _render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The template, rendered with Jinja2 and laid out by WeasyPrint, as PDF bytes."""
    weasyprint = _weasyprint()

    class NothingFetched(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        """Refuses every address: an export is made of its template and the record alone."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"an export fetches nothing: {url[:80]}")

    html = get_template(template, using="jinja2").render({**context, "css": _page_css()})
    pdf: bytes = weasyprint.HTML(
        string=html, base_url=None, url_fetcher=NothingFetched()
    ).write_pdf()
    return pdf


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but ASCII letters, digits and spaces
    written as an escape, so no translation can end the string or the style element."""
    escaped = "".join(
        c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in text
    )
    return f'"{escaped}"'


_PAGE, _PAGES = "\x00page\x00", "\x00pages\x00"


def _page_css() -> dict[str, Markup]:
    """The words of the page's margins, translated, as CSS ``content`` values: the marking at
    the top, and after the downloaded line at the foot "· page N of M" with CSS's counters."""
    words = gettext("page %(page)s of %(pages)s") % {"page": _PAGE, "pages": _PAGES}
    footer = ["string(downloaded)", _css_string(" \u00b7 ")]
    for part in re.split(f"({_PAGE}|{_PAGES})", words):
        if part == _PAGE:
            footer.append("counter(page)")
        elif part == _PAGES:
            footer.append("counter(pages)")
        elif part:
            footer.append(_css_string(part))
    # Markup: written only of escaped strings and CSS's own words, and a style element's text
    # is not HTML (an entity there would be read as it is written).
    return {
        "marking": Markup(_css_string(gettext("OFFICIAL-SENSITIVE"))),  # noqa: S704
        "footer": Markup(" ".join(footer)),  # noqa: S704
    }


def _downloaded(by: User, at: datetime, reference: str) -> dict[str, str]:
    """What the line on every page says: who downloaded it, when, and what it is."""
    return {"who": by.get_username(), "when": datetime_format(at), "reference": reference}


def _day(value: date | None) -> str:
    return date_format(value, "j F Y") if value else ""


# --- A referral ----------------------------------------------------------------------------


def _refuse_referral(referral: Referral, *, by: User, why: str) -> ReferralRuleBroken:
    """Record a refused download in its own transaction; the caller raises what it returns."""
    with transaction.atomic():
        record_event(
            action=Action.REFERRAL_REFUSED,
            actor=by,
            report_id=referral.case.report_id,
            detail={
                "case": str(referral.case_id),
                "referral": str(referral.id),
                "export": True,
            },
        )
    return ReferralRuleBroken(why)


def _why_not_exportable(referral: Referral, copy: ReferralCopy | None) -> str:
    if referral.state == State.REVOKED or (referral.state in WITH_PARTNER and copy is None):
        return "This referral has been revoked: the agency's copy is gone."
    if referral.state not in WITH_PARTNER:
        return "Only a referral that has been sent can be downloaded."
    return ""


def referral_pdf(*, referral: Referral, by: User) -> bytes:
    """The referral as the agency holds it (its frozen copy), as an A4 PDF for secure email.

    Only a referral with the agency (``lifecycle.WITH_PARTNER``, its copy still there: a
    revoked one has none), for someone who refers cases (``referrals.make``) and may open its
    case. The download is audited (``referral.exported``), committed before the bytes are
    returned; a refusal is audited too (``referral.refused``; ``case.access_refused`` for a
    restricted case the person is not named on), and raised as ``ReferralRuleBroken``.
    ``PdfUnavailable`` if this server cannot make PDFs (nothing is recorded: nothing left).
    """
    current = Referral.objects.select_related("case", "agency").get(pk=referral.pk)
    case = current.case
    if not can_open(case, by):
        refuse_access(case=case, by=by)
        raise ReferralRuleBroken("This case is restricted: only the people named on it can.")
    if not has_permission(by, "referrals.make"):
        raise _refuse_referral(current, by=by, why="Only an advisor can download a referral.")
    copy = ReferralCopy.objects.filter(referral=current).first()
    why = _why_not_exportable(current, copy)
    if why:
        raise _refuse_referral(current, by=by, why=why)
    assert copy is not None
    contents = open_sealed(
        record_id=str(current.id), key_id=copy.key_id, ciphertext=bytes(copy.sealed)
    )
    now = timezone.now()
    pdf = _render_pdf("referrals/referral_pdf.html", _referral_context(contents, by=by, at=now))
    with transaction.atomic():
        # Locked as revoking locks it: a revocation that commits after this has been counted
        # as a download, one that commits first refuses it.
        locked = Referral.objects.select_for_update().get(pk=current.pk)
        copy = ReferralCopy.objects.filter(referral=locked).first()
        why = _why_not_exportable(locked, copy)
        if not why:
            record_event(
                action=Action.REFERRAL_EXPORTED,
                actor=by,
                report_id=case.report_id,
                detail={
                    "case": str(case.id),
                    "referral": str(current.id),
                    "agency": str(current.agency_id),
                },
            )
    if why:
        raise _refuse_referral(current, by=by, why=why)
    return pdf


def _referral_context(contents: dict[str, Any], *, by: User, at: datetime) -> dict[str, Any]:
    basis = str(contents.get("lawful_basis", ""))
    sent_at = str(contents.get("sent_at", ""))
    reference = str(contents.get("reference", ""))
    shared = []
    for item in contents.get("sections", []):
        slug = str(item.get("slug", ""))
        section = sections.BY_SLUG.get(slug)
        shared.append(
            {
                "title": section.title if section is not None else slug,
                "words": str(item.get("words", "")).strip(),
            }
        )
    return {
        "title": f"Referral {reference}",
        "downloaded": _downloaded(by, at, reference),
        "reference": reference,
        "case_reference": str(contents.get("case_reference", "")),
        "agency": str(contents.get("agency", "")),
        "organisation": str(settings.HAVEN_ORGANISATION_NAME),
        "urgent": bool(contents.get("urgent")),
        "sent_at": datetime.fromisoformat(sent_at) if sent_at else None,
        "consent": basis == LawfulBasis.CONSENT,
        "basis": LawfulBasis(basis).label if basis in LawfulBasis.values else basis,
        "consent_by": str(contents.get("consent_by", "")),
        "consent_at": str(contents.get("consent_at", "")),
        "no_consent_reason": str(contents.get("no_consent_reason", "")),
        "sections": shared,
    }


# --- A case summary ------------------------------------------------------------------------


def case_summary_pdf(*, case: Case, by: User) -> bytes:
    """The case for printing: triage, the report's answers, notes, contact attempts, the
    safety plan and the referrals, as an A4 PDF marked on every page with who downloaded it.

    For supervisors (``cases.export``); a restricted case only for the people named on it.
    A refusal is audited (``case.access_refused`` for a restricted case, ``staff.refused``
    for a missing permission) and raised as ``CaseRuleBroken``. The download opens the sealed
    report, so it is recorded as an opening (``report.opened``) and as ``case.exported``, in
    one transaction committed before the bytes are returned.
    """
    current = Case.objects.select_related("assigned_to").get(pk=case.pk)
    if not can_open(current, by):
        refuse_access(case=current, by=by)
        raise CaseRuleBroken("This case is restricted: only the people named on it can.")
    if not has_permission(by, "cases.export"):
        with transaction.atomic():
            record_event(
                action=Action.STAFF_REFUSED,
                actor=by,
                report_id=current.report_id,
                detail={"reason": "permission", "permission": "cases.export"},
            )
        raise CaseRuleBroken("Only a supervisor can download a case summary.")
    report = Report.objects.get(pk=current.report_id)
    try:
        opened = open_sealed(
            record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
        )
    except (KeyUnavailable, SealBroken) as exc:
        reason = "key_unavailable" if isinstance(exc, KeyUnavailable) else "seal_broken"
        with transaction.atomic():
            record_event(
                action=Action.REPORT_OPEN_FAILED,
                actor=by,
                report_id=report.id,
                detail={"reason": reason},
            )
        raise
    now = timezone.now()
    context = _case_context(current, opened, report=report, by=by, at=now)
    pdf = _render_pdf("referrals/case_summary_pdf.html", context)
    with transaction.atomic():
        record_event(action=Action.REPORT_OPENED, actor=by, report_id=report.id)
        record_event(
            action=Action.CASE_EXPORTED,
            actor=by,
            report_id=current.report_id,
            detail={"case": str(current.id)},
        )
    return pdf


def _case_context(
    case: Case, opened: dict[str, Any], *, report: Report, by: User, at: datetime
) -> dict[str, Any]:
    audience = str(opened.get("audience", report.audience))
    answers = summary.sections(audience, opened.get("answers", {}))
    notes = [
        {
            "at": note.at,
            "by": note.by.get_username(),
            "kind": note.get_kind_display(),
            "text": open_text(case, note.key_id, note.sealed),
        }
        for note in case.notes.select_related("by").order_by("at", "pk")
    ]
    contacts = [
        {
            "at": attempt.at,
            "by": attempt.by.get_username(),
            "method": attempt.get_method_display(),
            "outcome": attempt.get_outcome_display(),
            "note": open_text(case, attempt.key_id, attempt.sealed_note),
        }
        for attempt in case.contact_attempts.select_related("by").order_by("at", "pk")
    ]
    plan = [
        {
            "action": open_text(case, action.key_id, action.sealed),
            "owner": open_text(case, action.owner_key_id, action.owner_sealed),
            "due_on": _day(action.due_on),
            "done_at": action.done_at,
        }
        for action in case.safety_actions.order_by("created_at", "pk")
    ]
    referrals = [
        {
            "reference": referral.reference,
            "agency": referral.agency.name,
            "state": referral.get_state_display(),
            "urgent": referral.urgent,
            "sent_at": referral.sent_at,
        }
        for referral in Referral.objects.filter(case=case)
        .select_related("case", "agency")
        .order_by("number")
    ]
    return {
        "title": f"Case summary {case.reference}",
        "downloaded": _downloaded(by, at, case.reference),
        "case": case,
        "audience": Audience(audience).label if audience in Audience.values else audience,
        "status": case.get_status_display(),
        "priority": case.priority,
        "computed_priority": case.computed_priority,
        "reasons": [r for r in case.reasons if isinstance(r, dict)],
        "holder": case.assigned_to.get_username() if case.assigned_to else "",
        "answers": answers,
        "notes": notes,
        "contacts": contacts,
        "plan": plan,
        "referrals": referrals,
    }

"""The directory of partner agencies, under /staff/agencies/: for administrators
(agencies.manage).

The list (searched by the area an agency serves), adding and changing an agency, and the
directory as a CSV file out and in. Every change is a verb of ``haven.referrals.directory``,
which audits it; what a change did is said once, on the list it goes back to.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.access import requires
from haven.core import govuk
from haven.referrals import directory
from haven.referrals.models import Delivery, PartnerAgency
from haven.staff.agency_forms import AgencyForm, AgencyImportForm, AgencySearchForm
from haven.staff.views.listing import page_number, page_query

PER_PAGE = 50
# What the last change did, kept in the administrator's session until the list has said it:
# {"what": "added" | "changed", "name": …} or {"what": "imported", "added": n, "changed": m}.
DONE = "haven_agencies_done"
# An import's problems shown in the error summary; the rest are counted.
PROBLEMS_SHOWN = 50
# What each column of the CSV file holds, for the import page.
COLUMNS = {
    "name": gettext_lazy("The agency's name. Needed."),
    "kind": gettext_lazy("social_care, police, lado or other. Needed."),
    "areas": gettext_lazy(
        "The areas it serves, separated by semicolons, for example Leeds; Bradford. Needed."
    ),
    "delivery": gettext_lazy(
        "portal, or secure_email when exported referrals are sent by secure email. If it is "
        "left out, portal."
    ),
    "secure_email": gettext_lazy("The secure email address, when delivery is secure_email."),
    "out_of_hours": gettext_lazy("The out-of-hours contact. Optional."),
    "active": gettext_lazy("yes if the agency is in use, no if not. If it is left out, yes."),
}
assert tuple(COLUMNS) == directory.CSV_COLUMNS, "describe each column of the CSV file"


def _admin(request: HttpRequest) -> User:
    return cast(User, request.user)


def _delivery_shown(agency: PartnerAgency) -> str:
    # Shorter than the choices' labels: a column of a table that must fit a phone.
    return _("Secure email to") if agency.delivery == Delivery.SECURE_EMAIL else _("Partner portal")


def _done_text(done: Any) -> str:
    if not isinstance(done, dict):
        return ""
    what = done.get("what")
    if what == "added":
        return _("%(name)s has been added to the directory.") % {"name": done.get("name", "")}
    if what == "changed":
        return _("Your changes to %(name)s have been saved.") % {"name": done.get("name", "")}
    if what == "imported":
        return _("File imported: %(added)s added, %(changed)s changed.") % {
            "added": done.get("added", 0),
            "changed": done.get("changed", 0),
        }
    return ""


# --- Showing --------------------------------------------------------------------------------


@require_GET
@requires("agencies.manage")
def agencies(request: HttpRequest) -> HttpResponse:
    """The agencies serving an area (every one, with no area), by name, 50 a page; those not in
    use only when asked for."""
    searched = "area" in request.GET or "inactive" in request.GET
    form = AgencySearchForm(request.GET if searched else None)
    area, include_inactive = "", False
    if searched and form.is_valid():
        area = form.cleaned_data["area"]
        include_inactive = bool(form.cleaned_data["inactive"])
    found = directory.find(area, include_inactive=include_inactive)
    page = Paginator(found, PER_PAGE).get_page(page_number(request))
    count = page.paginator.count
    if area and include_inactive:
        caption = ngettext(
            "%(num)s agency serves %(area)s", "%(num)s agencies serve %(area)s", count
        )
    elif area:
        caption = ngettext(
            "%(num)s agency in use serves %(area)s",
            "%(num)s agencies in use serve %(area)s",
            count,
        )
    elif include_inactive:
        caption = ngettext("%(num)s agency", "%(num)s agencies", count)
    else:
        caption = ngettext("%(num)s agency in use", "%(num)s agencies in use", count)
    caption = caption % {"num": count, "area": area}
    return render(
        request,
        "staff/agencies/list.html",
        {
            "form": form,
            "searched": searched,
            "caption": caption,
            "page": page,
            "rows": [
                {
                    "agency": agency,
                    "areas": ", ".join(agency.areas),
                    "delivery": _delivery_shown(agency),
                    # Where the address may break on a phone: after its "@" and dots.
                    "email": re.split(r"(?<=[@.])", agency.secure_email)
                    if agency.delivery == Delivery.SECURE_EMAIL
                    else [],
                }
                for agency in page.object_list
            ],
            "prev_query": page_query(request, page.previous_page_number())
            if page.has_previous()
            else "",
            "next_query": page_query(request, page.next_page_number()) if page.has_next() else "",
            "done": _done_text(request.session.pop(DONE, None)),
            "nav": "agencies",
        },
    )


# --- Adding and changing --------------------------------------------------------------------


def _entry_page(
    request: HttpRequest, form: AgencyForm, agency: PartnerAgency | None
) -> HttpResponse:
    return render(
        request,
        "staff/agencies/agency.html",
        {
            "form": form,
            "agency": agency,
            "back_url": reverse("staff:agencies"),
            "nav": "agencies",
        },
    )


def _save(request: HttpRequest, form: AgencyForm, agency: PartnerAgency | None) -> bool:
    """Save the valid form's entry; False, with the reason on the form, if it cannot be."""
    try:
        saved = directory.save_agency(entry=form.entry(), by=_admin(request), agency=agency)
    except (directory.NameTaken, IntegrityError):
        # IntegrityError: taken between the check and the insert (two administrators at once).
        form.add_error("name", _("An agency with this name is already in the directory"))
        return False
    request.session[DONE] = {"what": "changed" if agency else "added", "name": saved.name}
    return True


@require_http_methods(["GET", "POST"])
@requires("agencies.manage")
def agency_add(request: HttpRequest) -> HttpResponse:
    """Add an agency to the directory; it is in use at once."""
    posted = request.method == "POST"
    form = AgencyForm(request.POST if posted else None, with_in_use=False)
    if posted and form.is_valid() and _save(request, form, None):
        return redirect("staff:agencies")
    return _entry_page(request, form, None)


@require_http_methods(["GET", "POST"])
@requires("agencies.manage")
def agency(request: HttpRequest, agency_id: Any) -> HttpResponse:
    """Change an agency's entry, or take it out of use (it stays, with its referrals)."""
    found = get_object_or_404(PartnerAgency, pk=agency_id)
    posted = request.method == "POST"
    form = AgencyForm(
        request.POST if posted else None,
        initial=None if posted else AgencyForm.initial_for(found),
    )
    if posted and form.is_valid() and _save(request, form, found):
        return redirect("staff:agencies")
    return _entry_page(request, form, found)


# --- CSV out and in -------------------------------------------------------------------------


@require_GET
@requires("agencies.manage")
def agencies_export(request: HttpRequest) -> HttpResponse:
    """The whole directory as a CSV file, downloaded; audited."""
    text = directory.export_directory(by=_admin(request))
    # The byte order mark tells a spreadsheet the file is UTF-8 (the import sets it aside).
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="partner-agencies-{day}.csv"'
    return response


def _problem_list(problems: list[tuple[int, str]]) -> list[dict[str, str]]:
    shown = [
        {"text": _("Row %(row)s: %(problem)s") % {"row": row, "problem": problem}, "href": "#file"}
        if row
        else {"text": problem, "href": "#file"}
        for row, problem in problems[:PROBLEMS_SHOWN]
    ]
    more = len(problems) - PROBLEMS_SHOWN
    if more > 0:
        shown.append(
            {
                "text": ngettext("and %(num)s more problem", "and %(num)s more problems", more)
                % {"num": more}
            }
        )
    return shown


@require_http_methods(["GET", "POST"])
@requires("agencies.manage")
def agencies_import(request: HttpRequest) -> HttpResponse:
    """Add and change agencies from a CSV file; all or nothing (``directory.import_csv``)."""
    posted = request.method == "POST"
    form = AgencyImportForm(request.POST, request.FILES) if posted else AgencyImportForm()
    problems: list[dict[str, str]] = []
    if posted and form.is_valid():
        result = directory.import_csv(text=form.cleaned_data["file"], by=_admin(request))
        if not result.problems:
            request.session[DONE] = {
                "what": "imported",
                "added": result.added,
                "changed": result.changed,
            }
            return redirect("staff:agencies")
        problems = _problem_list(result.problems)
        form.add_error(
            "file",
            ngettext(
                "The file has %(num)s problem. Nothing has been saved: mend it and choose the "
                "file again",
                "The file has %(num)s problems. Nothing has been saved: mend them and choose "
                "the file again",
                len(result.problems),
            )
            % {"num": len(result.problems)},
        )
    return render(
        request,
        "staff/agencies/import.html",
        {
            "form": form,
            "summary": problems or govuk.error_summary(form),
            "columns": [
                {"key": {"text": name}, "value": {"text": str(words)}}
                for name, words in COLUMNS.items()
            ],
            "back_url": reverse("staff:agencies"),
            "nav": "agencies",
        },
    )

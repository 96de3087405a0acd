"""The directory of partner agencies: keeping an agency's entry, finding the agency for a
child's town or area, and the directory as CSV (to import an organisation's list, and to export
it back).

An area is kept as written (``PartnerAgency.areas``) and normalised (``AgencyArea.key``: case,
accents, punctuation and "City of" / "Borough of" prefixes set aside), so "St. Helens",
"st helens" and "Saint Helens" find the same agency.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.referrals.models import AgencyArea, AgencyKind, Delivery, PartnerAgency

MAX_AREAS = 50
MAX_AREA_LENGTH = 100
MAX_IMPORT_ROWS = 2_000
CSV_COLUMNS = ("name", "kind", "areas", "delivery", "secure_email", "out_of_hours", "active")

_PREFIXES = ("city of ", "borough of ", "county of ", "royal borough of ", "london borough of ")
_WORDS = {"st": "saint", "&": "and"}


def area_key(written: str) -> str:
    """The form an area is compared in."""
    text = unicodedata.normalize("NFKD", written).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z0-9&]+", " ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    words = [_WORDS.get(word, word) for word in text.split()]
    return " ".join(words)[:200]


def split_areas(text: str) -> list[str]:
    """Areas as an administrator writes them: one per line, or separated by semicolons."""
    seen: dict[str, str] = {}
    for part in re.split(r"[;\n]", text):
        written = " ".join(part.split())[:MAX_AREA_LENGTH]
        if written and area_key(written) and area_key(written) not in seen:
            seen[area_key(written)] = written
    return list(seen.values())[:MAX_AREAS]


def find(area: str, *, kind: str = "", include_inactive: bool = False) -> QuerySet[PartnerAgency]:
    """The active agencies serving ``area``, compared by ``area_key`` (an area whose name holds
    what was typed counts too, from three letters: "Kirklees" finds "Kirklees Council"),
    optionally of one kind; by name. With no area, every active agency.

    ``include_inactive`` adds the agencies not in use, for the administrators' directory; the
    referral form never offers them."""
    key = area_key(area)
    agencies = (
        PartnerAgency.objects.all()
        if include_inactive
        else PartnerAgency.objects.filter(active=True)
    )
    if kind:
        agencies = agencies.filter(kind=kind)
    if not key:
        return agencies.order_by("name")
    areas = AgencyArea.objects.filter(
        Q(key=key) | Q(key__contains=key) if len(key) >= 3 else Q(key=key)
    )
    return agencies.filter(id__in=areas.values("agency_id")).order_by("name")


class Problem(NamedTuple):
    """What is wrong with an entry, and which of its fields (``AgencyEntry``'s names)."""

    field: str
    message: str


class NameTaken(ValueError):
    """Another agency in the directory already has this name (compared ignoring case)."""


@dataclass
class AgencyEntry:
    """What an administrator gives for an agency (from the form or a CSV row)."""

    name: str
    kind: str
    areas: list[str]
    delivery: str = Delivery.PORTAL
    secure_email: str = ""
    out_of_hours: str = ""
    active: bool = True
    problems: list[str] = field(default_factory=list)

    def check(self) -> list[Problem]:
        problems = []
        if not self.name.strip():
            problems.append(Problem("name", "Enter the agency's name"))
        elif len(self.name.strip()) > 200:
            problems.append(Problem("name", "The agency's name must be 200 characters or fewer"))
        if self.kind not in AgencyKind.values:
            problems.append(
                Problem("kind", f"The kind must be one of {', '.join(AgencyKind.values)}")
            )
        if self.delivery not in Delivery.values:
            problems.append(
                Problem(
                    "delivery",
                    f"How referrals reach it must be one of {', '.join(Delivery.values)}",
                )
            )
        if self.delivery == Delivery.SECURE_EMAIL and not self.secure_email.strip():
            problems.append(
                Problem("secure_email", "Enter the secure email address referrals are sent to")
            )
        email = self.secure_email.strip()
        if len(email) > 254 or (email and "@" not in email):
            problems.append(
                Problem("secure_email", "Enter the secure email address in the right format")
            )
        if len(self.out_of_hours.strip()) > 200:
            problems.append(
                Problem("out_of_hours", "The out-of-hours contact must be 200 characters or fewer")
            )
        if not self.areas:
            problems.append(Problem("areas", "Enter at least one area it serves"))
        # A NUL byte is no character of a name or an address, and PostgreSQL refuses to store
        # one: from a CSV it would otherwise reach the database.
        texts = {
            "name": self.name,
            "secure_email": self.secure_email,
            "out_of_hours": self.out_of_hours,
            "areas": "".join(self.areas),
        }
        problems += [
            Problem(name, "Remove the character that cannot be used (a NUL byte)")
            for name, text in texts.items()
            if "\x00" in text
        ]
        return problems


def save_agency(
    *, entry: AgencyEntry, by: User, agency: PartnerAgency | None = None
) -> PartnerAgency:
    """Add an agency, or change ``agency``, with its areas; audited (names no person).

    Raises ValueError with the first problem of ``entry.check()``, and ``NameTaken`` when
    another agency has the name, whatever its case: the import matches agencies by name
    ignoring case, so two that differ only in it would be one there. (The database's own
    unique constraint still stands behind this, for two administrators at once.)
    """
    problems = entry.check()
    if problems:
        raise ValueError(problems[0].message)
    name = entry.name.strip()
    others = PartnerAgency.objects.filter(name__iexact=name)
    if agency is not None:
        others = others.exclude(pk=agency.pk)
    if others.exists():
        raise NameTaken("An agency with this name is already in the directory")
    with transaction.atomic():
        target = agency or PartnerAgency()
        target.name = name
        target.kind = entry.kind
        target.areas = entry.areas
        target.delivery = entry.delivery
        target.secure_email = entry.secure_email.strip()
        target.out_of_hours = entry.out_of_hours.strip()
        target.active = entry.active
        target.save()
        _set_areas(target, entry.areas)
        record_event(
            action=Action.AGENCY_SAVED,
            actor=by,
            detail={"agency": str(target.id), "new": agency is None, "active": target.active},
        )
    return target


def _set_areas(agency: PartnerAgency, areas: Iterable[str]) -> None:
    AgencyArea.objects.filter(agency=agency).delete()
    keys = dict.fromkeys(area_key(a) for a in areas if area_key(a))
    AgencyArea.objects.bulk_create([AgencyArea(agency=agency, key=key) for key in keys])


# --- CSV -----------------------------------------------------------------------------------


def export_directory(*, by: User) -> str:
    """The whole directory as CSV, by name, for an administrator; audited (the count only)."""
    agencies = list(PartnerAgency.objects.order_by("name"))
    with transaction.atomic():
        record_event(action=Action.AGENCIES_EXPORTED, actor=by, detail={"agencies": len(agencies)})
    return export_csv(agencies)


def export_csv(agencies: Iterable[PartnerAgency]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for a in agencies:
        writer.writerow(
            [
                _safe_cell(a.name),
                a.kind,
                _safe_cell("; ".join(a.areas)),
                a.delivery,
                _safe_cell(a.secure_email),
                _safe_cell(a.out_of_hours),
                "yes" if a.active else "no",
            ]
        )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class ImportResult:
    added: int = 0
    changed: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row number, what is wrong)


def import_csv(*, text: str, by: User) -> ImportResult:
    """Add or change agencies (matched by name) from CSV with ``CSV_COLUMNS`` as its header.

    All or nothing: if any row has a problem, nothing is saved and every problem is listed with
    its row number, so the administrator can mend the file and try again.
    """
    try:
        return _import(text, by=by)
    except csv.Error:
        return ImportResult(problems=[(0, "This file cannot be read as CSV")])


def _import(text: str, *, by: User) -> ImportResult:
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("name", "kind", "areas") if c not in header]
    if missing:
        result.problems.append(
            (1, f"The first row must name the columns: missing {', '.join(missing)}")
        )
        return result
    entries: list[tuple[int, AgencyEntry]] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        if number > MAX_IMPORT_ROWS + 1:
            result.problems.append((number, f"A file may hold at most {MAX_IMPORT_ROWS} agencies"))
            break
        cells = {
            (k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else ""
            for k, v in row.items()
        }
        if not any(cells.values()):
            continue
        entry = AgencyEntry(
            name=cells.get("name", "").lstrip("'"),
            kind=cells.get("kind", ""),
            areas=split_areas(cells.get("areas", "").lstrip("'")),
            delivery=cells.get("delivery") or Delivery.PORTAL,
            secure_email=cells.get("secure_email", "").lstrip("'"),
            out_of_hours=cells.get("out_of_hours", "").lstrip("'"),
            active=cells.get("active", "yes").lower() not in ("no", "false", "0"),
        )
        problems = entry.check()
        if entry.name.casefold() in seen:
            problems.append(Problem("name", "This agency is named twice in the file"))
        seen.add(entry.name.casefold())
        result.problems += [(number, p.message) for p in problems]
        entries.append((number, entry))
    if result.problems:
        return result
    existing = {a.name.casefold(): a for a in PartnerAgency.objects.all()}
    at_row = 0
    try:
        with transaction.atomic():
            for number, entry in entries:
                at_row = number
                agency = existing.get(entry.name.strip().casefold())
                save_agency(entry=entry, by=by, agency=agency)
                if agency is None:
                    result.added += 1
                else:
                    result.changed += 1
            record_event(
                action=Action.AGENCIES_IMPORTED,
                actor=by,
                detail={"added": result.added, "changed": result.changed},
            )
    except (NameTaken, IntegrityError):
        # Another agency's name in a case the file's does not match (or one added meanwhile):
        # the whole import is undone, as for any other problem.
        return ImportResult(
            problems=[(at_row, "An agency with this name is already in the directory")]
        )
    return result

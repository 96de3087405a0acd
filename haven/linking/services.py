"""Automatic linking: the identifiers a report gives for the person of concern, kept only as
blind indexes, and the other reports that mention the same ones.

A blind index is HMAC-SHA256 under HAVEN_INDEX_KEY, a secret that is not in the database: equal
identifiers give equal digests, so reports can be matched, but a copy of the database cannot be
searched for a guessed username, email or phone number (see docs/SECURITY.md, "Blind indexes").
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import ngettext

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.lifecycle import Status
from haven.cases.models import Case, CaseLink
from haven.cases.services import link_cases
from haven.linking import normalise
from haven.linking.models import IdentifierIndex, Kind

# A report that lists hundreds of identifiers is more likely abuse of the form than a report;
# the first ones are kept.
MAX_IDENTIFIERS_PER_REPORT = 100
# A new report that shares an identifier with a great many open cases (a handle that is common
# after all) links to the most recent ones only; linked_reports still counts them all.
MAX_AUTOMATIC_LINKS = 20

KIND_ORDER = [k.value for k in Kind]

# A report's answers by step, as the public journey keeps them (``reporting.journey.Answers``):
# reporting sits above linking, so only their shape is named here.
Answers = Mapping[str, Mapping[str, Any]]


def blind_index(*, kind: str, value: str) -> str:
    """HMAC-SHA256 of the kind and the normalised value under HAVEN_INDEX_KEY, as hex.

    The kind is part of the message, so an email address and a username that happen to be the
    same text never share a digest.
    """
    message = f"{kind}\x00{value}".encode()
    return hmac.new(settings.HAVEN_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


PLATFORM_TAG_LENGTH = 16


def platform_tag(platform: str) -> str:
    """The blind index of a canonical platform name, cut to 16 hex digits, or "" if not known.

    64 bits tell a few dozen platforms apart with no chance of a collision, and the tag sits in
    two indexes of a table with a row per identifier: the full 64 digits would double its size.
    """
    if not platform:
        return ""
    return blind_index(kind="platform", value=platform)[:PLATFORM_TAG_LENGTH]


def identifiers_in_answers(answers: Answers) -> list[normalise.Identifier]:
    """The identifiers of the person of concern in a report's answers, first mention first.

    Read: each platform of the "where" step (its name gives the platform of the usernames
    listed under it, and any profile link gives its own), the "person" step's names or
    usernames (a plain first name is not taken for a handle), and the narrative ("what
    happened": email addresses, links, phone numbers and "@handles" written in it). The
    service's own helpline numbers are left out.

    Not read, on purpose: the "contact" step. Its email and phone number are the REPORTER's.
    Indexing them would link every report one person sends, which is a different question from
    "is this the same person of concern", and it would let anyone holding the database and the
    index key test whether a given person has ever reported. Nor the child's name or area, nor
    the reporter's organisation.
    """
    found: list[normalise.Identifier] = []
    for entry in answers.get("where", {}).get("platforms", []) or []:
        if not isinstance(entry, dict):
            continue
        platform = normalise.platform_name(str(entry.get("platform") or ""))
        found.extend(normalise.in_list(str(entry.get("usernames") or ""), platform=platform))
    names = str(answers.get("person", {}).get("person_names") or "")
    found.extend(normalise.in_list(names, names_too=True))
    narrative = str(answers.get("what-happened", {}).get("what_happened") or "")
    found.extend(normalise.in_text(narrative))
    services = _service_numbers()
    unique = [i for i in dict.fromkeys(found) if not (i.kind == Kind.PHONE and i.value in services)]
    return unique[:MAX_IDENTIFIERS_PER_REPORT]


def _service_numbers() -> set[str]:
    """The helplines the service itself tells people to call: a narrative that says "I rang the
    helpline on 0808 800 5000" says nothing about the person of concern, and would otherwise
    link every report that says it."""
    written = [settings.HAVEN_HELPLINE_PHONE, settings.HAVEN_CHILDLINE_PHONE]
    return {number for number in map(normalise.phone, written) if number}


def identifier_rows(*, case: Case, answers: Answers) -> list[IdentifierIndex]:
    """The blind indexes of the identifiers in ``answers`` for ``case`` and its report, not saved.

    Only digests, never an identifier or a platform name; each (kind, digest, platform) once per
    report; at most MAX_IDENTIFIERS_PER_REPORT. ``index_report`` saves them; the development
    seeding saves many reports' rows in bulk.
    """
    return [
        IdentifierIndex(
            report_id=case.report_id,
            case=case,
            received_at=case.received_at,
            kind=identifier.kind,
            digest=blind_index(kind=identifier.kind, value=identifier.value),
            platform=platform_tag(identifier.platform),
        )
        for identifier in identifiers_in_answers(answers)
    ]


def index_report(*, case: Case, answers: Answers) -> list[IdentifierIndex]:
    """Store the blind indexes of ``answers`` (``identifier_rows``) inside the submission's
    transaction, after the case is opened."""
    rows = identifier_rows(case=case, answers=answers)
    IdentifierIndex.objects.bulk_create(rows)
    return rows


def index_added(*, case: Case, answers: Answers) -> list[CaseLink]:
    """What the reporter added later (``answers`` in the journey's shape): its identifiers
    indexed beside the report's own (each once; MAX_IDENTIFIERS_PER_REPORT in all), then the
    case linked as a new report is (``link_new_report``) to the open cases it now shares one
    with. Run it in the transaction that stores what was added, after its audit event, which
    holds the chain's head as a submission does."""
    have = set(_own_identifiers(case))
    room = MAX_IDENTIFIERS_PER_REPORT - len(have)
    rows = [
        row
        for row in identifier_rows(case=case, answers=answers)
        if (row.kind, row.digest, row.platform) not in have
    ][: max(room, 0)]
    if not rows:
        return []
    IdentifierIndex.objects.bulk_create(rows)
    return link_new_report(case=case)


@dataclass(frozen=True)
class _Match:
    kind: str
    case_id: uuid.UUID
    reference: str
    status: str
    received_at: datetime
    restricted: bool


def _matches(*, case: Case, mine: Iterable[tuple[str, str, str]]) -> list[_Match]:
    """Rows of other cases whose identifiers match ``mine`` (kind, digest, platform tag), by
    ``_matching``'s rule. One query, driven by the (kind, digest) index."""
    mine = list(mine)
    if not mine:
        return []
    rows = (
        IdentifierIndex.objects.filter(_matching(mine))
        .exclude(case_id=case.pk)
        .values_list(
            "kind",
            "case_id",
            "case__reference",
            "case__status",
            "case__received_at",
            "case__restricted",
        )
    )
    return [_Match(*row) for row in rows]


def _own_identifiers(case: Case) -> list[tuple[str, str, str]]:
    # By report: the unique constraint's index leads with it and holds all three columns.
    return list(
        IdentifierIndex.objects.filter(report_id=case.report_id).values_list(
            "kind", "digest", "platform"
        )
    )


def link_new_report(*, case: Case) -> list[CaseLink]:
    """Link a newly received report's case to every OPEN case that shares an identifier with it.

    Rules: run it in the submission's transaction, after ``index_report``. For each other case
    that is not closed, a CaseLink (by nobody: ``by=None``, reason "identifier:<kind>", the first
    kind that matched in the order username, email, phone, link) and an audit event on each side:
    "case.linked" on the new report (written by ``link_cases``) and "case.identifier_match" on
    the other. Audit details hold case ids and kinds, never an identifier or a digest. A closed
    case is not linked, but ``linked_reports`` still counts it. At most MAX_AUTOMATIC_LINKS, the
    most recently received first.

    Two reports sent at the same moment cannot miss each other: "report.received", earlier in
    the same transaction, locks the audit chain's head, so submissions reach this point one at
    a time, and each sees the rows of every submission committed before it.
    """
    kinds: dict[uuid.UUID, set[str]] = defaultdict(set)
    received: dict[uuid.UUID, datetime] = {}
    for match in _matches(case=case, mine=_own_identifiers(case)):
        if match.status != Status.CLOSED:
            kinds[match.case_id].add(match.kind)
            received[match.case_id] = match.received_at
    chosen = sorted(kinds, key=lambda case_id: received[case_id], reverse=True)
    chosen = chosen[:MAX_AUTOMATIC_LINKS]
    others = Case.objects.only("id", "report_id").in_bulk(chosen)
    links = []
    with transaction.atomic():
        for case_id in chosen:
            other = others[case_id]
            matched = sorted(kinds[case_id], key=KIND_ORDER.index)
            link = link_cases(case=case, other=other, by=None, reason=f"identifier:{matched[0]}")
            if link is None:
                continue
            record_event(
                action=Action.CASE_IDENTIFIER_MATCH,
                report_id=other.report_id,
                detail={"case": str(other.id), "other": str(case.id), "kinds": matched},
            )
            links.append(link)
    return links


@dataclass(frozen=True)
class LinkedCase:
    case_id: uuid.UUID
    reference: str
    status: str
    received_at: datetime
    restricted: bool

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


@dataclass(frozen=True)
class LinkedReports:
    """The other reports that mention an identifier of one kind that this case's report gives:
    how many, and the newest of them (all of them from ``mentioning``)."""

    kind: str
    count: int
    cases: tuple[LinkedCase, ...]

    @property
    def more(self) -> int:
        """How many are not among ``cases``."""
        return self.count - len(self.cases)

    @property
    def sentence(self) -> str:
        """ "2 other reports mention the same username", for the case page."""
        templates = {
            Kind.USERNAME: ngettext(
                "%(count)s other report mentions the same username",
                "%(count)s other reports mention the same username",
                self.count,
            ),
            Kind.EMAIL: ngettext(
                "%(count)s other report mentions the same email address",
                "%(count)s other reports mention the same email address",
                self.count,
            ),
            Kind.PHONE: ngettext(
                "%(count)s other report mentions the same phone number",
                "%(count)s other reports mention the same phone number",
                self.count,
            ),
            Kind.URL: ngettext(
                "%(count)s other report mentions the same link",
                "%(count)s other reports mention the same link",
                self.count,
            ),
        }
        return templates[Kind(self.kind)] % {"count": self.count}


# The case page shows this many of each kind, newest first, with a link to the rest: an
# identifier in hundreds of reports would otherwise make the page hundreds of rows long.
LINKED_SHOWN = 5


def _mentioning_by_kind(case: Case) -> dict[str, list[LinkedCase]]:
    """Per kind, every other case mentioning an identifier of this case's report, newest first."""
    by_kind: dict[str, dict[uuid.UUID, LinkedCase]] = defaultdict(dict)
    for match in _matches(case=case, mine=_own_identifiers(case)):
        by_kind[match.kind][match.case_id] = LinkedCase(
            case_id=match.case_id,
            reference=match.reference,
            status=match.status,
            received_at=match.received_at,
            restricted=match.restricted,
        )
    return {
        kind: sorted(found.values(), key=lambda c: (c.received_at, c.case_id), reverse=True)
        for kind, found in by_kind.items()
    }


def linked_reports(*, case: Case, shown: int = LINKED_SHOWN) -> list[LinkedReports]:
    """Per kind of identifier, how many other reports mention one this case's report gives, and
    the newest ``shown`` of them.

    Rules: open and closed cases alike (the advisor judges; a closed case's report still says
    something about the person); each other case once per kind, newest first; kinds in the
    order username, email, phone, link, and only kinds with at least one; a username matches by
    ``_matching``'s platform rule. One query whatever the number of reports (``LINKED_SQL``):
    this report's digests, the other cases sharing one (each once per kind, off the lookup
    index, which holds each row's time received), then per kind a count and the newest few by
    window functions; only those few are read from ``cases_case``. Page cost is bounded by ``shown``, not by
    how many reports share the identifier (``mentioning`` reads them all, for the page that
    lists them).

    A restricted case is counted like any other, flagged ``restricted``: a page must show its
    reference only to the people named on it (haven.cases.services.can_open).
    """
    index = IdentifierIndex._meta.db_table
    params = [
        IdentifierIndex._meta.get_field("report").get_db_prep_value(case.report_id, connection),
        Case._meta.pk.get_db_prep_value(case.pk, connection),  # type: ignore[union-attr]
        shown,
    ]
    sql = LINKED_SQL.format(index=index, case=Case._meta.db_table)
    counts: dict[str, int] = {}
    newest: dict[str, list[LinkedCase]] = defaultdict(list)
    # Case.objects.raw converts the case's columns as the ORM would on either database.
    # Each row a Case with two columns more: kind and total.
    rows: Iterable[Any] = Case.objects.raw(sql, params)
    for other in rows:
        counts[other.kind] = other.total
        newest[other.kind].append(
            LinkedCase(other.pk, other.reference, other.status, other.received_at, other.restricted)
        )
    return [
        LinkedReports(kind=kind, count=counts[kind], cases=tuple(newest[kind]))
        for kind in KIND_ORDER
        if counts.get(kind)
    ]


# The same rule as ``_matching``, written as a join: a row of another report matches one of
# this report's rows of the same kind and digest when either platform is not known ("") or both
# are the same. Standard SQL (common table expressions, window functions): PostgreSQL and
# SQLite 3.25+ alike.
LINKED_SQL = """
WITH own AS (
    SELECT kind, digest, platform FROM {index} WHERE report_id = %s
), matched AS (
    SELECT other.kind, other.case_id, MAX(other.received_at) AS received_at
    FROM {index} other
    JOIN own ON other.kind = own.kind AND other.digest = own.digest
        AND (other.platform = '' OR own.platform = '' OR other.platform = own.platform)
    WHERE other.case_id <> %s
    GROUP BY other.kind, other.case_id
), numbered AS (
    SELECT kind, case_id,
        ROW_NUMBER() OVER (PARTITION BY kind ORDER BY received_at DESC, case_id DESC) AS place,
        COUNT(*) OVER (PARTITION BY kind) AS total
    FROM matched
)
SELECT c.id, c.reference, c.status, c.received_at, c.restricted, numbered.kind, numbered.total
FROM numbered JOIN {case} c ON c.id = numbered.case_id
WHERE numbered.place <= %s ORDER BY numbered.kind, numbered.place
"""


def _matching(mine: Iterable[tuple[str, str, str]]) -> Q:
    """The rows that match ``mine`` (kind, digest, platform tag). A username matches on the
    same platform, or when either side's platform is not known; the same handle on two
    different known platforms is two different accounts and does not match."""
    platforms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, digest, platform in mine:
        platforms[kind, digest].add(platform)
    matching = Q()
    for (kind, digest), theirs in platforms.items():
        same = Q(kind=kind, digest=digest)
        if "" not in theirs:
            same &= Q(platform="") | Q(platform__in=sorted(theirs))
        matching |= same
    return matching


def mentioning(*, case: Case, kind: str) -> list[LinkedCase]:
    """Every other case whose report mentions an identifier of ``kind`` that this case's report
    gives, newest first (the page behind "see all" pages it)."""
    return _mentioning_by_kind(case).get(kind, [])

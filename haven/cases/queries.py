"""Reading cases for the queue: filters and order, without sealed content and without N+1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from haven.accounts.roles import PERMISSIONS
from haven.cases.lifecycle import Status
from haven.cases.models import (
    Approval,
    Case,
    CaseAccess,
    CaseLink,
    ContactAttempt,
    Note,
    OpenCaseCount,
    OwnershipOverride,
    PriorityChange,
    Transition,
)
from haven.core import crockford
from haven.triage.rules import Priority

QUEUE_COLUMNS = (
    "id",
    "reference",
    "received_at",
    "audience",
    "concerns",
    "status",
    "priority",
    "computed_priority",
    "reasons",
    "next_due_at",
    "next_target",
    "restricted",
    "many_from_network",
    "reply_waiting_since",
    "assigned_to__username",
)

# What the team page's overdue list shows of each case (and the keyset cursor reads): the
# queue's rows carry audience, concerns and reasons too, and whether the case is linked.
OVERVIEW_COLUMNS = (
    "id",
    "reference",
    "received_at",
    "priority",
    "next_due_at",
    "next_target",
    "restricted",
    "assigned_to__username",
)


def may_open(user: User, *, case: str = "") -> Q:
    """Whether ``user`` may open each listed row's case: the one rule of every staff list.

    A restricted case is for the people named on it. Every list, count and search that shows
    cases to someone not named on one shows it as the queue does: a row saying only that a
    restricted case exists (``staff/_restricted.html``), without its reference, audience or
    concerns, and no link to it. Annotate a list with ``may_open=may_open(user)``; ``case`` is
    the path from the rows to their case ("" when the rows are cases, ``"case"`` for reports).
    One EXISTS per row, not a query per row.
    """
    prefix = f"{case}__" if case else ""
    named = CaseAccess.objects.filter(case=OuterRef(f"{prefix}pk"), user=user)
    return ~Q(**{f"{prefix}restricted": True}) | Q(Exists(named))


@dataclass(frozen=True)
class QueueFilter:
    priority: str = ""
    status: str = ""  # "" means every open status
    mine: bool = False
    unassigned: bool = False
    overdue: bool = False
    many_from_network: bool = False
    awaiting_approval: bool = False

    @classmethod
    def from_query(cls, params: dict[str, str]) -> QueueFilter:
        priority = params.get("priority", "")
        status = params.get("status", "")
        return cls(
            priority=priority if priority in Priority.values else "",
            status=status if status in Status.values else "",
            mine=params.get("mine") == "1",
            unassigned=params.get("unassigned") == "1",
            overdue=params.get("overdue") == "1",
            many_from_network=params.get("network") == "1",
            awaiting_approval=params.get("awaiting") == "1",
        )


def queue(
    *, user: User, filters: QueueFilter, now: datetime | None = None, overview: bool = False
) -> QuerySet[Case]:
    """Cases in queue order: priority, then the nearest time target, then the oldest first.

    ``overview``: only ``OVERVIEW_COLUMNS`` of each, and not whether it is linked (the team
    page's list); the same cases, in the same order, with the same ``may_open``.
    """
    cases = Case.objects.all()
    if filters.status:
        cases = cases.filter(status=filters.status)
    else:
        # "Not closed", in the words of the open-case indexes' condition, so PostgreSQL uses them.
        cases = cases.exclude(status=Status.CLOSED)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.mine:
        cases = cases.filter(assigned_to=user)
    if filters.unassigned:
        cases = cases.filter(assigned_to__isnull=True)
    if filters.overdue:
        cases = cases.filter(next_due_at__lt=now or timezone.now())
    if filters.awaiting_approval:
        # Few, and found by the partial unique index that holds only the pending.
        pending = Approval.objects.filter(decided_at__isnull=True).values("case_id")
        cases = cases.filter(pk__in=pending)
    if filters.many_from_network:
        # With "not closed" above, the condition of the case_open_network_queue index.
        cases = cases.filter(many_from_network=True)
    cases = cases.annotate(may_open=may_open(user))
    if not overview:
        linked = CaseLink.objects.filter(Q(from_case=OuterRef("pk")) | Q(to_case=OuterRef("pk")))
        cases = cases.annotate(linked=Exists(linked))
    return (
        cases.select_related("assigned_to")
        .only(*(OVERVIEW_COLUMNS if overview else QUEUE_COLUMNS))
        .order_by("priority", F("next_due_at").asc(nulls_last=True), "received_at", "id")
    )


@dataclass(frozen=True)
class Workload:
    advisor: str
    open_cases: int
    p1: int
    p2: int
    overdue: int
    more_overdue: bool = False  # more than ``overdue``, which is then the cap


# Overdue cases per person are counted to this many and then "more than": they change with
# the clock, so no count can be kept, and an exact count reads every one of them.
OVERDUE_COUNT_CAP = 100


def workload(
    *, now: datetime | None = None, overdue_cap: int = OVERDUE_COUNT_CAP
) -> list[Workload]:
    """Open cases per person who holds any, with the urgent and the overdue among them.

    Two small queries, whatever the backlog: the open cases per person and priority from the
    counts the database keeps (``OpenCaseCount``), then each person's overdue cases, counted
    per priority off the assignee index to ``overdue_cap`` at most.
    """
    now = now or timezone.now()
    counts: dict[str, dict[str, int]] = {}
    ids: dict[str, int] = {}
    rows = OpenCaseCount.objects.filter(open_cases__gt=0).values_list(
        "user_id", "user__username", "priority", "open_cases"
    )
    for user_id, username, priority, n in rows:
        counts.setdefault(username, {})[priority] = n
        ids[username] = user_id
    overdue = _overdue_counts(
        [(ids[u], p) for u, by_priority in counts.items() for p in by_priority], now, overdue_cap
    )
    found = []
    for username, by_priority in counts.items():
        late = sum(overdue.get((ids[username], p), 0) for p in by_priority)
        found.append(
            Workload(
                username,
                open_cases=sum(by_priority.values()),
                p1=by_priority.get(Priority.P1, 0),
                p2=by_priority.get(Priority.P2, 0),
                overdue=min(late, overdue_cap),
                more_overdue=late > overdue_cap,
            )
        )
    return sorted(found, key=lambda w: (-w.overdue, -w.open_cases, w.advisor))


def _overdue_counts(
    keys: list[tuple[int, str]], now: datetime, cap: int
) -> dict[tuple[int, str], int]:
    """Per (person, priority), how many open cases are overdue, up to ``cap + 1``: one query.

    For each counter row with open cases, a correlated count reads a range of the
    case_open_assignee_queue index (person, priority, next due), stopping after ``cap + 1``;
    "not (closed)" is that index's condition, written as it is. One small statement to plan,
    whatever the number of advisors.
    """
    if not keys:
        return {}
    sql = (
        "SELECT u.user_id, u.priority, (SELECT COUNT(*) FROM (SELECT 1 FROM cases_case c"
        " WHERE c.assigned_to_id = u.user_id AND c.priority = u.priority"
        " AND NOT (c.status = %s) AND c.next_due_at < %s LIMIT %s) AS late)"
        " FROM cases_opencasecount u WHERE u.open_cases > 0"
    )
    due = connection.ops.adapt_datetimefield_value(now)
    wanted = set(keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Status.CLOSED.value, due, cap + 1])
        return {
            (user_id, priority): n
            for user_id, priority, n in cursor.fetchall()
            if (user_id, priority) in wanted
        }


# The team page says "More than 1,000" above this many: an exact count of a large backlog
# reads every open unassigned case (33,000 index entries at a million, 2 ms on every showing),
# the page must not grow with the backlog, and a supervisor then needs the queue, not a number.
UNASSIGNED_COUNT_CAP = 1_000


def unassigned_open_cases() -> int:
    """How many open cases nobody holds, counted to ``UNASSIGNED_COUNT_CAP + 1`` at most.

    Restricted ones are counted too: the queue shows each as a row saying that it exists.
    """
    cases = Case.objects.exclude(status=Status.CLOSED).filter(assigned_to__isnull=True)
    return cases.order_by()[: UNASSIGNED_COUNT_CAP + 1].count()


def case_workers() -> QuerySet[User]:
    """The advisors: active staff accounts whose role grants ``cases.work``."""
    roles = [role for role, granted in PERMISSIONS.items() if "cases.work" in granted]
    return User.objects.filter(is_active=True, is_staff=True, staff_profile__role__in=roles)


def advisors_without_open_cases(advisors: list[User], workload: list[Workload]) -> list[User]:
    """The advisors (``case_workers``, by name) who hold no open case: those ``workload``,
    read off the counts the database keeps, does not list. No query of its own."""
    busy = {row.advisor for row in workload}
    return [advisor for advisor in advisors if advisor.username not in busy]


REFERENCE_BODY_LENGTH = 8  # as reporting.services.REFERENCE_LENGTH: two groups of four
_SEPARATORS = frozenset(" -_.\t\r\n")


def find_reference(text: str) -> str | None:
    """The canonical reference ("HVN-XXXX-XXXX") that ``text`` was typed as, or None.

    Forgiving as people are when they copy a reference by hand: any case, spaces or dashes
    anywhere or missing (``hvn 3qmq 3rhh``), the prefix left off, and Crockford's look-alikes
    (O for 0, I or L for 1) in the part after the prefix. Only the shape is checked: whether a
    case has the reference, and whether this person may know it, is the caller's question.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    cleaned = "".join(ch for ch in text.upper() if ch not in _SEPARATORS)
    prefix = settings.HAVEN_REFERENCE_PREFIX.upper()
    body = cleaned[len(prefix) :] if cleaned.startswith(prefix) else cleaned
    if len(body) != REFERENCE_BODY_LENGTH and len(cleaned) == REFERENCE_BODY_LENGTH:
        body = cleaned  # a body that happens to begin with the prefix's letters
    body = crockford.normalise(body)
    if len(body) != REFERENCE_BODY_LENGTH or not crockford.is_valid(body):
        return None
    return f"{settings.HAVEN_REFERENCE_PREFIX}-{crockford.group(body)}"


@dataclass(frozen=True)
class HistoryRow:
    """One thing done on a case, from any of the tables that record a person's act on it.

    ``source`` names the table ("status", "priority", "note", "contact", "override"); ``first``
    and ``second`` are its two facts (from and to; a note's kind; a contact's method and
    outcome; an override's owner); ``key_id`` and ``sealed`` its sealed text, if any.
    """

    source: str
    at: datetime
    who: str
    first: str
    second: str
    key_id: str
    sealed: bytes | memoryview | None


def history(case: Case) -> list[HistoryRow]:
    """Every status change, priority change, note, contact attempt and override on ``case``, in
    one statement (``HISTORY_SQL``: UNION ALL of the five tables, each read by its case index),
    oldest first, and at the same instant in the order of those tables.

    Read through ``Transition.objects.raw``, whose columns the union's share by name, so that
    times and sealed bytes come back converted as the ORM would on either database. The safety
    plan and approvals are read on their own: the case page lists them too.
    """
    tables = {
        model.__name__.lower(): model._meta.db_table
        for model in (Transition, PriorityChange, Note, ContactAttempt, OwnershipOverride)
    }
    sql = HISTORY_SQL.format(user=User._meta.db_table, **tables)
    case_id = Case._meta.pk.get_db_prep_value(case.pk, connection)  # type: ignore[union-attr]
    # Each row a Transition with two columns more: source and who.
    raw: Iterable[Any] = Transition.objects.raw(sql, [case_id] * 5)
    rows = [
        HistoryRow(
            row.source,
            row.at,
            row.who,
            row.from_status,
            row.to_status,
            row.reason_key_id,
            row.reason_sealed,
        )
        for row in raw
    ]
    order = ["status", "priority", "note", "contact", "override"]
    return sorted(rows, key=lambda row: (row.at, order.index(row.source)))


# Each part names its columns as cases_transition's: (first, second) are from_status and
# to_status, the sealed text's key id and bytes reason_key_id and reason_sealed.
HISTORY_SQL = """
SELECT t.id, t.at, t.from_status, t.to_status, t.reason_key_id, t.reason_sealed,
    'status' AS source, u.username AS who
FROM {transition} t JOIN {user} u ON u.id = t.by_id WHERE t.case_id = %s
UNION ALL
SELECT p.id, p.at, p.from_priority, p.to_priority, p.reason_key_id, p.reason_sealed,
    'priority', u.username
FROM {prioritychange} p JOIN {user} u ON u.id = p.by_id WHERE p.case_id = %s
UNION ALL
SELECT n.id, n.at, n.kind, '', n.key_id, n.sealed, 'note', u.username
FROM {note} n JOIN {user} u ON u.id = n.by_id WHERE n.case_id = %s
UNION ALL
SELECT c.id, c.at, c.method, c.outcome, c.key_id, c.sealed_note, 'contact', u.username
FROM {contactattempt} c JOIN {user} u ON u.id = c.by_id WHERE c.case_id = %s
UNION ALL
SELECT o.id, o.at, owner.username, '', o.key_id, o.sealed, 'override', u.username
FROM {ownershipoverride} o JOIN {user} u ON u.id = o.by_id
    JOIN {user} owner ON owner.id = o.owner_id WHERE o.case_id = %s
"""

"""Questions a supervisor asks of the audit trail.

Who opened a case, what someone opened today, and the audit page's search: any date range,
any kinds of event, one person, one report, newest first, a page at a time by ``seq``.
The trail knows reports by id only: turning an event into a case reference is the staff
side's work (``haven.staff.audit_cases``), since audit sits below cases.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from haven.audit.actions import Action
from haven.audit.models import AuditEvent

OPENINGS = (
    Action.REPORT_OPENED,
    Action.CASE_VIEWED,
    Action.REPORT_OPEN_FAILED,
    Action.CASE_ACCESS_REFUSED,
)

# A kind of event that is no one action: a case closed, whichever way (a status change, a
# threshold decision below the threshold, a bulk close), read off the event's "to". Its name has
# no dot, so no Action can ever be named the same.
CLOSURES = "closures"


# The groups the audit page offers the kinds of event in, in this order. An action belongs to
# the first rule that takes it: its namespace (the part before the dot) is one of the rule's,
# or the rule names none, and one of the rule's words is in the rest of its name. A new Action
# lands in a group by its name, or at worst in "Other", so every kind stays filterable without
# this table being edited.
@dataclass(frozen=True)
class KindRule:
    slug: str
    label: Any
    words: tuple[str, ...]
    namespaces: tuple[str, ...] = ()

    def takes(self, name: str) -> bool:
        namespace, _dot, verb = name.partition(".")
        if self.namespaces and namespace not in self.namespaces:
            return False
        return any(word in verb for word in self.words)


KIND_RULES: tuple[KindRule, ...] = (
    KindRule("approvals", _("Approvals"), ("approv", "return")),
    KindRule("restrictions", _("Restrictions"), ("restrict",)),
    KindRule(
        "accounts",
        _("Staff accounts"),
        ("account", "role", "activat", "reset", "password", "unlock"),
        ("staff",),
    ),
    KindRule(
        "sign-ins",
        _("Signing in"),
        ("sign", "mfa", "recovery", "locked_out", "session", "passkey"),
        ("staff",),
    ),
    KindRule("conversation", _("Messages and notices"), ("",), ("message", "notice")),
    KindRule(
        "referrals", _("Referrals and partner agencies"), ("",), ("referral", "agency", "agencies")
    ),
    KindRule("refusals", _("Refusals"), ("refused", "failed", "denied")),
    KindRule("reporters", _("Reporters checking, replying and adding"), ("",), ("reporter",)),
    KindRule("decisions", _("Decisions"), ("threshold", "status", "priority", "decid")),
    KindRule("ownership", _("Claims and assignment"), ("claim", "assign", "release", "ownership")),
    KindRule("openings", _("Reading reports and cases"), ("opened",), ("report",)),
    KindRule("openings", _("Reading reports and cases"), ("viewed", "first_read", "exported")),
    KindRule("reports", _("Reports received"), ("",), ("report", "reports")),
    KindRule("reports", _("Reports received"), ("opened",), ("case",)),
    KindRule("case-work", _("Work on a case"), ("",), ("case",)),
    KindRule("trail", _("The audit trail and keys"), ("",), ("audit", "keys")),
)
CLOSURES_GROUP = ("closures", _("Closures"))
OTHER_GROUP = ("other", _("Other"))


@dataclass(frozen=True)
class KindGroup:
    slug: str
    label: Any
    kinds: list[tuple[str, str]]  # (stored name, label), in the order of Action


def kind_groups(actions: Iterable[tuple[str, Any]] | None = None) -> list[KindGroup]:
    """Every kind of event, each in exactly one group, in the order of ``KIND_RULES``.

    ``actions`` is (name, label) pairs, ``Action.choices`` unless given; empty groups are left
    out. ``closures`` is offered first, in its own group.
    """
    if actions is None:
        return _every_kind(translation.get_language())
    return _groups(actions)


@lru_cache(maxsize=16)
def _every_kind(language: str | None) -> list[KindGroup]:
    """The groups of ``Action.choices``, built once per language (every audit page shows them)."""
    del language  # in the cache key only: the labels are translated in the active language
    return _groups(Action.choices)


def _groups(actions: Iterable[tuple[str, Any]]) -> list[KindGroup]:
    pairs = list(actions)
    labels = dict([CLOSURES_GROUP, *((rule.slug, rule.label) for rule in KIND_RULES), OTHER_GROUP])
    found: dict[str, list[tuple[str, str]]] = {slug: [] for slug in labels}
    found[CLOSURES_GROUP[0]].append((CLOSURES, str(_("Case closed, whichever way"))))
    for name, label in pairs:
        rule = next((rule for rule in KIND_RULES if rule.takes(name)), None)
        found[rule.slug if rule else OTHER_GROUP[0]].append((name, str(label)))
    return [KindGroup(slug, labels[slug], kinds) for slug, kinds in found.items() if kinds]


def kind_names() -> frozenset[str]:
    """Every kind the search takes: each action, and ``CLOSURES``."""
    return frozenset({CLOSURES, *Action.values})


@dataclass(frozen=True)
class EventSearch:
    """What the audit page asks: events from ``since`` (inclusive) to ``until`` (exclusive).

    An empty ``kinds`` means every kind. ``actor_id`` and ``report_id`` narrow to one person,
    one report.
    """

    since: datetime.datetime
    until: datetime.datetime
    kinds: frozenset[str] = field(default_factory=frozenset)
    actor_id: int | None = None
    report_id: uuid.UUID | None = None
    # Events whose detail names this partner agency (by its id): what was shared with it.
    agency_id: uuid.UUID | None = None

    def queryset(self) -> QuerySet[AuditEvent]:
        events = AuditEvent.objects.filter(at__gte=self.since, at__lt=self.until)
        if self.kinds:
            chosen = Q(action__in=sorted(self.kinds - {CLOSURES}))
            if CLOSURES in self.kinds:
                chosen |= Q(
                    action__in=[Action.CASE_STATUS_CHANGED, Action.CASE_THRESHOLD_DECIDED],
                    detail__to="closed",
                )
            events = events.filter(chosen)
        if self.actor_id is not None:
            events = events.filter(actor_id=self.actor_id)
        if self.report_id is not None:
            events = events.filter(report_id=self.report_id)
        if self.agency_id is not None:
            events = events.filter(detail__agency=str(self.agency_id))
        return events


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    older: int | None  # the ``before`` of the next page back in time, if there is one
    newer: int | None  # the ``after`` of the page forward in time, if there is one


NEWEST_FIRST = ("-at", "-seq")
OLDEST_FIRST = ("at", "seq")


def _edge(seq: int, *, older: bool) -> Q:
    """The events past the one numbered ``seq`` (older, or newer), in the order (at, seq).

    The page is ordered by time with ``seq`` breaking ties, so that a date range is one range of
    the (at, seq) index however far back it lies; the cursor in the address is still a seq. A
    seq no event has (typed by hand) stands for the nearest event on that side.
    """
    if older:
        nearest = AuditEvent.objects.filter(seq__lt=seq).order_by("-seq")
    else:
        nearest = AuditEvent.objects.filter(seq__gt=seq).order_by("seq")
    found = nearest.values_list("at", "seq").first()
    if found is None:
        return Q(pk__in=[])
    at, edge = found
    if older:
        return Q(at__lte=at) & (Q(at__lt=at) | Q(seq__lte=edge))
    return Q(at__gte=at) & (Q(at__gt=at) | Q(seq__gte=edge))


SHOWN_COLUMNS = ("seq", "at", "action", "actor_label", "report_id", "detail")


def page_of_events(
    search: EventSearch, *, before: int | None = None, after: int | None = None, size: int = 50
) -> EventPage:
    """One page of the search, newest first, by keyset: as quick on page 10,000 as on page 1.

    ``before`` gives the events just older than the event of that seq; ``after`` the events
    just newer (the way back); neither, the newest. Newest is by time, then by seq.
    """
    # What a page of events shows (the chain's hashes and the account rows are not shown: the
    # name is the actor's label, kept on the event as it was).
    events = search.queryset().only(*SHOWN_COLUMNS)
    if after is not None:
        rows = list(events.filter(_edge(after, older=False)).order_by(*OLDEST_FIRST)[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return EventPage(
            events=rows,
            older=rows[-1].seq if rows else None,
            newer=rows[0].seq if rows and more_newer else None,
        )
    if before is not None:
        events = events.filter(_edge(before, older=True))
    rows = list(events.order_by(*NEWEST_FIRST)[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return EventPage(
        events=rows,
        older=rows[-1].seq if rows and more_older else None,
        newer=rows[0].seq if rows and before is not None else None,
    )


def local_day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the service's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def who_opened(*, report_id: uuid.UUID) -> QuerySet[AuditEvent]:
    """Every opening of a report or its case, and every refused attempt, newest first."""
    return AuditEvent.objects.filter(report_id=report_id, action__in=OPENINGS).order_by("-seq")


def opened_by(*, user: User, day: datetime.date | None = None) -> QuerySet[AuditEvent]:
    """What one person opened (or tried to) on one local day, newest first."""
    start = local_day_start(day or timezone.localdate())
    return AuditEvent.objects.filter(
        actor=user, action__in=OPENINGS, at__gte=start, at__lt=start + datetime.timedelta(days=1)
    ).order_by("-seq")

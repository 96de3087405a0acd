#!/usr/bin/env python3
"""How long the referral pages take, measured: the partner portal, the staff referral pages, the
team page with its referrals, the directory search and the referral's PDF.

    HAVEN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/haven_bench_ref \\
        .venv/bin/python benchmarks/referrals.py \\
        --json-prefix benchmarks/results/referrals-2026-12-02

The conventions are ``benchmarks/conversation.py``'s, and so are its helpers (imported, not
copied): each database in a child process of its own, PostgreSQL when HAVEN_DATABASE_URL names
one (a database this script creates, named ``haven_bench_*``, dropped at the end; ``--replace``
drops a leftover one first), then SQLite in a new file (``--no-sqlite`` leaves it out), with
``HAVEN_ENV=development`` in a temporary folder of its own (secrets, key pair, audit
checkpoints): nothing under ``var/`` is touched.

At each size (``--sizes``, default 1,000 then 100,000 reports on PostgreSQL; ``--sqlite-sizes``,
default 1,000), reached with ``manage.py seed_reports N --workers 1``, the directory and the
referrals are topped up to that size's ``--agencies`` and ``--referrals`` (default 20 and 200,
then 500 and 20,000), of which ``--big`` (50, then 5,000) go to one agency, the one the partner
user belongs to, so that its list is long. They are bulk-created, each sealed as the services
seal it (the draft as ``save_draft`` keeps it, the agency's frozen copy as ``_dispatch`` makes
it, the reasons and the thread's messages), with the events of the moves that brought each to
its state; then ``ANALYZE`` on PostgreSQL. The referrals the pages show are made through the
services themselves (drafted from the report, saved, sent for approval, approved, acknowledged,
questioned, answered, accepted, opened by the agency). Then ``--runs`` runs (default 2), each:

- gunicorn with ``benchmarks/queue.py``'s timed application (2 sync workers, 127.0.0.1 only),
  every page requested round-robin (``conversation.measure_pages``): the bare baseline view
  (``benchmarks/bare.py``), the partner's list (first and last page) and one referral (which
  opens its sealed copy, audited), the staff referral page of a draft (the form of 12 sections)
  and of a sent referral (history, thread, openings), the team page (supervisor) and the
  directory search of the referral form (one area, and a few letters many areas contain): a
  warm-up, then ``--requests`` timed requests each;
- then the referral's PDF (WeasyPrint) the same way, beside the bare view again, with
  ``--pdf-requests`` timed requests (a PDF takes far longer than a page).

The figure is the server's time (the Server-Timing header) as p50 and p95, p95 as a multiple of
the bare view's in the same round-robin, and the queries of the request (the most any timed
request ran). ``EXPLAIN (ANALYZE, BUFFERS)`` (SQLite: ``EXPLAIN QUERY PLAN``) of every statement
on referrals that the partner's list (first and last page) and the team page run is recorded at
every size. This is a measurement to read, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# As in conversation.py: run as a script, this folder comes first on sys.path and its queue.py
# would stand in for the standard library's queue module. Put the project there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
assert Path(getattr(sys.modules.get("queue"), "__file__", None) or ROOT).parent != HERE, (
    "benchmarks/queue.py was imported as the standard library's queue module"
)

from benchmarks.conversation import (  # noqa: E402 - needs the path above
    Page,
    _server,
    cpu_model,
    database,
    load,
    measure_pages,
    result_path,
    seed_to,
)
from benchmarks.queue import (  # noqa: E402
    ADVISOR,
    BARE,
    SUPERVISOR,
    dataset,
    print_table,
    signed_in_cookie,
)
from benchmarks.queue import machine as queue_machine  # noqa: E402

PARTNER = "bench-partner"
BIG_AGENCY = "Leeds City Council Children's Social Work Service"
SEARCH_ONE = "Leeds"  # an area a dozen agencies serve at 500 (and two at 20)
SEARCH_MANY = "shire"  # in many areas' names: more agencies than the form lists (50)

# Areas as a directory of English agencies would name them (the big agency serves the first).
AREAS = (
    "Leeds", "Bradford", "Kirklees", "Calderdale", "Wakefield", "Sheffield", "Rotherham",
    "Barnsley", "Doncaster", "York", "North Yorkshire", "East Riding of Yorkshire", "Hull",
    "Manchester", "Salford", "Trafford", "Stockport", "Tameside", "Oldham", "Rochdale", "Bury",
    "Bolton", "Wigan", "Liverpool", "Sefton", "Knowsley", "St Helens", "Wirral", "Cheshire East",
    "Cheshire West and Chester", "Lancashire", "Blackpool", "Blackburn with Darwen", "Cumberland",
    "Westmorland and Furness", "Newcastle upon Tyne", "Gateshead", "Sunderland", "Durham",
    "Northumberland", "Birmingham", "Coventry", "Solihull", "Walsall", "Wolverhampton",
    "Sandwell", "Dudley", "Staffordshire", "Stoke-on-Trent", "Shropshire", "Herefordshire",
    "Worcestershire", "Warwickshire", "Leicestershire", "Leicester", "Nottinghamshire",
    "Nottingham", "Derbyshire", "Derby", "Lincolnshire", "Northamptonshire", "Rutland",
    "Norfolk", "Suffolk", "Cambridgeshire", "Peterborough", "Essex", "Southend-on-Sea",
    "Thurrock", "Hertfordshire", "Bedford", "Luton", "Oxfordshire", "Buckinghamshire",
    "Berkshire", "Reading", "Hampshire", "Southampton", "Portsmouth", "Isle of Wight",
    "Surrey", "West Sussex", "East Sussex", "Brighton and Hove", "Kent", "Medway", "Wiltshire",
    "Swindon", "Gloucestershire", "Bristol", "Somerset", "Devon", "Plymouth", "Torbay",
    "Cornwall", "Dorset", "Camden", "Islington", "Hackney", "Tower Hamlets", "Southwark",
    "Lambeth", "Croydon", "Barnet", "Ealing", "Brent",
)  # fmt: skip
KINDS = (
    ("social_care", "{area} Children's Social Care"),
    ("police", "{area} Police Child Protection Unit"),
    ("lado", "{area} Local Authority Designated Officer"),
    ("other", "{area} Children's Services Partnership"),
)

# Words of a referral, invented: about what an advisor writes in each section (3.5 KB in all).
WORDS = {
    "referrer": "Sam Advisor\nHaven advice line\nsam.advisor@example.org",
    "child": "Girl, 13 (Year 8). Lives in the agency's area; attends a local secondary school. "
    "English is her first language; no interpreter needed. Known online as 'skye_13'.",
    "household": "Lives with her mother and two younger brothers. Her father lives elsewhere "
    "and sees the children at weekends. An aunt nearby is someone she trusts.",
    "parents": "Her mother does not know yet. The child asked us not to tell her before she "
    "has been offered support; we think telling her is safe and have said so to the child.",
    "child_words": "\u201cHe said he was 15 and then he said he was older. He keeps asking for "
    "photos and says he will tell my friends things if I stop answering.\u201d",
    "confidential": "That the child contacted us herself, and the name of the friend she first "
    "told. She is afraid the person will find out she has told anyone.",
    "concern": "Since October a person using the name 'jay_k' has messaged the child on a game's "
    "chat and then on a messaging app. He has asked for photographs, asked to meet, and "
    "threatened to tell her friends things about her if she stops replying. She has blocked "
    "him on the game; he still messages on the app. We are referring now because he has "
    "asked to meet this weekend.",
    "person": "Usernames 'jay_k' and 'jayk_2010'. Says he is 15, then 'older'. Not known "
    "whether he is an adult or works with children. The child has kept the messages.",
    "done": "Two conversations with the child through the advice line. Safety plan agreed: "
    "keep the messages, do not reply, tell a trusted adult, block and report on the app. "
    "Advice given on reporting to the platform.",
    "agencies": "Reported to the messaging app through its reporting tool. No other agency "
    "involved that we know of.",
    "urgency": "P2: repeated requests for images, threats and a proposed meeting this weekend.",
    "reporter": "Sent by: the child herself. Contact through the advice line's messages only.",
}
SHARED = [slug for slug in WORDS if slug not in ("household", "reporter")]
NO_CONSENT = "Asking her mother first could put the child at risk: she fears his reaction."
REASONS = {
    "declined": "The child lives outside our area: we have passed it to the right team.",
    "closed": "Assessment completed: support in place through school and early help.",
    "revoked": "Sent to the wrong agency by mistake.",
    "more_information": "Does the child have a social worker already? Which school?",
    "answer": "No social worker that we know of. She attends a secondary school in the area.",
}
# The states of the bulk referrals, in proportion, and the moves that bring one to each.
STATE_MIX = {
    "draft": 3,
    "awaiting_approval": 2,
    "sent": 3,
    "acknowledged": 4,
    "more_information": 2,
    "accepted": 40,
    "declined": 10,
    "closed": 31,
    "revoked": 5,
}


def path_to(state: str, urgent: bool) -> list[tuple[str, str]]:
    """The moves from a draft to ``state`` (an urgent referral goes without approval)."""
    sent = [("draft", "sent")] if urgent else [("draft", "awaiting_approval")]
    sent += [] if urgent else [("awaiting_approval", "sent")]
    acknowledged = [*sent, ("sent", "acknowledged")]
    paths = {
        "draft": [],
        "awaiting_approval": [("draft", "awaiting_approval")],
        "sent": sent,
        "acknowledged": acknowledged,
        "more_information": [*acknowledged, ("acknowledged", "more_information")],
        "accepted": [*acknowledged, ("acknowledged", "accepted")],
        "declined": [*acknowledged, ("acknowledged", "declined")],
        "closed": [*acknowledged, ("acknowledged", "accepted"), ("accepted", "closed")],
        "revoked": [*acknowledged, ("acknowledged", "revoked")],
    }
    return paths[state]


# --- The directory and the bulk referrals --------------------------------------------------------


def users_for(agencies: list[Any]) -> dict[Any, int]:
    """One partner user for each agency (the big one's is the benchmark's own ``PARTNER``), made
    in bulk if missing; their ids by agency id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from haven.accounts.models import StaffProfile
    from haven.referrals.models import PartnerMembership

    user_model = get_user_model()
    have = dict(PartnerMembership.objects.values_list("agency_id", "user_id"))
    missing = [a for a in agencies if a.pk not in have]
    users = [
        user_model(
            username=PARTNER if a.name == BIG_AGENCY else f"bench-partner-{a.pk.hex[:12]}",
            is_staff=True,
            password=make_password(None),
        )
        for a in missing
    ]
    user_model.objects.bulk_create(users, batch_size=1000)
    # SQLite's bulk_create gives no ids back: read them by name.
    ids = dict(
        user_model.objects.filter(username__in=[u.username for u in users]).values_list(
            "username", "id"
        )
    )
    StaffProfile.objects.bulk_create(
        [StaffProfile(user_id=ids[u.username], role="partner") for u in users], batch_size=1000
    )
    PartnerMembership.objects.bulk_create(
        [
            PartnerMembership(user_id=ids[u.username], agency=a)
            for u, a in zip(users, missing, strict=True)
        ],
        batch_size=1000,
    )
    return dict(PartnerMembership.objects.values_list("agency_id", "user_id"))


def top_up_agencies(total: int, rng: random.Random) -> list[Any]:
    """The directory grown to ``total`` agencies (the big one first), each serving one to four
    areas, with their normalised rows for the search; every agency, by name."""
    from haven.referrals.directory import area_key
    from haven.referrals.models import AgencyArea, PartnerAgency

    have = PartnerAgency.objects.count()
    new = []
    for index in range(have, total):
        if index == 0:
            name, kind, areas = BIG_AGENCY, "social_care", [AREAS[0]]
        else:
            areas = rng.sample(AREAS, rng.randint(1, 4))
            kind, pattern = KINDS[index % len(KINDS)]
            name = f"{pattern.format(area=areas[0])} ({index})"
        email = index % 5 == 0
        new.append(
            PartnerAgency(
                name=name,
                kind=kind,
                areas=areas,
                delivery="secure_email" if email else "portal",
                secure_email=f"referrals{index}@example.org" if email else "",
                out_of_hours="0113 496 0000 (out of hours duty team)",
            )
        )
    PartnerAgency.objects.bulk_create(new, batch_size=1000)
    AgencyArea.objects.bulk_create(
        [AgencyArea(agency=a, key=area_key(area)) for a in new for area in a.areas],
        batch_size=1000,
    )
    return list(PartnerAgency.objects.order_by("name"))


def top_up_referrals(
    *, agencies: int, total: int, big: int, seed: int, vendor: str
) -> tuple[str, Any]:
    """Referrals bulk-created until there are ``total``, ``big`` of them to the big agency and
    the rest spread over the others, one to a case no referral names yet. Returns a note and
    the big agency."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from haven.cases.models import Case
    from haven.devtools.seeding import SYNTHETIC_STAFF
    from haven.referrals import services
    from haven.referrals.models import Referral, ReferralCopy, ReferralEvent, ReferralMessage
    from haven.sealing.keystore import keystore
    from haven.sealing.services import seal

    started = time.perf_counter()
    rng = random.Random(seed)
    everyone = top_up_agencies(agencies, rng)
    members = users_for(everyone)
    big_agency = next(a for a in everyone if a.name == BIG_AGENCY)
    others = [a for a in everyone if a.pk != big_agency.pk]
    per_agency = dict(Referral.objects.values_list("agency").annotate(n=Count("id")).order_by())
    to_big = max(0, big - per_agency.get(big_agency.pk, 0))
    to_others = max(0, total - Referral.objects.count() - to_big)
    if not to_big + to_others:
        return f"{Referral.objects.count():,} referrals already", big_agency
    # Not the benchmark advisor's cases: the referrals its pages show are made on those.
    cases = list(
        Case.objects.filter(referrals__isnull=True)
        .exclude(assigned_to__username=ADVISOR)
        .order_by("?")
        .values_list("id", "reference", "received_at", "priority", "assigned_to_id")[
            : to_big + to_others
        ]
    )
    if len(cases) < to_big + to_others:
        raise SystemExit(f"only {len(cases)} cases have no referral: seed more reports")
    user_model = get_user_model()
    advisors = list(
        user_model.objects.filter(username__in=SYNTHETIC_STAFF).values_list("id", flat=True)
    )
    supervisor = user_model.objects.get(username=SUPERVISOR).pk
    store = keystore()
    now = timezone.now()
    states, weights = list(STATE_MIX), list(STATE_MIX.values())
    referrals, copies, events, messages = [], [], [], []

    def sealed(record: uuid.UUID, contents: dict[str, Any]) -> tuple[str, bytes]:
        box = seal(record_id=str(record), contents=contents, store=store)
        return box.key_id, box.ciphertext

    targets = [big_agency] * to_big + [others[i % len(others)] for i in range(to_others)]
    rng.shuffle(targets)
    for (case_pk, reference, received, priority, holder), agency in zip(
        cases, targets, strict=True
    ):
        state = rng.choices(states, weights)[0]
        urgent = priority == "P1"
        advisor = holder or rng.choice(advisors)
        partner = members[agency.pk]
        referral = Referral(
            id=uuid.uuid4(),
            case_id=case_pk,
            number=1,
            agency=agency,
            state=state,
            urgent=urgent,
            lawful_basis="" if state == "draft" else "safeguarding",
            created_by_id=advisor,
        )
        # Open ones are recent; those the agency has finished with, from any time since the case.
        if state in ("draft", "awaiting_approval", "sent", "acknowledged", "more_information"):
            began = now - datetime.timedelta(hours=rng.uniform(2, 24 * 6))
        else:
            began = received + (now - received) * rng.random() ** 2
        began = max(began, received)
        referral.created_at = began
        moves = path_to(state, urgent)
        at = began + datetime.timedelta(minutes=rng.uniform(10, 120))
        for frm, to in moves:
            by = {"awaiting_approval": advisor, "sent": supervisor, "revoked": advisor}.get(
                to, partner
            )
            if frm == "draft" and to == "sent":
                by = advisor
            key_id, reason = "", None
            if to in REASONS:
                key_id, reason = sealed(referral.id, {"kind": "reason", "text": REASONS[to]})
            events.append(
                ReferralEvent(
                    referral_id=referral.id,
                    at=min(at, now),
                    by_id=by,
                    from_state=frm,
                    to_state=to,
                    reason_key_id=key_id,
                    reason_sealed=reason,
                )
            )
            if to == "sent":
                referral.sent_at, referral.sent_by_id = min(at, now), by
                referral.acknowledge_due = services._acknowledge_due(referral, referral.sent_at)
                referral.review_needed = urgent and rng.random() < 0.1
            if to == "acknowledged":
                referral.acknowledged_at = min(at, now)
            if to == "more_information":
                text = REASONS["more_information"]
                key, box = sealed(referral.id, {"kind": "message", "text": text})
                messages.append(
                    ReferralMessage(
                        referral_id=referral.id,
                        at=min(at, now),
                        by_id=partner,
                        from_partner=True,
                        key_id=key,
                        sealed=box,
                    )
                )
            if to == "accepted":
                referral.partner_reference = f"CSC-{rng.randint(100000, 999999)}"
            if to == "revoked":
                referral.revoked_at = min(at, now)
            at += datetime.timedelta(hours=rng.uniform(1, 30))
        referral.updated_at = min(at, now)
        draft = services.Draft(
            words=WORDS, shared=SHARED, no_consent_reason="" if state == "draft" else NO_CONSENT
        )
        referral.key_id, referral.sealed = sealed(referral.id, draft.as_contents())
        if referral.sent_at is not None and state != "revoked":
            # What _dispatch freezes for the agency.
            copy = {
                "reference": f"{reference}-R1",
                "case_reference": reference,
                "agency": agency.name,
                "urgent": urgent,
                "sent_at": referral.sent_at.isoformat(),
                "lawful_basis": referral.lawful_basis,
                "consent_by": "",
                "consent_at": "",
                "no_consent_reason": NO_CONSENT,
                "sections": [{"slug": slug, "words": WORDS[slug]} for slug in SHARED],
            }
            key_id, box = sealed(referral.id, copy)
            copies.append(ReferralCopy(referral_id=referral.id, key_id=key_id, sealed=box))
        referrals.append(referral)
    Referral.objects.bulk_create(referrals, batch_size=2000)
    ReferralCopy.objects.bulk_create(copies, batch_size=2000)
    ReferralEvent.objects.bulk_create(events, batch_size=5000)
    ReferralMessage.objects.bulk_create(messages, batch_size=2000)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    return (
        f"{len(referrals):,} referrals bulk-created ({to_big:,} to the big agency), "
        f"{len(events):,} events, {len(messages):,} messages, {len(copies):,} copies: {took:.0f} s"
        + (", then ANALYZE" if vendor == "postgresql" else ""),
        big_agency,
    )


# --- The referrals the pages show, made through the services -------------------------------------


def referable_cases(advisor: Any, count: int) -> list[Any]:
    """Cases the advisor holds that may be referred and have no referral yet."""
    from django.db.models import Q

    from haven.cases.models import Case
    from haven.referrals.services import REFERABLE

    # A P1 case may be referred whatever its status (and goes without approval): last resort.
    found = list(
        Case.objects.filter(
            Q(status__in=REFERABLE) | Q(priority="P1"),
            assigned_to=advisor,
            restricted=False,
            referrals__isnull=True,
        )
        .exclude(status="closed")
        .annotate(p1=Q(priority="P1"))
        .order_by("p1", "-received_at")[:count]
    )
    if len(found) < count:
        raise SystemExit(f"{advisor} holds only {len(found)} referable cases: seed more reports")
    return found


def full_referral(case: Any, agency: Any, advisor: Any, supervisor: Any, partner: Any) -> Any:
    """A referral with a life: drafted from the report, its words written, sent for approval,
    approved, acknowledged, a question and its answer, accepted; opened by the agency three
    times. History of six moves, a thread of two messages, three openings."""
    from haven.referrals import services

    referral = services.draft_referral(case=case, agency=agency, by=advisor)
    draft = services.open_draft(referral)
    draft.words = {**draft.words, **{k: v for k, v in WORDS.items() if k != "referrer"}}
    draft.shared, draft.no_consent_reason = list(SHARED), NO_CONSENT
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=False
    )
    referral = services.send_referral(referral=referral, by=advisor)
    if referral.state == "awaiting_approval":
        referral = services.approve_referral(referral=referral, by=supervisor)
    services.acknowledge(referral=referral, by=partner)
    services.request_information(
        referral=referral, by=partner, question=REASONS["more_information"]
    )
    services.answer_request(referral=referral, by=advisor, answer=REASONS["answer"])
    referral = services.accept(referral=referral, by=partner, partner_reference="CSC-204518")
    for _ in range(3):
        services.open_copy(referral=referral, by=partner)
    return referral


def fixtures(big_agency: Any) -> dict[str, str]:
    """The ids the pages are requested with: a draft, a sent referral for the staff page, one
    for the partner's page (its openings grow with every request, so it is not the staff one)
    and one to download (likewise its audit events), and a case to refer."""
    from django.contrib.auth import get_user_model

    from haven.referrals import services
    from haven.referrals.models import PartnerMembership

    users = get_user_model().objects
    advisor, supervisor = users.get(username=ADVISOR), users.get(username=SUPERVISOR)
    partner = users.get(username=PARTNER)
    assert PartnerMembership.objects.filter(user=partner, agency=big_agency).exists()
    drafted, staff_sent, partner_sent, exported, to_refer = referable_cases(advisor, 5)
    draft = services.draft_referral(case=drafted, agency=big_agency, by=advisor)
    return {
        "draft": str(draft.pk),
        "staff sent": str(full_referral(staff_sent, big_agency, advisor, supervisor, partner).pk),
        "partner sent": str(
            full_referral(partner_sent, big_agency, advisor, supervisor, partner).pk
        ),
        "exported": str(full_referral(exported, big_agency, advisor, supervisor, partner).pk),
        "case to refer": str(to_refer.pk),
    }


# --- Facts and plans -----------------------------------------------------------------------------


def referral_facts(big_agency: Any) -> dict[str, Any]:
    from django.db.models import Count

    from haven.referrals import services
    from haven.referrals.models import (
        AgencyArea,
        PartnerAgency,
        Referral,
        ReferralEvent,
        ReferralMessage,
    )

    return {
        "agencies": PartnerAgency.objects.count(),
        "agency areas": AgencyArea.objects.count(),
        "referrals": Referral.objects.count(),
        "referrals by state": dict(
            Referral.objects.values_list("state").annotate(n=Count("id")).order_by("state")
        ),
        "referral events": ReferralEvent.objects.count(),
        "referral messages": ReferralMessage.objects.count(),
        "big agency's referrals": Referral.objects.filter(agency=big_agency).count(),
        "big agency's list (with the agency)": services.for_agency(big_agency).count(),
        "not acknowledged in time": Referral.objects.filter(services.overdue()).count(),
        "waiting for a supervisor": services.waiting_for_supervisor().count(),
    }


@contextlib.contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    """Every statement run in this process while open, with its parameters."""
    from django.db import connection

    found: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        found.append((sql, params))
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(capture):
        yield found


def explain_statements(
    cookie: str, paths: list[tuple[str, str]], *, every: bool = False
) -> dict[str, Any]:
    """The plans of the statements on referrals that each page of ``paths`` runs, as it runs
    them: requested in this process with ``cookie``'s session, then each statement that reads
    ``referrals_referral`` (with ``every``, each SELECT of the page) explained with its own
    parameters."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.cookies.load(cookie)
    plans: dict[str, Any] = {}
    for label, path in paths:
        with captured() as statements:
            response = client.get(path)
        assert response.status_code == 200, response.status_code
        mine = [
            (sql, p)
            for sql, p in statements
            if ("referrals_referral" in sql and not every)
            or (every and sql.lstrip().upper().startswith("SELECT"))
        ]
        for number, (sql, params) in enumerate(mine, start=1):
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                rows = cursor.fetchall()
            plans[f"{label}, statement {number}"] = {
                "sql": sql,
                "plan": "\n".join(" ".join(str(c) for c in row) for row in rows),
            }
    return plans


def git_state() -> dict[str, str]:
    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run(  # noqa: S603 - fixed command
                ["git", *args],  # noqa: S607 - on the PATH
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout.strip()
        return "?"

    return {
        "source": str(ROOT),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted in haven/ and benchmarks/bare.py, queue.py, conversation.py": git(
            "status",
            "--porcelain",
            "--",
            "haven",
            "benchmarks/bare.py",
            "benchmarks/queue.py",
            "benchmarks/conversation.py",
        ),
    }


# --- One database --------------------------------------------------------------------------------


def spec(args: argparse.Namespace, size: int) -> tuple[int, int, int]:
    """(agencies, referrals, to the big agency) at ``size`` reports: the values at the same
    place in the lists as ``size`` in ``--sizes``, else the first."""
    index = args.sizes.index(size) if size in args.sizes else 0
    return args.agencies[index], args.referrals[index], args.big[index]


def run_backend(args: argparse.Namespace) -> None:
    """In a child process: every size and run on one database; JSON per size."""
    sizes = args.sizes if args.backend == "postgresql" else args.sqlite_sizes
    with database(args.backend, args.replace) as version:
        from django.db import connection

        from benchmarks.bare import BARE_PATH
        from haven.partners.views import PAGE_SIZE

        git_before = git_state()
        notes: list[str] = []
        ids: dict[str, str] = {}
        for number, size in enumerate(sizes):
            notes.append(seed_to(size, connection.vendor))
            signed_in_cookie(SUPERVISOR, "supervisor")  # the approver of the bulk referrals
            agencies, total, big = spec(args, size)
            note, big_agency = top_up_referrals(
                agencies=agencies, total=total, big=big, seed=number, vendor=connection.vendor
            )
            notes.append(note)
            partner_cookie = signed_in_cookie(PARTNER, "partner")
            if not ids:
                ids = fixtures(big_agency)
            facts = {**dataset(), **referral_facts(big_agency)}
            listed = facts["big agency's list (with the agency)"]
            last_page = max(1, math.ceil(listed / PAGE_SIZE))
            plans = explain_statements(
                partner_cookie,
                [("page 1", "/partner/"), ("last page", f"/partner/?page={last_page}")],
            )
            team_plans = explain_statements(
                signed_in_cookie(SUPERVISOR, "supervisor"),
                [("team page", "/staff/team/")],
                every=True,
            )
            runs = []
            for run in range(1, args.runs + 1):
                print(f"  {version}, {size:,} reports, run {run}...", flush=True)
                started, load_before = time.perf_counter(), load()
                advisor = signed_in_cookie(ADVISOR, "advisor")
                supervisor = signed_in_cookie(SUPERVISOR, "supervisor")
                partner = signed_in_cookie(PARTNER, "partner")
                refer = f"/staff/cases/{ids['case to refer']}/refer/"
                pages = [
                    Page(BARE, BARE_PATH),
                    Page("partner: list, page 1 (GET /partner/)", "/partner/", partner),
                    # Paged by offset: the last page reads every row before it.
                    *(
                        [
                            Page(
                                f"partner: list, last page (page {last_page})",
                                f"/partner/?page={last_page}",
                                partner,
                            )
                        ]
                        if last_page > 1
                        else []
                    ),
                    Page(
                        "partner: a referral (opens the sealed copy, audited)",
                        f"/partner/referrals/{ids['partner sent']}/",
                        partner,
                    ),
                    Page(
                        "staff: referral, a draft (the form, 12 sections)",
                        f"/staff/referrals/{ids['draft']}/",
                        advisor,
                    ),
                    Page(
                        "staff: referral, sent (history, thread, openings)",
                        f"/staff/referrals/{ids['staff sent']}/",
                        advisor,
                    ),
                    Page("staff: team (supervisor)", "/staff/team/", supervisor),
                    Page(
                        f"staff: refer, directory search ?area={SEARCH_ONE}",
                        f"{refer}?area={SEARCH_ONE}",
                        advisor,
                    ),
                    Page(
                        f"staff: refer, directory search ?area={SEARCH_MANY}",
                        f"{refer}?area={SEARCH_MANY}",
                        advisor,
                    ),
                ]
                rows = measure_pages(
                    pages,
                    port=args.port,
                    workers=args.workers,
                    requests=args.requests,
                    warmup=args.warmup,
                )
                print_table(rows)
                pdf_rows = []
                if args.pdf_requests:
                    pdf = [
                        Page(BARE, BARE_PATH),
                        Page(
                            "staff: referral as PDF (WeasyPrint)",
                            f"/staff/referrals/{ids['exported']}/export.pdf",
                            advisor,
                        ),
                    ]
                    pdf_rows = measure_pages(
                        pdf,
                        port=args.port,
                        workers=args.workers,
                        requests=args.pdf_requests,
                        warmup=args.pdf_warmup,
                    )
                    print_table(pdf_rows)
                runs.append(
                    {
                        "run": run,
                        "seconds": round(time.perf_counter() - started, 1),
                        "load average before, after": [load_before, load()],
                        "pages": rows,
                        "pdf": pdf_rows,
                    }
                )
            result = {
                "machine": queue_machine(),
                "cpu model (lscpu)": cpu_model(),
                "database": version,
                "git before": git_before,
                "git after": git_state(),
                "dataset": facts,
                "big agency": big_agency.name,
                "fixtures": ids,
                "notes": notes,
                "gunicorn workers": args.workers,
                "requests per page": args.requests,
                "warm-up per page": args.warmup,
                "pdf requests": args.pdf_requests,
                "explain: partner list": plans,
                "explain: team page, every statement": team_plans,
                "runs": runs,
            }
            out = result_path(args.json_prefix, args.backend, size)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=2, default=str) + "\n")
            print(f"  wrote {out}", flush=True)


# --- Printing -----------------------------------------------------------------------------------


def print_summary(paths: list[Path]) -> None:
    """Every file's pages: p50, p95 (ms) and p95 as a multiple of bare, run by run; queries."""
    for path in paths:
        result = json.loads(path.read_text())
        facts = result["dataset"]
        big = facts["big agency's referrals"]
        print()
        print(
            f"{path}: {result['database']}, {facts['reports']:,} reports,"
            f" {facts['agencies']:,} agencies, {facts['referrals']:,} referrals"
            f" ({big:,} to one); {result['cpu model (lscpu)']}"
        )
        runs = result["runs"]
        for part in ("pages", "pdf"):
            for index, row in enumerate(runs[0][part]):
                cells = [
                    f"{run[part][index]['server_p50'] * 1000:7.1f} "
                    f"{run[part][index]['server_p95'] * 1000:7.1f} "
                    f"{run[part][index]['x_bare']:6.2f}"
                    for run in runs
                ]
                queries = max(run[part][index]["queries"] for run in runs)
                print(f"  {row['page'][:56]:56}  " + "  |  ".join(cells) + f"  q {queries}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)

    def numbers(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    parser.add_argument("--sizes", type=numbers, default=[1000, 100_000], help="PostgreSQL sizes")
    parser.add_argument("--sqlite-sizes", type=numbers, default=[1000], help="SQLite sizes")
    parser.add_argument(
        "--agencies", type=numbers, default=[20, 500], help="agencies at each --sizes size"
    )
    parser.add_argument(
        "--referrals", type=numbers, default=[200, 20_000], help="referrals at each size"
    )
    parser.add_argument(
        "--big", type=numbers, default=[50, 5000], help="of them to the partner's own agency"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--runs", type=int, default=2, help="runs at each size (default 2)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--pdf-requests", type=int, default=50, help="timed PDF downloads")
    parser.add_argument("--pdf-warmup", type=int, default=3, help="untimed PDF downloads first")
    parser.add_argument("--port", type=int, default=8013, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--replace", action="store_true", help="drop a leftover database first")
    parser.add_argument(
        "--json-prefix",
        default=str(HERE / "results" / f"referrals-{datetime.date.today().isoformat()}"),
        help="JSON goes to PREFIX-<database>-<size>.json",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--summary", nargs="+", type=Path, help="print these JSON files only")
    args = parser.parse_args()
    if args.summary:
        print_summary(args.summary)
        return 0
    if not len(args.sizes) == len(args.agencies) == len(args.referrals) == len(args.big):
        parser.error("--agencies, --referrals and --big need one value per --sizes size")
    if args.backend:
        run_backend(args)
        return 0

    backends = []
    if os.environ.get("HAVEN_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        _server(os.environ["HAVEN_DATABASE_URL"])  # refuse a name it must not drop, now
        backends.append("postgresql")
    if not args.no_sqlite:
        backends.append("sqlite")
    print(f"{cpu_model()}; {queue_machine()}", flush=True)
    started = time.perf_counter()
    for backend in backends:
        # The command is this script and its own arguments; nothing comes from outside.
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, *sys.argv[1:], "--backend", backend], check=True, cwd=ROOT
        )
    paths = [
        result_path(args.json_prefix, backend, size)
        for backend in backends
        for size in (args.sizes if backend == "postgresql" else args.sqlite_sizes)
    ]
    print_summary([path for path in paths if path.exists()])
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

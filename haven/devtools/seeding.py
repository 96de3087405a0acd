"""Synthetic reports for measuring the staff side at scale (``manage.py seed_reports``).

Each one is stored as a real one is: its answers sealed with the current key, a reporter key
pair wrapped under a follow-up code, an HMAC verifier of that code, the blind indexes of the
identifiers it gives (as ``index_report`` stores them), and a case triaged by the same rules
(``assess``, ``due_at``). Then the case is given a life it could have had: a status, an advisor,
a first read and a first contact, at plausible times since it was received.

Cases that share an identifier are linked, as submissions link them, but after the fact and
only to the previous one (see ``link_shared_identifiers``). What it does not make: the audit
events of each report (one event records the whole seeding) and the history rows of a case's
life (transitions, notes, contact attempts).

Everything is invented: the narratives, names, handles and places come from the short lists
below, mixed at random; phone numbers are in Ofcom's drama range and email addresses are at
example.org. Seeded rows can be told apart by their submission key ("seeded-..."), never by
anything that needs the private key.
"""

from __future__ import annotations

import datetime
import multiprocessing
import random
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Model
from django.utils import timezone

from haven.accounts.models import StaffProfile
from haven.accounts.roles import Role
from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.lifecycle import Status
from haven.cases.models import Case, CaseAccess, CaseLink, OpenCaseCount
from haven.cases.services import build_case, set_next_target
from haven.core import crockford
from haven.linking.models import IdentifierIndex
from haven.linking.services import identifier_rows
from haven.reporting.models import Report
from haven.reporting.services import (
    assess_answers,
    build_report,
    kept_answers,
    new_followup_code,
    new_reference,
    triage_inputs,
)
from haven.sealing.keystore import KeyPair, KeyUnavailable, keystore
from haven.triage.rules import Audience

SUBMISSION_KEY_PREFIX = "seeded-"
SYNTHETIC_STAFF = tuple(f"synthetic-advisor-{n:02d}" for n in range(1, 9))

# --- Word lists: every value below is invented ------------------------------------------------

AUDIENCES = {
    Audience.PARENT.value: 40,
    Audience.CHILD.value: 25,
    Audience.PROFESSIONAL.value: 20,
    Audience.PUBLIC.value: 15,
}
IN_SCOPE = {
    "sexual_messages": 30,
    "asked_for_images": 25,
    "threats_or_money": 15,
    "wants_to_meet": 10,
    "images_shared": 8,
    "something_else": 12,
}
OUT_OF_SCOPE = ("bullying", "fake_account", "hacked_account")
AGE_BANDS = {"under_13": 20, "13_15": 45, "16_17": 20, "18_plus": 3, "unknown": 12}
DANGER = {"yes": 3, "no": 70, "unknown": 27}
SEVERAL = {"yes": 8, "no": 60, "unknown": 32}
ADULT = {"yes": 35, "no": 15, "unknown": 50}
WORKS_WITH_CHILDREN = {"yes": 3, "no": 40, "unknown": 57}
PLATFORMS = ("Instagram", "Snapchat", "TikTok", "Discord", "Roblox", "WhatsApp", "a game chat")
OPENINGS = (
    "Someone {child} met on {platform}",
    "An account that says it is {age}",
    "A person from an online game",
    "A man who added {child} last month",
    "Someone in an older year at school",
    "An account with no photo",
)
ACTIONS = {
    "kept sending messages late at night": 20,
    "asked for photos and would not stop": 20,
    "sent sexual messages and pictures": 15,
    "said the pictures would go to friends unless money was paid": 8,
    "has been talking about meeting up": 8,
    "told {child} not to tell anyone about the chats": 15,
    "made a new account each time it was blocked": 8,
    "wants to meet tomorrow after school": 2,
    "shared a picture of {child} in a group chat": 4,
}
AFTERWARDS = {
    "It started a few weeks ago.": 25,
    "We have kept screenshots.": 25,
    "{child} is frightened to go online now.": 20,
    "I am not sure what to do next.": 20,
    "{child} has talked about self-harm since.": 1,
    "{child} did not come home last night.": 1,
    "It has happened to a friend as well.": 8,
}
FIRST_NAMES = ("Alex", "Sam", "Jo", "Riley", "Charlie", "Robin", "Ash", "Kit", "Max", "Jamie")
TOWNS = ("Exampleton", "Sampleford", "Testbury", "Placeholme", "Fictown", "Mockley")
ORGANISATIONS = ("Example Primary School", "Sample Youth Club", "Fictown Health Centre")
ROLES = ("Teacher", "Youth worker", "School nurse", "Designated safeguarding lead")
HANDLE_WORDS = ("night", "star", "gamer", "blue", "wolf", "sky", "pixel", "shadow", "frost", "neo")

# A handle is usually the person's own, sometimes one that recurs across a few reports (the same
# person reported again), and now and then one of a handful that recur in hundreds: the case for
# which the linked-reports lookup has most to read.
SHARED_HANDLE_SHARE, HOT_HANDLE_SHARE, HOT_HANDLES = 0.3, 0.005, 20

# Case life. Share of cases still open by age; older ones are mostly closed.
OPEN_SHARE_BY_AGE = ((datetime.timedelta(days=7), 0.9), (datetime.timedelta(days=30), 0.5))
OPEN_SHARE_OLDER = 0.05
OPEN_STATUS_WEIGHTS = {
    Status.NEW.value: 25,
    Status.ASSESSING.value: 25,
    Status.BELOW_THRESHOLD.value: 5,
    Status.MEETS_THRESHOLD.value: 10,
    Status.CONTACTING.value: 12,
    Status.PLANNING.value: 10,
    Status.ACTION_TAKEN.value: 4,
    Status.REFERRED.value: 4,
    Status.MONITORING.value: 5,
}
RESTRICTED_SHARE = 0.002
# Statuses in which no one has yet decided whether the case meets the threshold.
UNDECIDED = {Status.NEW.value, Status.ASSESSING.value}
# Statuses a case reaches only after someone spoke to the reporter.
CONTACTED = {
    Status.PLANNING.value,
    Status.ACTION_TAKEN.value,
    Status.REFERRED.value,
    Status.MONITORING.value,
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class Plan:
    """What every batch shares; picklable, so worker processes receive it whole."""

    now: datetime.datetime
    months: int
    staff_ids: tuple[int, ...]
    # Distinct per run, so two seedings into one database do not share "recurring" handles.
    run_tag: str
    shared_handles: int


class CurrentKeyOnly:
    """The current public key, read once per batch instead of once per seal."""

    def __init__(self, pair: KeyPair) -> None:
        self.pair = pair

    def current(self) -> KeyPair:
        return self.pair

    def private_key(self, key_id: str) -> Any:
        raise KeyUnavailable("seeding only seals")


def synthetic_answers(rng: random.Random, audience: str, plan: Plan) -> dict[str, dict[str, Any]]:
    """A complete set of answers, shaped as the journey stores them."""
    child = "me" if audience == Audience.CHILD.value else rng.choice(FIRST_NAMES)
    platform = rng.choice(PLATFORMS)
    narrative = " ".join(
        [
            rng.choice(OPENINGS),
            _pick(rng, ACTIONS) + ".",
            _pick(rng, AFTERWARDS),
            _pick(rng, AFTERWARDS) if rng.random() < 0.5 else "",
        ]
    ).strip()
    narrative = narrative.format(child=child, platform=platform, age=rng.randint(13, 17))
    narrative = narrative[0].upper() + narrative[1:]
    if rng.random() < 0.92:
        concerns = rng.sample(list(IN_SCOPE), k=rng.randint(1, 3), counts=list(IN_SCOPE.values()))
    else:
        concerns = [rng.choice(OUT_OF_SCOPE)]
    handles = [_handle(rng, plan) for _ in range(rng.randint(1, 3))]
    band = _pick(rng, AGE_BANDS)
    ages = {"under_13": (8, 12), "13_15": (13, 15), "16_17": (16, 17), "18_plus": (18, 22)}
    answers: dict[str, dict[str, Any]] = {
        "danger": {"danger_now": _pick(rng, DANGER)},
        "concern": {"concerns": sorted(set(concerns))},
        "what-happened": {"what_happened": narrative, "website": ""},
        "when": {"when": rng.choice(["ongoing", "unknown", "date"]), "when_date": None},
        "where": {"platforms": [{"platform": platform, "usernames": "\n".join(handles)}]},
        "child": {
            "child_name": rng.choice(FIRST_NAMES)[0] + "." + rng.choice(FIRST_NAMES)[0] + ".",
            "child_age_band": band,
            "child_age": rng.randint(*ages[band]) if band in ages and rng.random() < 0.5 else None,
            "child_area": rng.choice(TOWNS),
            "several_children": _pick(rng, SEVERAL),
        },
        "person": {
            "person_names": "\n".join([rng.choice(FIRST_NAMES), *handles[:1]]),
            "person_adult": _pick(rng, ADULT),
            "works_with_children": _pick(rng, WORKS_WITH_CHILDREN),
        },
    }
    if answers["when"]["when"] == "date":
        days_ago = datetime.timedelta(days=rng.randint(1, 60))
        answers["when"]["when_date"] = (plan.now - days_ago).date().isoformat()
    if audience != Audience.CHILD.value:
        relationships = {
            Audience.PARENT.value: "my_child",
            Audience.PROFESSIONAL.value: "professional",
        }
        answers["child"]["relationship"] = relationships.get(audience) or rng.choice(
            ["relative", "friend", "none", "other"]
        )
    if audience == Audience.PROFESSIONAL.value:
        answers["safeguarding-policy"] = {"policy_followed": "yes"}
        answers["already-told"] = {
            "told_statutory": "no",
            "statutory_agency": "",
            "statutory_reference": "",
        }
        answers["your-organisation"] = {
            "organisation": rng.choice(ORGANISATIONS),
            "role": rng.choice(ROLES),
        }
    if rng.random() < 0.6:
        name = rng.choice(FIRST_NAMES)
        answers["contact"] = {
            "contact_choice": "yes",
            "name": name,
            "phone": f"07700 900{rng.randint(0, 999):03d}",
            "email": f"{name.lower()}{rng.randint(1, 999)}@example.org",
            "safe_times": "Weekday evenings",
            "leave_message": rng.choice(["yes", "no"]),
        }
    else:
        answers["contact"] = {"contact_choice": "no"}
    return answers


def _handle(rng: random.Random, plan: Plan) -> str:
    draw = rng.random()
    if draw < HOT_HANDLE_SHARE:
        return f"@hot_{plan.run_tag}_{rng.randrange(HOT_HANDLES)}"
    if draw < HOT_HANDLE_SHARE + SHARED_HANDLE_SHARE:
        return f"@{rng.choice(HANDLE_WORDS)}_{plan.run_tag}_{rng.randrange(plan.shared_handles)}"
    return f"@{rng.choice(HANDLE_WORDS)}_{secrets.token_hex(5)}"


def _received_at(rng: random.Random, plan: Plan) -> datetime.datetime:
    # More recent reports are more common than old ones: the service grows.
    span = plan.months * 30 * 86400
    return plan.now - datetime.timedelta(seconds=span * rng.random() ** 1.5)


def _status(rng: random.Random, age: datetime.timedelta) -> str:
    share = next((s for limit, s in OPEN_SHARE_BY_AGE if age < limit), OPEN_SHARE_OLDER)
    if rng.random() >= share:
        return Status.CLOSED.value
    if age > datetime.timedelta(days=3):
        # A report left unread for days is rare; most "new" ones are recent.
        status = _pick(rng, {k: v for k, v in OPEN_STATUS_WEIGHTS.items() if k != Status.NEW})
        return status if rng.random() > 0.02 else Status.NEW.value
    return _pick(rng, OPEN_STATUS_WEIGHTS)


def _live(rng: random.Random, case: Case, plan: Plan, *, contactable: bool) -> None:
    """Give the case a status, an advisor and the times a case in that status would have."""
    now = plan.now
    case.status = _status(rng, now - case.received_at)

    def later(start: datetime.datetime, due: datetime.datetime | None) -> datetime.datetime:
        # Mostly within the target; about one in six late. A target already missed (read late,
        # so contact is late too) gives a few hours.
        target = (due - start) if due and due > start else datetime.timedelta(hours=4)
        factor = rng.random() if rng.random() < 0.85 else 1 + rng.random() * 2
        return min(start + target * factor, now)

    if case.status != Status.NEW:
        case.assigned_to_id = rng.choice(plan.staff_ids) if rng.random() < 0.92 else None
        case.first_read_at = later(case.received_at, case.first_read_due)
        case.first_read_by_id = case.assigned_to_id or rng.choice(plan.staff_ids)
        if case.status not in UNDECIDED:
            case.threshold_decided_at = later(case.first_read_at, case.threshold_decision_due)
        # Only a reporter who left a way to be reached can be spoken to.
        reached = contactable and (
            case.status in CONTACTED or (case.status == Status.CLOSED and rng.random() < 0.5)
        )
        if reached:
            case.first_contact_at = later(
                case.threshold_decided_at or case.first_read_at, case.first_contact_due
            )
    elif rng.random() < 0.1:
        case.assigned_to_id = rng.choice(plan.staff_ids)
    if case.status == Status.CLOSED:
        start = case.first_contact_at or case.threshold_decided_at or case.first_read_at
        assert start is not None  # a closed case was read (it is not new)
        case.closed_at = start + (now - start) * rng.random()
    # A few cases are restricted to named people (say, the person of concern is a colleague).
    case.restricted = rng.random() < RESTRICTED_SHARE
    set_next_target(case)


@dataclass
class Batch:
    reports: list[Report] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    # Rows that hang off the cases: access to restricted ones, blind indexes of identifiers.
    others: list[Model] = field(default_factory=list)


def build_batch(size: int, plan: Plan, rng: random.Random, store: CurrentKeyOnly) -> Batch:
    """``size`` reports, sealed, with their triaged cases, not yet saved.

    Built by the same builders a submission uses (``build_report``, ``build_case``,
    ``identifier_rows``), then given a life by ``_live``.
    """
    batch = Batch()
    for _ in range(size):
        audience = _pick(rng, AUDIENCES)
        answers = synthetic_answers(rng, audience, plan)
        kept = kept_answers(audience, answers)
        inputs = triage_inputs(kept)
        assessment = assess_answers(audience=audience, kept=kept, inputs=inputs)
        report = build_report(
            audience=audience,
            kept=kept,
            inputs=inputs,
            code=new_followup_code(),
            submission_key=f"{SUBMISSION_KEY_PREFIX}{plan.run_tag}-{secrets.token_hex(22)}",
            received_at=_received_at(rng, plan),
            store=store,
        )
        case = build_case(report=report, assessment=assessment)
        _live(rng, case, plan, contactable=report.contactable)
        batch.reports.append(report)
        batch.cases.append(case)
        if case.restricted:
            named = {case.assigned_to_id or plan.staff_ids[0], plan.staff_ids[0]}
            batch.others += [CaseAccess(case=case, user_id=user_id) for user_id in named]
        batch.others += identifier_rows(case=case, answers=kept)
    return batch


def insert_batch(plan: Plan, size: int) -> int:
    """Build and store one batch in one transaction; a reference that collides is drawn again."""
    rng = random.Random(secrets.randbits(64))
    store = CurrentKeyOnly(keystore().current())
    batch = build_batch(size, plan, rng, store)
    others: dict[type[Model], list[Model]] = {}
    for row in batch.others:
        others.setdefault(type(row), []).append(row)
    for _attempt in range(5):
        _fresh_references(batch.reports, batch.cases)
        try:
            with transaction.atomic():
                Report.objects.bulk_create(batch.reports, batch_size=1000)
                Case.objects.bulk_create(batch.cases, batch_size=1000)
                for model, rows in others.items():
                    model._default_manager.bulk_create(rows, batch_size=2000)
            return size
        except IntegrityError:
            # Another batch, committed meanwhile, took one of these references (40 bits: at a
            # million reports, a collision somewhere is likely). Check again and retry.
            continue
    raise RuntimeError("could not allocate unique references for a batch")


def _fresh_references(reports: Sequence[Report], cases: Sequence[Case]) -> None:
    refs = [r.reference for r in reports]
    taken = set(Report.objects.filter(reference__in=refs).values_list("reference", flat=True))
    seen: set[str] = set()
    for report, case in zip(reports, cases, strict=True):
        while report.reference in taken or report.reference in seen:
            report.reference = new_reference()
        seen.add(report.reference)
        case.reference = report.reference


def synthetic_staff() -> tuple[int, ...]:
    """The ids of a few synthetic advisors, made if missing; they have no usable password."""
    user_model = get_user_model()
    ids = []
    for username in SYNTHETIC_STAFF:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(username=username, is_staff=True)
            user.set_unusable_password()
            user.save()
            StaffProfile.objects.create(user=user, role=Role.ADVISOR)
        ids.append(user.pk)
    return tuple(ids)


def seed_reports(
    *,
    count: int,
    batch: int = 5000,
    workers: int = 1,
    months: int = 6,
    now: datetime.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store ``count`` synthetic reports with their cases; returns how many were stored.

    Rules:
    - every report is sealed with the current key and triaged by the real rules;
    - each batch of ``batch`` commits on its own, so a run stopped half-way keeps whole batches;
    - with ``workers`` > 1 (PostgreSQL only), batches are built and stored by that many processes;
    - cases that share an identifier are linked afterwards (``link_shared_identifiers``);
    - one audit event, "reports.seeded" with the count, for the whole run.
    """
    if count < 0 or batch < 1:
        raise ValueError("count must be 0 or more and batch at least 1")
    keystore().current()  # fail before any work if there is no key to seal with
    plan = Plan(
        now=now or timezone.now(),
        months=months,
        staff_ids=synthetic_staff(),
        run_tag=crockford.random_string(4).lower(),
        shared_handles=max(1, count // 20),
    )
    sizes = [min(batch, count - start) for start in range(0, count, batch)]
    done = 0
    if workers > 1 and connection.vendor == "postgresql" and len(sizes) > 1:
        if connection.in_atomic_block:
            raise RuntimeError("parallel seeding cannot run inside a transaction")
        # Forked children must not share the parent's connection: each opens its own.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for made in pool.imap_unordered(partial(insert_batch, plan), sizes):
                done += made
                if progress:
                    progress(done)
    else:
        for size in sizes:
            done += insert_batch(plan, size)
            if progress:
                progress(done)
    links = link_shared_identifiers(run_tag=plan.run_tag)
    with transaction.atomic():
        record_event(action=Action.REPORTS_SEEDED, detail={"count": done, "links": links})
    compact_open_case_counts()
    return done


def compact_open_case_counts() -> None:
    """Give back the space the seeding's counter updates left in ``cases_opencasecount``.

    Every seeded case held by a synthetic advisor updates one of a few dozen counter rows inside
    a batch's transaction, so a million-report run leaves thousands of dead row versions that
    no later VACUUM can shrink away: a read of 32 live rows then scans 5 MB (11 ms at a million,
    against 1 ms compacted). Day-to-day claims and closes are one update each in a short
    transaction, which PostgreSQL prunes as it goes. PostgreSQL only; outside a transaction.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM FULL ANALYZE {OpenCaseCount._meta.db_table}")


def link_shared_identifiers(*, run_tag: str, batch: int = 10_000) -> int:
    """Link the cases of one seeding run that share an identifier; returns how many links.

    A stand-in for ``link_new_report``, which links each new report, as it arrives, to the open
    cases that share an identifier with it: here, afterwards, each case to the one received
    just before it with the same identifier (a chain: a handle in n reports makes n - 1 links).
    """
    rows = (
        IdentifierIndex.objects.filter(
            report__submission_key__startswith=f"{SUBMISSION_KEY_PREFIX}{run_tag}-"
        )
        .order_by("kind", "digest", "case__received_at", "case_id")
        .values_list("kind", "digest", "case_id", "case__received_at")
    )
    before = CaseLink.objects.count()
    links: list[CaseLink] = []
    previous: tuple[str, str, uuid.UUID] | None = None
    for kind, digest, case_id, received in rows.iterator(chunk_size=20_000):
        if previous is not None and previous[:2] == (kind, digest) and previous[2] != case_id:
            links.append(
                CaseLink(
                    from_case_id=case_id,
                    to_case_id=previous[2],
                    at=received,
                    by=None,
                    reason=f"identifier:{kind}",
                )
            )
        previous = (kind, digest, case_id)
        if len(links) >= batch:
            # Two cases sharing two identifiers meet twice: the pair is linked once.
            CaseLink.objects.bulk_create(links, ignore_conflicts=True)
            links = []
    CaseLink.objects.bulk_create(links, ignore_conflicts=True)
    return CaseLink.objects.count() - before

#!/usr/bin/env python3
"""How much the server spends on taking one report, measured rather than guessed.

    HAVEN_ENV=test .venv/bin/python benchmarks/submission.py            # SQLite (make bench)
    HAVEN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        HAVEN_ENV=test .venv/bin/python benchmarks/submission.py        # SQLite, then PostgreSQL

It never touches the developer's database, keys or secrets: each run works in a temporary folder
with a fresh SQLite database and a new key pair. When HAVEN_DATABASE_URL names a PostgreSQL
server, the same measurements run again on a throwaway database that the benchmark creates on
that server (``haven_bench_<pid>``) and drops at the end; the database named in the URL is only
used to connect.

Machines differ in speed, so every run prints the CPU model and measures two bare baselines in
the same process, at its start and at its end, and every row is also given as a ratio of its
median to theirs:

- ``loop``: a fixed pure-Python loop (10,000 steps of string, dictionary and integer work);
- ``GET``: Django's test client fetching a page that returns a fixed two-byte response, through
  the whole middleware stack, with no template and no database query (the benchmark adds the
  page to its own URL configuration; checked to run no query).

What is measured, one process, one thread, after a warm-up:

- ``followup_verifier``, ``reporter_keys``, ``seal``: the cryptography of a submission;
- Argon2id with GlobaLeaks' receipt-hashing parameters, for comparison, through libsodium
  (PyNaCl) and argon2-cffi (Haven's staff password hasher), both Haven dependencies;
  ``--skip-argon2`` leaves it out (about 15 s);
- triage's ``assess`` on a typical narrative of about 700 characters, a typical one of 10,000
  (the most the form takes), and 10,000-character hostile ones;
- ``submit_report`` (triage, seal, store, open and link the case, audit), each from a different
  client address and naming a person of concern no other report names, with a signed audit
  checkpoint after every audit append (``HAVEN_AUDIT_CHECKPOINT_EVERY=1``, the default) and with
  none (``0``), alternately; and, half as many, naming the same person as every other, so it is
  linked to the 20 most recent open cases (the most automatic linking makes);
- the HTTP round trip with Django's test client: GET check answers, POST send (which saves the
  follow-up code in the draft, then calls ``submit_report``), GET the confirmation page;
- the database rows twice: first empty, then after ``seed_reports`` has added ``--large``
  synthetic reports with their cases (default 100,000; 0 skips it).

``benchmarks/audit_checkpoint.py`` measures the checkpoint line and ``record_event`` on their own.
This is a measurement to read, not a test: nothing here passes or fails on a time.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime
import itertools
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This folder's queue.py would hide the standard library's queue module from Django.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

# GlobaLeaks hashes its 16-digit receipt with libsodium's Argon2id at these settings (and derives
# a key from it again, one pass more, for the whistleblower's key pair).
GLOBALEAKS_OPSLIMIT = 16
GLOBALEAKS_MEMLIMIT = 1 << 27  # 128 MiB

NARRATIVE_MAX = 10_000  # the most "what happened" takes (haven/reporting/questions.py)
FIXED_PAGE = "/bench/fixed/"

WHAT_HAPPENED = (
    "My daughter plays an online game most evenings. A player she met there, who says he is 15, "
    "started messaging her privately on a chat app about three weeks ago. At first he was "
    "friendly and sent her in-game gifts. Last week he began asking her to send photos of "
    "herself, and when she said no he told her he would share their chats with her school "
    "friends. Yesterday he asked her to meet him at the shopping centre on Saturday and told her "
    "not to tell anyone. She showed me the messages this morning. I have taken screenshots. "
    "She is frightened that she will be in trouble and that he knows which school she goes to, "
    "because she once mentioned her school's football team in the game's chat."
)

# A parent who writes everything down: invented, in the same voice, repeated up to the limit.
LONG_PARTS = (
    WHAT_HAPPENED,
    "I want to give you everything I know, because I am not sure what matters. The game is one "
    "where players build things together and can talk in a group chat or privately. My daughter "
    "has played it for about two years with friends from school, and until now I had no worries "
    "about it. She is twelve and in year eight. She told me the player first joined a group she "
    "was in and helped her with a level. After a few days he asked to be her friend in the game "
    "and then asked for her username on the chat app, saying it was easier to talk there.",
    "On the chat app his messages were kind at first. He asked about her day, her friends and "
    "what music she liked. He said he was lonely and that his parents did not understand him. "
    "Then he started telling her she was mature for her age and that he could talk to her about "
    "things he could not tell anyone else. She says he did not send any pictures of himself, but "
    "he described himself as tall with dark hair. I have not found a picture on his account.",
    "About ten days ago he asked her for a photo of her in her school uniform. She sent one "
    "because she thought it was harmless. After that he asked for more photos, and some of the "
    "requests were for pictures in her pyjamas or after a shower. She said no to those. He then "
    "became angry and said that if she did not send them he would show everyone the picture she "
    "had already sent and the things she had told him. He said he knew people at her school.",
    "Since then she has hardly slept. She has deleted the game but the chat app account is still "
    "there and he keeps messaging her, sometimes twenty times in an evening. We have not replied "
    "to him. We have not told her school yet because she is worried about what her friends will "
    "think. My husband wants to message him back and tell him to stop, but I thought we should "
    "ask for advice first. We have kept all the messages and taken screenshots of his account.",
    "She has said that she does not want to meet him and she will not go to the shopping centre. "
    "We will make sure she is with one of us all weekend. I would like to know whether we should "
    "report his account to the game and the chat app, and whether the police need to be told. I "
    "also want to know how we can help her feel safe going back to school on Monday.",
)


def long_narrative() -> str:
    """LONG_PARTS repeated to the limit, cut at the last full sentence that fits."""
    text = " ".join(itertools.islice(itertools.cycle(LONG_PARTS), 40))[:NARRATIVE_MAX]
    return text[: text.rindex(".") + 1]


# The costliest shapes found for the narrative reader: per sentence and per clause it does a
# little work for every rule, so the most sentences or clauses in 10,000 characters cost most.
HOSTILE = {
    "one letter a line (5,000 sentences)": "x\n" * 5000,
    "a sign in every clause ('meet, ' x 1,667)": "meet, " * 1667,
    "negated signs ('not nude not money not meet tomorrow' x 270)": (
        "not nude not money not meet tomorrow " * 270
    ),
}


def sample_answers(n: int | None = None) -> dict[str, dict[str, Any]]:
    """A parent's complete report, shaped as the journey stores it in the draft.

    With ``n``, the person of concern's handles are this report's own, so it links to no other.
    """
    tag = "" if n is None else f"_{n}"
    return {
        "danger": {"danger_now": "no"},
        "concern": {"concerns": ["asked_for_images", "threats_or_money", "wants_to_meet"]},
        "what-happened": {"what_happened": WHAT_HAPPENED, "website": ""},
        "when": {"when": "ongoing", "when_date": None},
        "where": {
            "platforms": [
                {
                    "platform": "ExampleGame",
                    "usernames": f"@example_player_15{tag}\nexample_player{tag}",
                },
                {"platform": "ExampleChat", "usernames": f"example.person{tag}"},
            ]
        },
        "child": {
            "child_name": "A.B.",
            "child_age_band": "13_15",
            "child_age": 13,
            "child_area": "Exampletown",
            "relationship": "my_child",
            "several_children": "unknown",
        },
        "person": {
            "person_names": f"Sam\n@example_player_15{tag}",
            "person_adult": "unknown",
            "works_with_children": "unknown",
        },
        "contact": {
            "contact_choice": "yes",
            "name": "Pat Example",
            "phone": "07700 900982",
            "email": "pat@example.org",
            "safe_times": "Weekday evenings",
            "leave_message": "yes",
        },
    }


def address(n: int) -> str:
    """A distinct client address per submission, so none is marked as one of many."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def summarise(name: str, samples: list[float]) -> dict[str, Any]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "name": name,
        "n": len(samples),
        "per_second": len(samples) / sum(samples),
        "p50": statistics.median(samples),
        "p95": cuts[94],
    }


def timed(call: Callable[[], object], *, count: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


# --- Baselines ------------------------------------------------------------------------------


def cpu_loop() -> int:
    """The bare CPU baseline: fixed pure-Python work, the kind Django's own code is made of."""
    table: dict[str, int] = {}
    total = 0
    for i in range(10_000):
        key = str(i)
        table[key] = i
        total += len(key) + table[key] % 7
    return total


def fixed_page(request: object) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")


def install_fixed_page() -> None:
    """Serve FIXED_PAGE in front of Haven's own URLs, for this process only."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    import haven.urls

    urls = types.ModuleType("haven_bench_urls")
    vars(urls).update(
        {name: getattr(haven.urls, name) for name in dir(haven.urls) if name.startswith("handler")},
        urlpatterns=[path(FIXED_PAGE.lstrip("/"), fixed_page), path("", include(haven.urls))],
    )
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    clear_url_caches()


class Baseline:
    """The two bare baselines, sampled at the start and the end of a process's measurements."""

    def __init__(self, count: int) -> None:
        from django.test import Client

        self.count = count
        self.client = Client()
        self.loop: list[float] = []
        self.get: list[float] = []

    def fetch(self) -> None:
        response = self.client.get(FIXED_PAGE)
        assert response.status_code == 200 and response.content == b"ok", response.status_code

    def sample(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.loop += timed(cpu_loop, count=self.count, warmup=20)
        with CaptureQueriesContext(connection) as queries:
            self.get += timed(self.fetch, count=self.count, warmup=20)
        assert not queries.captured_queries, queries.captured_queries[:3]

    def rows(self) -> list[dict[str, Any]]:
        half = len(self.loop) // 2
        return [
            summarise("baseline: pure-Python loop, 10,000 steps", self.loop),
            summarise("baseline: HTTP GET of a fixed page, no database", self.get),
            {
                "note": "baseline medians at the start and at the end: "
                f"loop {duration(statistics.median(self.loop[:half]))} and "
                f"{duration(statistics.median(self.loop[half:]))}, GET "
                f"{duration(statistics.median(self.get[:half]))} and "
                f"{duration(statistics.median(self.get[half:]))}"
            },
        ]


# --- Measurements ---------------------------------------------------------------------------


def measure_crypto(count: int, argon2: bool) -> list[dict[str, Any]]:
    from nacl.pwhash import argon2id

    from haven.reporting.services import followup_verifier, new_followup_code
    from haven.sealing.services import reporter_keys, seal

    answers = sample_answers()
    code = new_followup_code()
    results = [
        summarise(
            "followup_verifier (HMAC-SHA256)",
            timed(lambda: followup_verifier(code), count=count * 20, warmup=100),
        ),
        summarise(
            "reporter_keys (X25519 + HKDF + wrap)",
            timed(
                lambda: reporter_keys(followup_code=code, record_id="bench"),
                count=count * 4,
                warmup=20,
            ),
        ),
        summarise(
            "seal (sealed box, typical report)",
            timed(
                lambda: seal(
                    record_id="bench", contents={"audience": "parent", "answers": answers}
                ),
                count=count * 4,
                warmup=20,
            ),
        ),
    ]
    if not argon2:
        return results
    receipt = b"1234567890123456"
    salt = os.urandom(argon2id.SALTBYTES)

    def globaleaks_hash() -> bytes:
        return argon2id.kdf(
            32, receipt, salt, opslimit=GLOBALEAKS_OPSLIMIT, memlimit=GLOBALEAKS_MEMLIMIT
        )

    def globaleaks_submission() -> bytes:
        globaleaks_hash()
        return argon2id.kdf(
            32, receipt, salt, opslimit=GLOBALEAKS_OPSLIMIT + 1, memlimit=GLOBALEAKS_MEMLIMIT
        )

    results += [
        summarise(
            "Argon2id t=16 m=128MiB p=1 (libsodium)",
            timed(globaleaks_hash, count=5, warmup=1),
        ),
        summarise(
            "Argon2id t=16 + t=17, per GlobaLeaks submission",
            timed(globaleaks_submission, count=5, warmup=1),
        ),
    ]
    try:
        from argon2.low_level import Type, hash_secret_raw  # type: ignore[import-not-found]
    except ImportError:
        print("argon2-cffi is not importable; timing Argon2id with libsodium only.")
    else:
        results.append(
            summarise(
                "Argon2id t=16 m=128MiB p=1 (argon2-cffi)",
                timed(
                    lambda: hash_secret_raw(
                        receipt,
                        salt,
                        time_cost=GLOBALEAKS_OPSLIMIT,
                        memory_cost=GLOBALEAKS_MEMLIMIT // 1024,
                        parallelism=1,
                        hash_len=32,
                        type=Type.ID,
                    ),
                    count=5,
                    warmup=1,
                ),
            )
        )
    return results


def measure_triage(count: int) -> list[dict[str, Any]]:
    from haven.reporting.services import assess_answers, kept_answers, triage_inputs

    def narrated(text: str) -> Callable[[], object]:
        answers = sample_answers()
        answers["what-happened"]["what_happened"] = text
        kept = kept_answers("parent", answers)
        inputs = triage_inputs(kept)
        # As submit_report calls it: each call reads the narrative afresh (nothing is cached).
        return lambda: assess_answers(audience="parent", kept=kept, inputs=inputs)

    long = long_narrative()
    results = [
        summarise(
            f"assess, typical narrative ({len(WHAT_HAPPENED):,} chars)",
            timed(narrated(WHAT_HAPPENED), count=count * 4, warmup=50),
        ),
        summarise(
            f"assess, typical narrative ({len(long):,} chars)",
            timed(narrated(long), count=count, warmup=10),
        ),
    ]
    for name, text in HOSTILE.items():
        text = text[:NARRATIVE_MAX]
        results.append(
            summarise(
                f"assess, hostile {len(text):,} chars: {name}",
                timed(narrated(text), count=count // 2, warmup=5),
            )
        )
    return results


def measure_database(count: int, numbers: itertools.count[int]) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from haven.audit.models import AuditEvent
    from haven.reporting import drafts, services
    from haven.reporting.models import Report

    reports_before = Report.objects.count()

    def submit(answers: dict[str, dict[str, Any]], n: int) -> None:
        receipt = services.submit_report(
            audience="parent",
            answers=answers,
            submission_key=f"bench-submit-{n}",
            received_at=timezone.now(),
            client_bucket=services.client_bucket(address(n), ""),
        )
        assert receipt.followup_code is not None

    def on_and_off(
        answers: Callable[[int], dict[str, dict[str, Any]]], count: int
    ) -> tuple[list[list[float]], str]:
        """Submissions with checkpoints on and off in turn, so drift in speed hits both alike.

        Also returns, for the notes, the audit events and SQL statements of one submission.
        """
        for _ in range(20):
            n = next(numbers)
            submit(answers(n), n)
        samples: list[list[float]] = [[], []]
        for i in range(2 * count):
            settings.HAVEN_AUDIT_CHECKPOINT_EVERY = 1 - i % 2
            n = next(numbers)
            start = time.perf_counter()
            submit(answers(n), n)
            samples[i % 2].append(time.perf_counter() - start)
        settings.HAVEN_AUDIT_CHECKPOINT_EVERY = 1
        before = AuditEvent.objects.count()
        n = next(numbers)
        with CaptureQueriesContext(connection) as queries:
            submit(answers(n), n)
        written = AuditEvent.objects.count() - before
        return samples, f"{written} audit events, {len(queries.captured_queries)} SQL statements"

    (unique_on, unique_off), unique_cost = on_and_off(sample_answers, count)
    # The same person of concern in every report: after the warm-up's 20, each new report is
    # linked to the 20 most recent open cases.
    (linked_on, linked_off), linked_cost = on_and_off(
        lambda n: sample_answers(), max(count // 2, 20)
    )
    results = [
        summarise("submit_report, checkpoints on", unique_on),
        summarise("submit_report, no checkpoint", unique_off),
        summarise("submit_report linked to 20 cases, checkpoints", linked_on),
        summarise("submit_report linked to 20 cases, no checkpoint", linked_off),
    ]

    client = Client()
    check_url, send_url, sent_url = (
        reverse("reporting:check_answers"),
        reverse("reporting:send"),
        reverse("reporting:sent"),
    )
    steps: dict[str, list[float]] = {"check": [], "send": [], "sent": []}
    for i in range(count + 20):
        n = next(numbers)
        # A finished draft, made directly: only the last three requests of the journey are timed.
        draft = drafts.start()
        draft.created_at = timezone.now() - datetime.timedelta(minutes=10)
        draft.data.update({"audience": "parent", "answers": copy.deepcopy(sample_answers(n))})
        drafts.save(draft)
        carrier = HttpResponse()
        drafts.set_cookie(carrier, draft)
        client.cookies[drafts.COOKIE] = carrier.cookies[drafts.COOKIE].value

        start = time.perf_counter()
        page = client.get(check_url)
        checked = time.perf_counter()
        sent = client.post(send_url, REMOTE_ADDR=address(n))
        posted = time.perf_counter()
        confirmation = client.get(sent_url)
        shown = time.perf_counter()

        assert page.status_code == 200, page.status_code
        assert sent.status_code == 302 and sent["Location"] == sent_url, (
            sent.status_code,
            sent.get("Location"),
        )
        assert confirmation.status_code == 200, confirmation.status_code
        assert b'id="followup-code"' in confirmation.content
        if i >= 20:
            steps["check"].append(checked - start)
            steps["send"].append(posted - checked)
            steps["sent"].append(shown - posted)
    results += [
        summarise("HTTP GET check answers", steps["check"]),
        summarise("HTTP POST send (prepare_send + submit_report)", steps["send"]),
        summarise("HTTP GET confirmation page", steps["sent"]),
        summarise(
            "HTTP check answers -> send -> confirmation",
            [
                a + b + c
                for a, b, c in zip(steps["check"], steps["send"], steps["sent"], strict=True)
            ],
        ),
    ]
    expected = reports_before + (2 * count + 21) + (2 * max(count // 2, 20) + 21) + (count + 20)
    assert Report.objects.count() == expected, (Report.objects.count(), expected)
    for row in results:
        row["reports"] = reports_before
    results.append(
        {
            "note": f"with {reports_before:,} reports stored, one submit_report wrote "
            f"{unique_cost} unlinked, and {linked_cost} linked to 20 open cases"
        }
    )
    return results


def seed(count: int, vendor: str) -> list[dict[str, Any]]:
    from django.db import connection

    from haven.devtools.seeding import seed_reports

    workers = 2 if vendor == "postgresql" else 1
    print(f"  seeding {count:,} reports ({workers} worker(s))...", flush=True)
    start = time.perf_counter()
    seed_reports(count=count, workers=workers)
    seeded = time.perf_counter() - start
    if vendor == "postgresql":
        # What autovacuum would do soon after such a load; done now so the plans are settled.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return [
        {
            "note": f"seed_reports {count:,} with {workers} worker(s): {seeded:.0f} s "
            f"({count / seeded:,.0f} a second)"
            + ("; then ANALYZE" if vendor == "postgresql" else "")
        }
    ]


@contextlib.contextmanager
def bench_database(backend: str) -> Iterator[tuple[str, Path]]:
    """Django set up on a fresh database in a temporary folder; yields its version and the folder.

    SQLite: a new file, migrated. PostgreSQL: a throwaway database ``haven_bench_<pid>`` made by
    Django's test-database machinery on the server HAVEN_DATABASE_URL names, dropped at the end.
    Shared by every benchmark here, each in a child process of its own (settings are read once).
    """
    work = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    os.environ["HAVEN_ENV"] = "test"
    os.environ["HAVEN_VAR_DIR"] = str(work / "var")
    os.environ["HAVEN_KEY_DIR"] = str(work / "keys")
    os.environ["HAVEN_SQLITE_PATH"] = str(work / "bench.sqlite3")
    os.environ["HAVEN_AUDIT_CHECKPOINT_FILE"] = str(work / "audit-checkpoints.log")
    if backend == "sqlite":
        os.environ.pop("HAVEN_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from haven.sealing.keystore import FileKeyStore

    FileKeyStore(work / "keys").create()
    original_name = connection.settings_dict["NAME"]
    try:
        if backend == "sqlite":
            call_command("migrate", verbosity=0)
            version = f"SQLite {sqlite3.sqlite_version}"
        else:
            connection.settings_dict["TEST"]["NAME"] = f"haven_bench_{os.getpid()}"
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        yield version, work
    finally:
        if backend != "sqlite":
            connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)


def run_backend(
    backend: str, count: int, large: int, crypto: bool, argon2: bool, out: Path
) -> None:
    """In a child process: set Django up on a fresh database, measure, write JSON to ``out``."""
    with bench_database(backend) as (version, _work):
        from django.db import connection

        install_fixed_page()
        baseline = Baseline(count * 2)
        baseline.sample()
        results: list[dict[str, Any]] = []
        if crypto:
            results += measure_crypto(count, argon2) + measure_triage(count)
        numbers = itertools.count(1)
        database = measure_database(count, numbers)
        if large:
            database += seed(large, connection.vendor)
            database += measure_database(count, numbers)
        for row in database:
            row["database"] = version
        results += database
        baseline.sample()
        results = baseline.rows() + results
    loop, get = results[0]["p50"], results[1]["p50"]
    for row in results:
        if "note" in row:
            row["note"] = f"{version}: {row['note']}"
            continue
        row.setdefault("database", version if row["name"].startswith("baseline") else "-")
        row["x_loop"], row["x_get"] = row["p50"] / loop, row["p50"] / get
    out.write_text(json.dumps(results))


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import django

    return (
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} CPU cores ({model}), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"Django {django.get_version()}"
    )


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def ratio(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    """The rows as a table; the reports and ratio columns only when some row has them."""
    columns: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("operation", lambda row: row["name"]),
        ("database", lambda row: row["database"]),
        ("reports", lambda row: f"{row['reports']:,}" if "reports" in row else "-"),
        ("n", lambda row: str(row["n"])),
        ("per second", lambda row: f"{row['per_second']:,.1f}"),
        ("p50", lambda row: duration(row["p50"])),
        ("p95", lambda row: duration(row["p95"])),
        ("p50/loop", lambda row: ratio(row["x_loop"]) if "x_loop" in row else "-"),
        ("p50/GET", lambda row: ratio(row["x_get"]) if "x_get" in row else "-"),
    ]
    optional = {"reports": "reports", "p50/loop": "x_loop", "p50/GET": "x_get"}
    columns = [
        (heading, cell)
        for heading, cell in columns
        if heading not in optional or any(optional[heading] in row for row in rows)
    ]
    lines = [[cell(row) for _, cell in columns] for row in rows]
    headings = [heading for heading, _ in columns]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headings)]
    for line in [headings, *lines]:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=500, help="timed submissions (default 500)")
    parser.add_argument(
        "--large",
        type=int,
        default=100_000,
        help="reports to seed for the large-database rows (default 100,000; 0 skips them)",
    )
    parser.add_argument(
        "--skip-argon2", action="store_true", help="leave out the Argon2id comparison (15 s)"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--crypto", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        run_backend(
            args.backend, args.count, args.large, args.crypto, not args.skip_argon2, args.out
        )
        return 0

    # Settings are read once per process, so each database is measured in a child of its own.
    backends = ["sqlite"]
    if os.environ.get("HAVEN_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append("postgresql")
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="haven-bench-out-") as tmp:
        for backend in backends:
            out = Path(tmp) / f"{backend}.json"
            print(f"Measuring on {backend} ({args.count} submissions a row)...", flush=True)
            command = [
                sys.executable,
                __file__,
                "--backend",
                backend,
                "--count",
                str(args.count),
                "--large",
                str(args.large),
            ]
            if backend == "sqlite":
                command.append("--crypto")
            if args.skip_argon2:
                command.append("--skip-argon2")
            # The command is this script and its own arguments; nothing comes from outside.
            subprocess.run([*command, "--out", str(out)], check=True, cwd=ROOT)  # noqa: S603
            rows += json.loads(out.read_text())
    print()
    print(machine())
    print(f"Whole run: {time.perf_counter() - started:.0f} s")
    print()
    print_table([row for row in rows if "note" not in row])
    print()
    for row in rows:
        if "note" in row:
            print(row["note"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

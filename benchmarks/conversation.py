#!/usr/bin/env python3
"""How much checking a code costs, and how long the conversation's pages take, measured.

    HAVEN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/haven_bench_conv \\
        .venv/bin/python benchmarks/conversation.py \\
        --json-prefix benchmarks/results/conversation-2026-12-02

Each database is measured in a child process of its own (Django reads its settings once):
PostgreSQL when HAVEN_DATABASE_URL names one, then SQLite (``--no-sqlite`` leaves it out). The
PostgreSQL database named in the URL is created by this script, must not exist already
(``--replace`` drops a leftover one first) and must be named ``haven_bench_*``: it is dropped at
the end. SQLite is a new file in a temporary folder. Nothing under ``var/`` is touched: the
settings are ``HAVEN_ENV=development`` with their own temporary folder, secrets, key pair
(``FileKeyStore(dir).create()``) and audit checkpoint file.

At each size (``--sizes``, default 1,000 then 100,000 reports on PostgreSQL; ``--sqlite-sizes``,
default 1,000), reached with ``manage.py seed_reports N --workers 1``, then ``ANALYZE`` on
PostgreSQL, there are ``--runs`` runs (default 2). Each run measures, in this process:

- ``followup_verifier(code)`` alone, and ``checking.check`` for a right pair, a right reference
  with a wrong code, and an unknown reference (database time included), in microseconds per
  check, by ``time.process_time`` (this process's CPU; on PostgreSQL the server's own CPU is not
  in it) and ``time.perf_counter`` (wall time, database included);

then starts gunicorn with ``benchmarks/queue.py``'s timed application (2 sync workers, on
127.0.0.1 only) and requests, round-robin so that drift falls on every page alike, the bare
baseline view (``benchmarks/bare.py``), the reporter's pages (their report with no messages and
with ``--messages`` of them, the add-information and contact forms, a reply posted, the check
itself posted) and the staff case page with no messages and with the same conversation: a
warm-up, then ``--requests`` timed requests each. The figure is the server's time (the
Server-Timing header) as p50 and p95, and p95 as a multiple of the bare view's in the same run.

Three reports are made with ``submit_report`` for it (anonymous children's): one with no
messages, one with ``--messages`` (an advisor's message, then the reporter's reply, in turn;
the advisor holds the case), and one the timed replies are posted to. At the largest
PostgreSQL size ``--other-messages`` more messages are bulk-inserted over other cases, so the
messages table is large too, and ``EXPLAIN (ANALYZE, BUFFERS)`` of both conversation queries is
recorded at every size.

This is a measurement to read, not a test: nothing fails on a time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import secrets
import shutil
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path, and its queue.py would stand in for the
# standard library's queue module: put the project there instead, before anything imports.
# (So nothing above may import the queue module: concurrent.futures does, and is imported later.)
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
assert Path(getattr(sys.modules.get("queue"), "__file__", None) or ROOT).parent != HERE, (
    "benchmarks/queue.py was imported as the standard library's queue module"
)

from benchmarks.queue import (  # noqa: E402 - needs the path above
    ADVISOR,
    BARE,
    HOST,
    SERVER_TIMING,
    Sample,
    dataset,
    percentile,
    print_table,
    signed_in_cookie,
    summary,
    wait_for,
    with_ratios,
)
from benchmarks.queue import machine as queue_machine  # noqa: E402

YOURS = "/check/your-report/"
CHECK = "/check/"

ADVISOR_TEXTS = (
    "Thank you for telling us. We have read your report and we are working out how to help. "
    "Are you safe right now? You can reply here whenever you feel ready.",
    "Thank you for replying. Has he messaged you again since you wrote to us? You do not need "
    "to answer him. If you can, keep the messages, but do not send him anything.",
    "That was the right thing to do. Is there an adult at home or at school you trust that you "
    "could tell? We can help you work out what to say to them if that would help.",
)
REPLY_TEXTS = (
    "I am OK. He messaged again last night and said he would tell my friends.",
    "I have not replied. I blocked him on the game but he is still on the chat app.",
    "Maybe my aunt. I do not want my mum to be angry with me.",
)


# --- The machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    """``lscpu``'s model name (as the brief asks), else /proc/cpuinfo's."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["lscpu"],  # noqa: S607 - a fixed command, on the PATH
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "LC_ALL": "C"},
        ).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# --- HTTP, as queue.py's fetch, with POST --------------------------------------------------------


def request(
    port: int, method: str, path: str, cookie: str, form: dict[str, str] | None = None
) -> tuple[int, Sample, http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": cookie, "Host": HOST}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    client = time.perf_counter() - started
    connection.close()
    found = {
        m[0]: (float(m[1]), m[2])
        for m in SERVER_TIMING.findall(response.getheader("Server-Timing") or "")
    }
    app, _ = found.get("app", (0.0, ""))
    db, queries = found.get("db", (0.0, "0"))
    sample = Sample(app / 1000, client, db / 1000, int(queries or 0))
    return response.status, sample, response, content


class Page:
    """One page measured: how to ask for it, and what it must answer."""

    def __init__(
        self,
        name: str,
        path: str,
        cookie: str = "",
        form: dict[str, str] | None = None,
        expect: int = 200,
        location: str = "",
    ) -> None:
        self.name, self.path, self.cookie, self.form = name, path, cookie, form
        self.expect, self.location = expect, location
        self.samples: list[Sample] = []

    def fetch(self, port: int) -> Sample:
        method = "GET" if self.form is None else "POST"
        status, sample, response, body = request(port, method, self.path, self.cookie, self.form)
        where = response.getheader("Location") or ""
        if status != self.expect or (self.location and where != self.location):
            raise SystemExit(
                f"{method} {self.path} answered {status} {where!r}, not {self.expect} "
                f"{self.location!r}: {body[:300]!r}"
            )
        return sample


# --- Set-up in this process ----------------------------------------------------------------------


def csrf_secret() -> str:
    """A CSRF secret for the benchmark's cookie; Django takes it unmasked in the form too."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def new_report() -> tuple[Any, str]:
    """An anonymous child's report through submit_report, with its follow-up code."""
    from django.utils import timezone

    from haven.reporting.services import submit_report

    receipt = submit_report(
        audience="child",
        answers={"what-happened": {"what_happened": "Someone online keeps asking for photos."}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    assert receipt.followup_code is not None  # a new report is given one
    return receipt.report, receipt.followup_code


def reporter_cookie(report: Any, code: str) -> str:
    """A reporter's visit, started as they would: POST /check/ with the pair (test client)."""
    from django.test import Client

    from haven.reporting.checking import COOKIE

    browser = Client()
    response = browser.post(CHECK, {"reference": report.reference, "code": code})
    if response.status_code != 302 or response["Location"] != YOURS:
        raise SystemExit(f"the check refused the benchmark's own report: {response.status_code}")
    return f"{COOKIE}={browser.cookies[COOKIE].value}"


def converse(report: Any, code: str, count: int) -> None:
    """``count`` messages on the report's case: the advisor's, then the reporter's reply, in
    turn, as the product makes them (sealed both ways, audited, "reply waiting" and notices)."""
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse

    from haven.cases import services as cases
    from haven.cases.models import Case
    from haven.reporting import checking, conversation

    advisor = get_user_model().objects.get(username=ADVISOR)
    case = Case.objects.select_related("report").get(report_id=report.id)
    cases.claim_case(case=case, by=advisor)
    visit = checking.start_visit(report, code, HttpResponse())
    for i in range(count):
        if i % 2 == 0:
            case = Case.objects.select_related("report").get(pk=case.pk)
            text = ADVISOR_TEXTS[(i // 2) % len(ADVISOR_TEXTS)]
            conversation.send_message(case=case, by=advisor, text=text)
        else:
            conversation.reply(visit, REPLY_TEXTS[(i // 2) % len(REPLY_TEXTS)])


def case_id(report: Any) -> str:
    from haven.cases.models import Case

    return str(Case.objects.only("id").get(report_id=report.id).pk)


# --- CPU per code check -------------------------------------------------------------------------


def per_check(
    name: str,
    call: Callable[[int], object],
    count: int,
    warmup: int,
    after: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """Microseconds per call of ``call(i)``: CPU of this process and wall time, summed over
    single calls (``after``, run between them, is not counted), their p50 and p95 (wall), and
    the SQL statements of one call."""
    from django.db import connection

    queries = [0]

    def counted(execute: Callable[..., Any], *args: Any) -> Any:
        queries[0] += 1
        return execute(*args)

    for i in range(warmup):
        call(i)
        if after is not None:
            after()
    cpu, wall = [], []
    for i in range(warmup, warmup + count):
        with connection.execute_wrapper(counted):
            cpu_began, began = time.process_time(), time.perf_counter()
            call(i)
            wall.append(time.perf_counter() - began)
            cpu.append(time.process_time() - cpu_began)
        if after is not None:
            after()
    return {
        "check": name,
        "n": count,
        "cpu_us": sum(cpu) / count * 1e6,
        "wall_us": sum(wall) / count * 1e6,
        "p50_us": statistics.median(wall) * 1e6,
        "p95_us": percentile(wall, 95) * 1e6,
        "queries": queries[0] / count,
    }


def measure_verifier(code: str, count: int) -> dict[str, Any]:
    """``followup_verifier`` alone, timed over the whole loop (a call is about a microsecond:
    one clock reading per call would be much of it)."""
    from haven.reporting.services import followup_verifier

    for _ in range(1000):
        followup_verifier(code)
    cpu_began, began = time.process_time(), time.perf_counter()
    for _ in range(count):
        followup_verifier(code)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    return {
        "check": "followup_verifier(code) alone",
        "n": count,
        "cpu_us": cpu / count * 1e6,
        "wall_us": wall / count * 1e6,
        "p50_us": None,
        "p95_us": None,
        "queries": 0,
    }


def measure_checks(report: Any, code: str, count: int, verifier_count: int) -> list[dict[str, Any]]:
    from haven.core import crockford
    from haven.reporting import checking
    from haven.reporting.models import CheckFailureCounter, Report
    from haven.reporting.services import new_reference

    wrong_codes = [crockford.group(crockford.random_string(16)) for _ in range(64)]
    unknown = new_reference()
    assert not Report.objects.filter(reference=unknown).exists()

    def right(i: int) -> object:
        checked = checking.check(reference=report.reference, code=code, address_bucket=f"bench-{i}")
        assert checked.outcome == checking.Outcome.ACCEPTED
        return checked

    def wrong(reference: str) -> Callable[[int], object]:
        def call(i: int) -> object:
            checked = checking.check(
                reference=reference,
                code=wrong_codes[i % len(wrong_codes)],
                address_bucket=f"bench-{i}",
            )
            assert checked.outcome == checking.Outcome.WRONG, checked
            return checked

        return call

    def clear() -> object:
        # Untimed: so that no try is refused for the limit, and each finds no counter of its
        # window yet (it creates both, the costlier way).
        return CheckFailureCounter.objects.all().delete()

    return [
        measure_verifier(code, verifier_count),
        per_check("check(): right pair", right, count, 20),
        per_check(
            "check(): known reference, wrong code", wrong(report.reference), count, 20, clear
        ),
        per_check("check(): unknown reference", wrong(unknown), count, 20, clear),
    ]


# --- The pages -----------------------------------------------------------------------------------


def measure_pages(
    pages: list[Page], *, port: int, workers: int, requests: int, warmup: int
) -> list[dict[str, Any]]:
    log = Path(tempfile.mkstemp(prefix="haven-bench-gunicorn-", suffix=".log")[1])
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "benchmarks.queue:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
    ]
    from concurrent.futures import ThreadPoolExecutor

    server = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - fixed command, loopback only
    try:
        wait_for(port, 60)
        # Each worker sets Django up at its first request: reach every worker before timing.
        with ThreadPoolExecutor(workers) as pool:
            for page in pages:
                list(pool.map(lambda p: p.fetch(port), [page] * (workers * 2)))
        for i in range(warmup + requests):
            for page in pages:
                try:
                    sample = page.fetch(port)
                except SystemExit:
                    print(log.read_text()[-3000:], file=sys.stderr)
                    raise
                if i >= warmup:
                    page.samples.append(sample)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.unlink(missing_ok=True)
    return with_ratios([summary(page.name, page.path, page.samples) for page in pages])


# --- One database --------------------------------------------------------------------------------


def explain(case_pk: str) -> dict[str, str]:
    """The plans of the two conversation queries (for_case and for_reporter), as run."""
    from django.db import connection

    from haven.reporting.models import Message

    staff = Message.objects.filter(case_id=case_pk).select_related("by").order_by("at", "id")
    reporter = (
        Message.objects.filter(case_id=case_pk)
        .only("id", "case_id", "at", "kind", "read_at", "reporter_sealed", "by_id")
        .order_by("at", "id")
    )
    options: dict[str, Any] = (
        {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
    )
    return {
        "for_case (staff)": staff.explain(**options),
        "for_reporter": reporter.explain(**options),
    }


def bulk_messages(total: int, per_case: int, mine: list[str]) -> str:
    """``total`` messages over other cases, ``per_case`` each, with ciphertext-sized filler
    (never opened: none of the benchmark's own cases, ``mine``, is given any)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reporting_message"
            " (id, case_id, at, kind, by_id, key_id, sealed, reporter_sealed, read_at,"
            "  raised_from, raised_to)"
            " SELECT gen_random_uuid(), c.id, c.received_at + g * interval '1 hour', 'reply',"
            "  NULL, 'bench', decode(repeat('ab', 360), 'hex'), decode(repeat('cd', 360), 'hex'),"
            "  NULL, '', ''"
            " FROM (SELECT id, received_at FROM cases_case"
            "  WHERE NOT (id = ANY(%s::uuid[]))"
            "  ORDER BY random() LIMIT %s) c"
            " CROSS JOIN generate_series(1, %s) g",
            [mine, total // per_case, per_case],
        )
        cursor.execute("ANALYZE")
    return f"{total:,} messages bulk-inserted over {total // per_case:,} other cases, then ANALYZE"


@contextlib.contextmanager
def database(backend: str, replace: bool) -> Iterator[str]:
    """Django set up on a new, migrated database; yields its version; dropped at the end."""
    work = Path(tempfile.mkdtemp(prefix="haven-bench-conv-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="haven.settings",
        HAVEN_ENV="development",
        HAVEN_VAR_DIR=str(work / "var"),
        HAVEN_KEY_DIR=str(work / "keys"),
        HAVEN_SQLITE_PATH=str(work / "bench.sqlite3"),
        HAVEN_AUDIT_CHECKPOINT_FILE=str(work / "audit-checkpoints.log"),
    )
    name = ""
    if backend == "sqlite":
        os.environ.pop("HAVEN_DATABASE_URL", None)
    else:
        name = create_database(os.environ["HAVEN_DATABASE_URL"], replace)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from haven.sealing.keystore import FileKeyStore

        FileKeyStore(work / "keys").create()
        call_command("migrate", verbosity=0)
        if backend == "sqlite":
            yield f"SQLite {sqlite3.sqlite_version}"
        else:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                yield f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    finally:
        if name:
            from django.db import connections

            connections.close_all()
            drop_database(os.environ["HAVEN_DATABASE_URL"], name)
        shutil.rmtree(work, ignore_errors=True)


def _server(url: str) -> tuple[dict[str, Any], str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("haven_bench") or not name.replace("_", "").isalnum():
        raise SystemExit(f"the database must be named haven_bench_*, not {name!r}: it is dropped")
    return {
        "host": parts.hostname or HOST,
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "dbname": "postgres",
        "autocommit": True,
    }, name


def create_database(url: str, replace: bool) -> str:
    import psycopg

    params, name = _server(url)
    with psycopg.connect(**params) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not replace:
            raise SystemExit(f"database {name} exists: drop it, or pass --replace")
        if exists:
            server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(url: str, name: str) -> None:
    import psycopg

    params, _ = _server(url)
    with psycopg.connect(**params) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_to(size: int, vendor: str) -> str:
    """Seed reports until there are ``size`` (with ``manage.py seed_reports N --workers 1``)."""
    from django.core.management import call_command
    from django.db import connection

    from haven.reporting.models import Report

    missing = size - Report.objects.count()
    if missing <= 0:
        return f"{Report.objects.count():,} reports already"
    started = time.perf_counter()
    call_command("seed_reports", missing, "--workers", "1", verbosity=0)
    took = time.perf_counter() - started
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return f"seed_reports {missing:,} --workers 1: {took:.0f} s" + (
        ", then ANALYZE" if vendor == "postgresql" else ""
    )


def run_backend(args: argparse.Namespace) -> None:
    """In a child process: every size and run on one database; JSON per size."""
    sizes = args.sizes if args.backend == "postgresql" else args.sqlite_sizes
    with database(args.backend, args.replace) as version:
        from django.conf import settings
        from django.db import connection

        from haven.reporting.models import Message

        notes: list[str] = []
        fixtures: dict[str, Any] = {}
        for number, size in enumerate(sizes):
            notes.append(seed_to(size, connection.vendor))
            if not fixtures:
                quiet, quiet_code = new_report()
                talk, talk_code = new_report()
                replies, replies_code = new_report()
                converse(talk, talk_code, args.messages)
                fixtures = {
                    "quiet": (quiet, quiet_code),
                    "talk": (talk, talk_code),
                    "replies": (replies, replies_code),
                }
            last = number == len(sizes) - 1
            if (
                last
                and len(sizes) > 1
                and args.other_messages
                and connection.vendor == "postgresql"
            ):
                mine = [case_id(report) for report, _code in fixtures.values()]
                notes.append(bulk_messages(args.other_messages, 10, mine))
            quiet, quiet_code = fixtures["quiet"]
            talk, talk_code = fixtures["talk"]
            replies, replies_code = fixtures["replies"]
            facts = {**dataset(), "messages": Message.objects.count()}
            plans = explain(case_id(talk))
            runs = []
            for run in range(1, args.runs + 1):
                print(f"  {version}, {size:,} reports, run {run}...", flush=True)
                started, load_before = time.perf_counter(), load()
                checks = measure_checks(quiet, quiet_code, args.checks, args.verifier_checks)
                token = csrf_secret()
                csrf = f"{settings.CSRF_COOKIE_NAME}={token}"
                advisor = signed_in_cookie(ADVISOR, "advisor")
                as_quiet = f"{csrf}; {reporter_cookie(quiet, quiet_code)}"
                as_talk = f"{csrf}; {reporter_cookie(talk, talk_code)}"
                as_replies = f"{csrf}; {reporter_cookie(replies, replies_code)}"
                from benchmarks.bare import BARE_PATH

                pages = [
                    Page(BARE, BARE_PATH),
                    Page("reporter: your report, no messages", YOURS, as_quiet),
                    Page(f"reporter: your report, {args.messages} messages", YOURS, as_talk),
                    Page("reporter: add information (form)", YOURS + "add/", as_quiet),
                    Page("reporter: change contact (form)", YOURS + "contact/", as_quiet),
                    Page(
                        "reporter: POST a reply",
                        YOURS + "reply/",
                        as_replies,
                        {"csrfmiddlewaretoken": token, "text": REPLY_TEXTS[0]},
                        302,
                        YOURS + "?done=reply",
                    ),
                    Page(
                        "reporter: POST /check/, right pair (starts a visit)",
                        CHECK,
                        csrf,
                        {
                            "csrfmiddlewaretoken": token,
                            "reference": quiet.reference,
                            "code": quiet_code,
                        },
                        302,
                        YOURS,
                    ),
                    Page(
                        "staff: case page, no messages", f"/staff/cases/{case_id(quiet)}/", advisor
                    ),
                    Page(
                        f"staff: case page, {args.messages} messages",
                        f"/staff/cases/{case_id(talk)}/",
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
                runs.append(
                    {
                        "run": run,
                        "seconds": round(time.perf_counter() - started, 1),
                        "load average before, after": [load_before, load()],
                        "checks": checks,
                        "pages": rows,
                    }
                )
                print_checks(checks)
                print_table(rows)
            result = {
                "machine": queue_machine(),
                "cpu model (lscpu)": cpu_model(),
                "database": version,
                "dataset": facts,
                "notes": notes,
                "gunicorn workers": args.workers,
                "requests per page": args.requests,
                "warm-up per page": args.warmup,
                "explain": plans,
                "runs": runs,
            }
            out = result_path(args.json_prefix, args.backend, size)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=2) + "\n")
            print(f"  wrote {out}", flush=True)


def result_path(prefix: str, backend: str, size: int) -> Path:
    label = f"{size // 1000}k" if size % 1000 == 0 else str(size)
    return Path(f"{prefix}-{backend}-{label}.json")


# --- Printing -----------------------------------------------------------------------------------


def print_checks(rows: list[dict[str, Any]]) -> None:
    print(f"{'check':58}  {'n':>6}  {'CPU µs':>9}  {'wall µs':>9}  {'p50 µs':>9}  {'p95 µs':>9}  q")
    for row in rows:
        p50, p95 = (
            f"{row[k]:>9.1f}" if row[k] is not None else f"{'':>9}" for k in ("p50_us", "p95_us")
        )
        print(
            f"{row['check']:58}  {row['n']:>6}  {row['cpu_us']:>9.2f}  {row['wall_us']:>9.2f}"
            f"  {p50}  {p95}  {row['queries']:.0f}"
        )


def print_summary(paths: list[Path]) -> None:
    """Every file's pages, p95 and the ratio to bare, run by run."""
    for path in paths:
        result = json.loads(path.read_text())
        print()
        print(
            f"{path}: {result['database']}, {result['dataset']['reports']:,} reports,"
            f" {result['dataset']['messages']:,} messages; {result['cpu model (lscpu)']}"
        )
        runs = result["runs"]
        for index, row in enumerate(runs[0]["pages"]):
            cells = [
                f"{run['pages'][index]['server_p50'] * 1000:6.1f} {run['pages'][index]['server_p95'] * 1000:6.1f}"
                f" {run['pages'][index]['x_bare']:5.2f}"
                for run in runs
            ]
            print(f"  {row['page'][:56]:56}  " + "  |  ".join(cells))
        for index, row in enumerate(runs[0]["checks"]):
            cells = [
                f"{run['checks'][index]['cpu_us']:8.1f} {run['checks'][index]['wall_us']:8.1f}"
                for run in runs
            ]
            print(f"  {row['check'][:56]:56}  " + "  |  ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)

    def sizes(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    parser.add_argument("--sizes", type=sizes, default=[1000, 100_000], help="PostgreSQL sizes")
    parser.add_argument("--sqlite-sizes", type=sizes, default=[1000], help="SQLite sizes")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--runs", type=int, default=2, help="runs at each size (default 2)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--messages", type=int, default=50, help="messages in the conversation")
    parser.add_argument(
        "--other-messages",
        type=int,
        default=200_000,
        help="messages bulk-inserted over other cases at the largest PostgreSQL size",
    )
    parser.add_argument("--checks", type=int, default=300, help="timed check() calls per row")
    parser.add_argument("--verifier-checks", type=int, default=100_000, help="verifier calls")
    parser.add_argument("--port", type=int, default=8012, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--replace", action="store_true", help="drop a leftover database first")
    parser.add_argument(
        "--json-prefix",
        default=str(HERE / "results" / f"conversation-{datetime.date.today().isoformat()}"),
        help="JSON goes to PREFIX-<database>-<size>.json",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--summary", nargs="+", type=Path, help="print these JSON files only")
    args = parser.parse_args()
    if args.summary:
        print_summary(args.summary)
        return 0
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

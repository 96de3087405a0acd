#!/usr/bin/env python3
"""How long the staff pages take on a large database, measured on a running server.

Run it against a database seeded with ``manage.py seed_reports`` (see docs/PERFORMANCE.md):

    HAVEN_ENV=development HAVEN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/haven_perf \\
        .venv/bin/python benchmarks/queue.py

It starts gunicorn (``haven.wsgi``, wrapped so that each response carries a Server-Timing
header) on 127.0.0.1 only, signs in two staff accounts by writing their sessions directly (a
synthetic advisor and a benchmark supervisor, each with a confirmed authenticator app, as if the
second factor had been passed), then requests each page one after another from this process:
a warm-up, then ``--requests`` timed requests per page, all within ``--deadline`` seconds. It
prints the server's time (from the header) and the client's, and the number of queries.

The linked-reports lookup (``haven.linking.services.linked_reports``) is measured twice: on the
case page, over HTTP like the others, and on its own, called in this process against the same
database. Each for the case whose identifier is shared most, and for a case whose identifier
recurs a few times.

It writes to the database only what a person using the pages would: sessions, a TOTP device for
each account, and the audit events of signing in and viewing cases. Nothing fails on a time.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, on purpose: this is not a load-testing tool
ADVISOR = "synthetic-advisor-01"
BARE = "bare Django view: GOV.UK template and table macro (baseline)"
SUPERVISOR = "bench-supervisor"
SERVER_TIMING = re.compile(r"(\w+);dur=([\d.]+)(?:;desc=\"(\d+) queries\")?")


# --- The server side: Haven's application with a Server-Timing header --------------------------


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Haven's WSGI application, timed. Only the benchmark's gunicorn loads this wrapper.

    ``app`` is the whole Django request (middleware, view, template), ``db`` the time spent in
    the database driver and how many queries ran. Django renders the body before it calls
    ``start_response``, so the header covers all of the work.
    """
    from django.conf import settings
    from django.db import connection

    from haven.wsgi import application as haven

    # The bare baseline's URL in front of Haven's (benchmarks/bare.py); read per request.
    settings.ROOT_URLCONF = "benchmarks.bare"
    started = time.perf_counter()
    db = [0, 0.0]

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            db[0] += 1
            db[1] += time.perf_counter() - begun

    def timed_start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        app_ms = (time.perf_counter() - started) * 1000
        timing = f'app;dur={app_ms:.2f}, db;dur={db[1] * 1000:.2f};desc="{db[0]} queries"'
        return start_response(status, [*headers, ("Server-Timing", timing)], *exc_info)

    with connection.execute_wrapper(count):
        return haven(environ, timed_start)  # type: ignore[no-any-return]


# --- The client side ----------------------------------------------------------------------------


@dataclass
class Sample:
    server: float  # seconds
    client: float
    db: float
    queries: int


def fetch(port: int, path: str, cookie: str) -> tuple[int, Sample, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie, "Host": HOST})
    response = connection.getresponse()
    body = response.read()
    client = time.perf_counter() - started
    connection.close()
    found = {
        m[0]: (float(m[1]), m[2])
        for m in SERVER_TIMING.findall(response.getheader("Server-Timing") or "")
    }
    app, _ = found.get("app", (0.0, ""))
    db, queries = found.get("db", (0.0, "0"))
    return response.status, Sample(app / 1000, client, db / 1000, int(queries or 0)), body


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def wait_for(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on {HOST}:{port} within {seconds:.0f} s")


# --- Set-up in this process: accounts, sessions, which pages -------------------------------------


def signed_in_cookie(username: str, role: str) -> str:
    """A session for ``username`` that has passed its second factor, as tests/factories does."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from haven.accounts.models import StaffProfile

    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    StaffProfile.objects.update_or_create(user=user, defaults={"role": role})
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def dataset() -> dict[str, Any]:
    from django.db.models import Count

    from haven.cases.lifecycle import Status
    from haven.cases.models import Case
    from haven.reporting.models import Report

    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")).order_by())
    open_cases = Case.objects.exclude(status=Status.CLOSED)
    return {
        "reports": Report.objects.count(),
        "cases": sum(by_status.values()),
        "open": sum(n for status, n in by_status.items() if status != Status.CLOSED),
        "open by priority": dict(
            open_cases.values_list("priority").annotate(n=Count("id")).order_by("priority")
        ),
        "overdue": open_cases.filter(next_due_at__lt=datetime.datetime.now(datetime.UTC)).count(),
        "unassigned open": open_cases.filter(assigned_to=None).count(),
    }


def pages(
    advisor_case: str, search_for: str, deep: dict[int, str], linked: list[tuple[str, Any]]
) -> list[tuple[str, str, str]]:
    """(name, path, who) for every page measured; the bare baseline first."""
    from benchmarks.bare import BARE_PATH, RAW_PATH

    on_case_page = [
        (f"case page, {name.split(', ', 1)[1]}", f"/staff/cases/{case.pk}/", "advisor")
        for name, case in linked
    ]
    return [
        (BARE, BARE_PATH, "nobody"),
        ("bare table written out, no page template (floor)", RAW_PATH, "nobody"),
        ("queue", "/staff/queue/", "advisor"),
        ("queue, P2 unassigned", "/staff/queue/?priority=P2&unassigned=1", "advisor"),
        ("queue, overdue", "/staff/queue/?overdue=1", "advisor"),
        ("queue, assessing", "/staff/queue/?status=assessing", "advisor"),
        ("queue, mine", "/staff/queue/?mine=1", "advisor"),
        ("queue, closed", "/staff/queue/?status=closed", "advisor"),
        *(
            (f"queue, page {number}", f"/staff/queue/?after={cursor}", "advisor")
            for number, cursor in deep.items()
        ),
        ("case page", f"/staff/cases/{advisor_case}/", "advisor"),
        ("reports list", "/staff/", "advisor"),
        ("team (supervisor)", "/staff/team/", "supervisor"),
        ("audit, last 7 days (supervisor)", "/staff/audit/", "supervisor"),
        ("search by reference", f"/staff/search/?reference={search_for}", "advisor"),
        *on_case_page,
    ]


def deep_pages(advisor: Any, numbers: tuple[int, ...] = (20, 1000)) -> dict[int, str]:
    """The cursor a person paging through the queue would follow to each page of ``numbers``.

    The queue pages by keyset (``?after=``): the cursor of the last case of the page before,
    found here once, by offset, so the request itself reads the page as a person's would.
    """
    from haven.cases.keyset import FORWARD, Cursor
    from haven.cases.queries import QueueFilter, queue

    cursors = {}
    for number in numbers:
        before = queue(user=advisor, filters=QueueFilter()).order_by(*FORWARD)
        last = before[(number - 1) * 50 - 1 : (number - 1) * 50].first()
        if last is not None:
            cursors[number] = Cursor.of(last).encode()
    return cursors


def linked_cases() -> list[tuple[str, Any]]:
    """Cases to time linked_reports on: the most shared identifier, and one seen a few times."""
    from django.db.models import Count

    from haven.cases.models import Case
    from haven.linking.models import IdentifierIndex

    shared = (
        IdentifierIndex.objects.values("kind", "digest")
        .annotate(n=Count("case", distinct=True))
        .filter(n__gt=1)
        .order_by("-n")
    )
    chosen = []
    for group in [shared.first(), shared.filter(n__gte=4, n__lte=10).first()]:
        if group is None:
            continue
        row = IdentifierIndex.objects.filter(
            kind=group["kind"], digest=group["digest"], case__restricted=False
        ).first()
        if row is not None:
            name = f"linked_reports, identifier in {group['n']} reports"
            chosen.append((name, Case.objects.get(pk=row.case_id)))
    return chosen


def time_linked(case: Any, count: int, warmup: int) -> list[Sample]:
    from django.db import connection

    from haven.linking.services import linked_reports

    samples = []
    queries = [0]

    def counted(execute: Callable[..., Any], *args: Any) -> Any:
        queries[0] += 1
        return execute(*args)

    for i in range(warmup + count):
        queries[0] = 0
        started = time.perf_counter()
        with connection.execute_wrapper(counted):
            linked_reports(case=case)
        took = time.perf_counter() - started
        if i >= warmup:
            samples.append(Sample(took, took, 0.0, queries[0]))
    return samples


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} CPU cores ({model}), "
        f"Python {platform.python_version()}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--port", type=int, default=8011, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--deadline", type=float, default=900, help="stop measuring after this many seconds"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("SMALL", "LARGE"),
        help="print two runs' --json figures side by side (no measuring)",
    )
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return 0
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 1000:
        parser.error("--requests must be 1 to 10000 and --warmup 0 to 1000")
    if not os.environ.get("HAVEN_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set HAVEN_DATABASE_URL to the seeded PostgreSQL database")

    # Run as a script, this file's folder comes first on sys.path, and a file named queue.py
    # there would stand in for the standard library's queue module (logging and psycopg import
    # it). Put the project there instead before anything imports it.
    sys.path[0] = str(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    import django

    django.setup()
    from concurrent.futures import ThreadPoolExecutor

    from django.contrib.auth import get_user_model

    from haven.cases.queries import QueueFilter, queue

    cookies = {
        "nobody": "",
        "advisor": signed_in_cookie(ADVISOR, "advisor"),
        "supervisor": signed_in_cookie(SUPERVISOR, "supervisor"),
    }
    advisor = get_user_model().objects.get(username=ADVISOR)
    first = queue(user=advisor, filters=QueueFilter()).first()
    if first is None:
        raise SystemExit("the database has no open cases: seed it first (manage.py seed_reports)")
    facts = dataset()
    linked = linked_cases()

    log = Path(tempfile.mkstemp(prefix="haven-bench-gunicorn-", suffix=".log")[1])
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "benchmarks.queue:application",
        "--bind",
        f"{HOST}:{args.port}",
        "--workers",
        str(args.workers),
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
    ]
    server = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - fixed command, loopback only
    results: list[dict[str, Any]] = []
    deadline = time.monotonic() + args.deadline
    try:
        wait_for(args.port, 60)
        # A reference typed as a person might: lower case, spaced, no dashes.
        search_for = first.reference.lower().replace("-", "+")
        measured = pages(str(first.pk), search_for, deep_pages(advisor), linked)
        # Each gunicorn worker sets Django up at its first request (about 0.4 s): requests sent
        # side by side reach every worker before anything is timed.
        with ThreadPoolExecutor(args.workers) as pool:
            for _name, path, who in measured:
                side_by_side = [(path, cookies[who])] * (args.workers * 2)
                list(pool.map(lambda page: fetch(args.port, *page), side_by_side))
        for name, path, who in measured:
            samples = []
            for i in range(args.warmup + args.requests):
                if time.monotonic() > deadline:
                    print(f"Deadline reached during {name!r}; stopping.")
                    break
                status, sample, body = fetch(args.port, path, cookies[who])
                # A search that finds the case answers with the way to it.
                if status not in (200, 302):
                    tail = log.read_text()[-2000:]
                    raise SystemExit(f"{path} answered {status}: {body[:300]!r}\n{tail}")
                if i >= args.warmup:
                    samples.append(sample)
            if samples:
                results.append(summary(name, path, samples))
            print(f"  {name}: {len(samples)} requests", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name, case in linked:
        if time.monotonic() > deadline:
            break
        samples = time_linked(case, args.requests, args.warmup)
        results.append(summary(name, "(in process)", samples))

    print()
    print(machine())
    print("Dataset:", json.dumps(facts))
    print()
    with_ratios(results)
    print_table(results)
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine(), "dataset": facts, "results": results}, indent=2)
        )
    log.unlink(missing_ok=True)
    return 0


def summary(name: str, path: str, samples: list[Sample]) -> dict[str, Any]:
    server = [s.server for s in samples]
    client = [s.client for s in samples]
    return {
        "page": name,
        "path": path,
        "n": len(samples),
        "server_p50": statistics.median(server),
        "server_p95": percentile(server, 95),
        "server_max": max(server),
        "client_p50": statistics.median(client),
        "client_p95": percentile(client, 95),
        "db_p50": statistics.median(s.db for s in samples),
        "queries": max(s.queries for s in samples),
    }


def with_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's server p95 as a multiple of the bare baseline's, measured in the same run."""
    bare = next((row["server_p95"] for row in rows if row["page"] == BARE), None)
    for row in rows:
        row["x_bare"] = row["server_p95"] / bare if bare else None
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    headings = (
        "page", "n", "server p50", "p95", "x bare", "max", "client p50", "p95", "db p50", "queries"
    )  # fmt: skip
    lines = [
        (
            row["page"],
            str(row["n"]),
            ms(row["server_p50"]),
            ms(row["server_p95"]),
            f"{row['x_bare']:.2f}" if row.get("x_bare") else "",
            ms(row["server_max"]),
            ms(row["client_p50"]),
            ms(row["client_p95"]),
            ms(row["db_p50"]),
            str(row["queries"]),
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headings)]
    for line in [headings, *lines]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


def compare(small_path: Path, large_path: Path) -> None:
    """Two runs side by side: each page's p95 in ms and as a multiple of the bare view's p95
    in its own run, and the large run's p95 as a multiple of the small run's."""
    small, large = (json.loads(path.read_text()) for path in (small_path, large_path))
    print("small:", small["machine"], "|", small["dataset"].get("reports"), "reports")
    print("large:", large["machine"], "|", large["dataset"].get("reports"), "reports")
    by_page = {row["page"]: row for row in small["results"]}
    headings = ("page", "small p95", "x bare", "large p95", "x bare", "large/small")
    lines = []
    for row in large["results"]:
        other = by_page.get(row["page"])
        if other is None:
            continue
        lines.append(
            (
                row["page"],
                ms(other["server_p95"]),
                f"{other['x_bare']:.2f}" if other.get("x_bare") else "",
                ms(row["server_p95"]),
                f"{row['x_bare']:.2f}" if row.get("x_bare") else "",
                f"{row['server_p95'] / other['server_p95']:.2f}",
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headings)]
    for line in [headings, *lines]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""How much the server spends on taking one report, measured rather than guessed.

Run with ``make bench``. It never touches the developer's database, keys or secrets: each run
works in a temporary folder with a fresh SQLite database and a new key pair. When
HAVEN_DATABASE_URL names a PostgreSQL server, the same measurements run again on a throwaway
database that the benchmark creates on that server (``haven_bench_<pid>``) and drops at the end;
the database named in the URL is only used to connect.

What is measured, one process, one thread, after a warm-up:

- ``followup_verifier``: the HMAC-SHA256 that stores a follow-up code;
- ``reporter_keys``: the reporter's key pair, wrapped under an HKDF-SHA256 key from the code;
- ``seal``: sealing a typical report's answers to the organisation's public key;
- Argon2id with GlobaLeaks' receipt-hashing parameters, for comparison (libsodium through
  PyNaCl, which Haven already depends on, and argon2-cffi when it can be imported; it is not a
  project dependency: ``pip install --target /tmp/haven-argon2 argon2-cffi`` and run with
  ``PYTHONPATH=/tmp/haven-argon2``);
- ``submit_report``: seal, store and audit one report, each from a different client address;
- the HTTP round trip with Django's test client: GET check answers, POST send, GET the
  confirmation page that shows the reference and the follow-up code.

This is a measurement to read, not a test: nothing here passes or fails on a time.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# GlobaLeaks hashes its 16-digit receipt with libsodium's Argon2id at these settings (and derives
# a key from it again, one pass more, for the whistleblower's key pair).
GLOBALEAKS_OPSLIMIT = 16
GLOBALEAKS_MEMLIMIT = 1 << 27  # 128 MiB

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


def sample_answers() -> dict[str, dict[str, Any]]:
    """A parent's complete report, shaped as the journey stores it in the draft."""
    return {
        "danger": {"danger_now": "no"},
        "concern": {"concerns": ["asked_for_images", "threats_or_money", "wants_to_meet"]},
        "what-happened": {"what_happened": WHAT_HAPPENED, "website": ""},
        "when": {"when": "ongoing", "when_date": None},
        "where": {
            "platforms": [
                {"platform": "ExampleGame", "usernames": "@example_player_15\nexample_player"},
                {"platform": "ExampleChat", "usernames": "example.person"},
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
            "person_names": "Sam\n@example_player_15",
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
    """A distinct client address per submission, so the rate limit never refuses one."""
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


def measure_crypto(count: int) -> list[dict[str, Any]]:
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


def measure_database(count: int) -> list[dict[str, Any]]:
    from django.http import HttpResponse
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from haven.reporting import drafts, services
    from haven.reporting.models import Report

    answers = sample_answers()
    numbers = itertools.count(1)

    def submit() -> None:
        n = next(numbers)
        receipt = services.submit_report(
            audience="parent",
            answers=answers,
            submission_key=f"bench-submit-{n}",
            received_at=timezone.now(),
            client_bucket=services.client_bucket(address(n), ""),
        )
        assert receipt.followup_code is not None

    results = [summarise("submit_report", timed(submit, count=count, warmup=20))]

    client = Client()
    check_url, send_url, sent_url = (
        reverse("reporting:check_answers"),
        reverse("reporting:send"),
        reverse("reporting:sent"),
    )
    samples: dict[str, list[float]] = {"check": [], "send": [], "sent": []}
    for i in range(count + 20):
        # A finished draft, made directly: only the last three requests of the journey are timed.
        draft = drafts.start()
        draft.created_at = timezone.now() - datetime.timedelta(minutes=10)
        draft.data = {"audience": "parent", "answers": copy.deepcopy(answers)}
        drafts.save(draft)
        carrier = HttpResponse()
        drafts.set_cookie(carrier, draft)
        client.cookies[drafts.COOKIE] = carrier.cookies[drafts.COOKIE].value
        n = next(numbers)

        start = time.perf_counter()
        page = client.get(check_url)
        checked = time.perf_counter()
        sent = client.post(send_url, REMOTE_ADDR=address(n))
        posted = time.perf_counter()
        confirmation = client.get(sent_url)
        shown = time.perf_counter()

        assert page.status_code == 200, page.status_code
        assert sent.status_code == 302 and sent["Location"] == sent_url, sent.status_code
        assert confirmation.status_code == 200, confirmation.status_code
        assert b'id="followup-code"' in confirmation.content
        if i >= 20:
            samples["check"].append(checked - start)
            samples["send"].append(posted - checked)
            samples["sent"].append(shown - posted)
    results += [
        summarise("HTTP GET check answers", samples["check"]),
        summarise("HTTP POST send (submit_report inside)", samples["send"]),
        summarise("HTTP GET confirmation page", samples["sent"]),
        summarise(
            "HTTP check answers -> send -> confirmation",
            [
                a + b + c
                for a, b, c in zip(samples["check"], samples["send"], samples["sent"], strict=True)
            ],
        ),
    ]
    expected = 2 * (count + 20)
    assert Report.objects.count() == expected, (Report.objects.count(), expected)
    return results


def run_backend(backend: str, count: int, crypto: bool, out: Path) -> None:
    """In a child process: set Django up on a fresh database, measure, write JSON to ``out``."""
    work = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    os.environ["HAVEN_ENV"] = "test"
    os.environ["HAVEN_VAR_DIR"] = str(work / "var")
    os.environ["HAVEN_KEY_DIR"] = str(work / "keys")
    os.environ["HAVEN_SQLITE_PATH"] = str(work / "bench.sqlite3")
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
        results = measure_crypto(count) if crypto else []
        for row in results:
            row["database"] = "-"
        for row in measure_database(count):
            row["database"] = version
            results.append(row)
    finally:
        if backend != "sqlite":
            connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)
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


def print_table(rows: list[dict[str, Any]]) -> None:
    headings = ("operation", "database", "n", "per second", "p50", "p95")
    lines = [
        (
            row["name"],
            row["database"],
            str(row["n"]),
            f"{row['per_second']:,.1f}",
            duration(row["p50"]),
            duration(row["p95"]),
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headings)]
    print(
        "  ".join(
            h.ljust(w) if i < 2 else h.rjust(w)
            for i, (h, w) in enumerate(zip(headings, widths, strict=True))
        )
    )
    for line in lines:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=500, help="timed submissions (default 500)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--crypto", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        run_backend(args.backend, args.count, args.crypto, args.out)
        return 0

    # Settings are read once per process, so each database is measured in a child of its own.
    backends = ["sqlite"]
    if os.environ.get("HAVEN_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append("postgresql")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="haven-bench-out-") as tmp:
        for backend in backends:
            out = Path(tmp) / f"{backend}.json"
            print(f"Measuring on {backend} ({args.count} submissions)...", flush=True)
            command = [sys.executable, __file__, "--backend", backend, "--count", str(args.count)]
            if backend == "sqlite":
                command.append("--crypto")
            # The command is this script and its own arguments; nothing comes from outside.
            subprocess.run([*command, "--out", str(out)], check=True, cwd=ROOT)  # noqa: S603
            rows += json.loads(out.read_text())
    print()
    print(machine())
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

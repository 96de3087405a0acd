#!/usr/bin/env python3
"""What writing a signed checkpoint after each audit append costs, measured rather than guessed.

    HAVEN_ENV=test .venv/bin/python benchmarks/audit_checkpoint.py
    HAVEN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        HAVEN_ENV=test .venv/bin/python benchmarks/audit_checkpoint.py   # SQLite, then PostgreSQL

Like ``benchmarks/submission.py`` it works in a temporary folder with a fresh SQLite database
(and, with HAVEN_DATABASE_URL, a throwaway PostgreSQL database ``haven_bench_<pid>``), each in
a child process of its own. Measured, one process, one thread, after a warm-up:

- signing one checkpoint line (HMAC-SHA256) and appending it (O_APPEND, one write, no fsync);
- ``record_event`` committed in a transaction of its own, and ten ``record_event`` in one
  transaction (as a bulk close appends many), each with the commit's one checkpoint
  (``HAVEN_AUDIT_CHECKPOINT_EVERY=1``, the default) and with none (``0``);
- ``verify_chain`` over all the events written, against the checkpoint file.

This is a measurement to read, not a test: nothing here passes or fails on a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This folder's queue.py would hide the standard library's queue module from Django.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
# The table and the timing helpers are submission.py's.
_spec = importlib.util.spec_from_file_location("haven_bench_submission", HERE / "submission.py")
assert _spec is not None and _spec.loader is not None
_submission = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_submission)
bench_database, machine, print_table, summarise, timed = (
    _submission.bench_database,
    _submission.machine,
    _submission.print_table,
    _submission.summarise,
    _submission.timed,
)


def measure(count: int) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from haven.audit import checkpoints
    from haven.audit.actions import Action
    from haven.audit.checkpoints import Checkpoint
    from haven.audit.services import record_event, verify_chain

    key = checkpoints.key()
    scratch = Path(settings.VAR_DIR) / "bench-lines.log"
    line = Checkpoint(seq=1, hash="a" * 64, at=timezone.now())
    results = [
        summarise(
            "sign + append one checkpoint line",
            timed(
                lambda: checkpoints.append(checkpoints.sign(line, key=key), path=scratch),
                count=count * 10,
                warmup=100,
            ),
        )
    ]

    def append() -> None:
        with transaction.atomic():
            record_event(action=Action.AUDIT_SEARCHED, detail={"n": 1})

    def append_ten() -> None:
        with transaction.atomic():
            for n in range(10):
                record_event(action=Action.AUDIT_SEARCHED, detail={"n": n})

    for every in (0, 1):
        settings.HAVEN_AUDIT_CHECKPOINT_EVERY = every
        after = "a checkpoint after it" if every else "no checkpoint"
        results.append(
            summarise(f"record_event + commit, {after}", timed(append, count=count, warmup=20))
        )
        results.append(
            summarise(
                f"10 record_event + one commit, {after}",
                timed(append_ten, count=max(1, count // 10), warmup=5),
            )
        )
    start = time.perf_counter()
    check = verify_chain()
    elapsed = time.perf_counter() - start
    assert check.ok, check
    results.append(
        {
            "name": f"verify_chain, {check.events} events, {check.checkpoints} checkpoints",
            "n": 1,
            "per_second": 1 / elapsed,
            "p50": elapsed,
            "p95": elapsed,
        }
    )
    return results


def run_backend(backend: str, count: int, out: Path) -> None:
    with bench_database(backend) as (version, _work):
        results = measure(count)
        for row in results:
            row["database"] = version
    out.write_text(json.dumps(results))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1000, help="timed appends (default 1000)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        run_backend(args.backend, args.count, args.out)
        return 0
    backends = ["sqlite"]
    if os.environ.get("HAVEN_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append("postgresql")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="haven-bench-out-") as tmp:
        for backend in backends:
            out = Path(tmp) / f"{backend}.json"
            print(f"Measuring on {backend} ({args.count} appends)...", flush=True)
            command = [sys.executable, __file__, "--backend", backend, "--count", str(args.count)]
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

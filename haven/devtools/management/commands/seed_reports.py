from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.devtools.seeding import seed_reports
from haven.sealing.keystore import KeyUnavailable


class Command(BaseCommand):
    help = (
        "Store N synthetic reports, sealed and triaged like real ones, each with a case: "
        "for measuring the staff side at scale. Refused in production unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many reports")
        parser.add_argument(
            "--batch", type=int, default=5000, help="reports per transaction (default 5000)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes building batches, PostgreSQL only (default: one per CPU core)",
        )
        parser.add_argument(
            "--months", type=int, default=6, help="spread received times over this many months"
        )
        parser.add_argument(
            "--force", action="store_true", help="run even when HAVEN_ENV is production"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.HAVEN_ENV == "production" and not options["force"]:
            raise CommandError(
                "HAVEN_ENV is production: synthetic reports would mix with real ones. "
                "Use --force only on a database that holds no real reports."
            )
        count: int = options["count"]
        if count < 1 or options["batch"] < 1 or options["workers"] < 1 or options["months"] < 1:
            raise CommandError("count, --batch, --workers and --months must be 1 or more")
        started = time.monotonic()
        step = max(options["batch"], count // 20)
        shown = [0]

        def progress(done: int) -> None:
            if done - shown[0] >= step or done == count:
                shown[0] = done
                rate = done / max(time.monotonic() - started, 1e-9)
                self.stdout.write(f"  {done:,} of {count:,} ({rate:,.0f} a second)")
                self.stdout.flush()

        try:
            done = seed_reports(
                count=count,
                batch=options["batch"],
                workers=options["workers"],
                months=options["months"],
                progress=progress if options["verbosity"] > 0 else None,
            )
        except KeyUnavailable as exc:
            raise CommandError(f"Cannot seal: {exc}") from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {done:,} reports with their cases in {elapsed:,.1f} s.")
        )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.reporting.tasks import schedule_purge


class Command(BaseCommand):
    help = (
        "Start the background work that repeats (the purge of idle drafts) unless it is already "
        "waiting. Run once at each deployment; manage.py db_worker runs it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = schedule_purge()
        self.stdout.write(
            "The purge of idle drafts is enqueued."
            if started
            else "The purge of idle drafts is already waiting."
        )

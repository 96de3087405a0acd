"""The public side's background work: deleting the drafts, and the visits of reporters checking
on a report, that have been idle too long.

The purge runs every ``HAVEN_DRAFT_PURGE_SECONDS`` on the worker (``manage.py db_worker``):
each run enqueues the next, and ``schedule_purge`` (``manage.py start_scheduled_tasks``, which
``make run`` and a deployment run once) starts the round if none is waiting.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from haven.reporting import checking, drafts


@task()
def purge_expired_drafts() -> int:
    """Delete the drafts idle for longer than HAVEN_DRAFT_IDLE_SECONDS, and the visits of
    reporters checking on a report idle for longer than HAVEN_CHECK_IDLE_SECONDS; then wait
    for the next round. How many of each were deleted."""
    deleted = drafts.purge_expired() + checking.purge_expired()
    schedule_purge(next_round=True)
    return deleted


def schedule_purge(*, next_round: bool = False) -> bool:
    """Enqueue a purge, unless one is already waiting: at once, or (``next_round``) after
    HAVEN_DRAFT_PURGE_SECONDS. Whether one was enqueued."""
    waiting = DBTaskResult.objects.filter(
        task_path=purge_expired_drafts.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    if next_round:
        later = timezone.now() + timedelta(seconds=settings.HAVEN_DRAFT_PURGE_SECONDS)
        purge_expired_drafts.using(run_after=later).enqueue()
    else:
        purge_expired_drafts.enqueue()
    return True

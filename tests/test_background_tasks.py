"""Background work on django-tasks with the database backend: the purge of idle drafts.

The task is a row written in the caller's transaction; the worker (``db_worker``) runs it; each
run enqueues the next, and only one waits at a time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haven.reporting import drafts
from haven.reporting.models import Draft
from haven.reporting.tasks import purge_expired_drafts, schedule_purge

PATH = "haven.reporting.tasks.purge_expired_drafts"


def waiting() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=PATH, status=TaskResultStatus.READY))


def idle_and_fresh_drafts() -> tuple[str, str]:
    old, new = drafts.start(), drafts.start()
    drafts.save(old)
    drafts.save(new)
    Draft.objects.filter(pk=old.id).update(updated_at=timezone.now() - timedelta(days=1))
    return old.id, new.id


@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_idle_drafts_and_waits_for_the_next_round(settings):
    settings.HAVEN_DRAFT_PURGE_SECONDS = 300
    old, new = idle_and_fresh_drafts()
    assert schedule_purge() is True
    assert len(waiting()) == 1

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    assert not Draft.objects.filter(pk=old).exists()
    assert Draft.objects.filter(pk=new).exists()
    done = DBTaskResult.objects.get(task_path=PATH, status=TaskResultStatus.SUCCESSFUL)
    assert done.return_value == 1
    assert done.args_kwargs == {"args": [], "kwargs": {}}  # nothing of anyone in the row
    (following,) = waiting()
    due = (following.run_after - timezone.now()).total_seconds()
    assert 290 < due <= 300


@pytest.mark.django_db
def test_only_one_purge_waits_at_a_time():
    assert schedule_purge() is True
    assert schedule_purge() is False
    assert schedule_purge(next_round=True) is False
    assert len(waiting()) == 1


@pytest.mark.django_db
def test_starting_the_schedule_twice_is_harmless(capsys):
    call_command("start_scheduled_tasks")
    call_command("start_scheduled_tasks")
    out = capsys.readouterr().out
    assert "The purge of idle drafts is enqueued." in out
    assert "The purge of idle drafts is already waiting." in out
    assert len(waiting()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_transaction_that_rolls_back_is_never_run():
    with pytest.raises(RuntimeError), transaction.atomic():
        purge_expired_drafts.enqueue()
        assert len(waiting()) == 1
        raise RuntimeError("the change that needed it failed")
    assert waiting() == []

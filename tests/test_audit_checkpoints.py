"""Signed checkpoints of the audit chain's head: when they are written, and how verify reads them."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import transaction

from haven.audit import checkpoints
from haven.audit.actions import Action
from haven.audit.checkpoints import Checkpoint
from haven.audit.services import record_event, verify_chain

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 11, 28, 8, 24, 0, 123456, tzinfo=UTC)

# Any registered action: these tests are about the chain, not the kind of event.
EVENT = Action.AUDIT_SEARCHED


def appended(count: int, capture: Callable[..., Any]) -> list[Any]:
    events = []
    for n in range(count):
        with capture(execute=True):
            events.append(record_event(action=EVENT, detail={"n": n}))
    return events


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def manage(*args: str) -> tuple[int, str, str]:
    """Run a command as ``manage.py`` does, in this process (the test database is here)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            execute_from_command_line(["manage.py", *args])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


# --- The line ----------------------------------------------------------------------------------


def test_a_checkpoint_line_names_the_event_its_hash_and_the_time_under_an_hmac():
    line = checkpoints.sign(Checkpoint(seq=42, hash="a" * 64, at=AT), key=b"k" * 32)

    body = f"haven-audit-checkpoint v1 seq=42 hash={'a' * 64} at=2026-11-28T08:24:00.123456Z"
    assert line.startswith(body + " mac=")
    assert len(line) == len(body) + len(" mac=") + 64
    assert checkpoints.parse(line, key=b"k" * 32) == Checkpoint(seq=42, hash="a" * 64, at=AT)


def test_a_line_signed_with_another_key_is_refused():
    line = checkpoints.sign(Checkpoint(seq=42, hash="a" * 64, at=AT), key=b"x" * 32)

    with pytest.raises(checkpoints.NotACheckpoint, match="signature does not match"):
        checkpoints.parse(line, key=b"k" * 32)


def test_a_line_inside_a_syslog_record_is_still_read():
    line = checkpoints.sign(Checkpoint(seq=7, hash="b" * 64, at=AT), key=b"k" * 32)

    record = f"Nov 28 08:24:01 web1 haven[812]: {line}"

    assert checkpoints.parse(record, key=b"k" * 32).seq == 7


# --- Writing -----------------------------------------------------------------------------------


def test_each_committed_append_writes_a_checkpoint_of_it(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    events = appended(3, django_capture_on_commit_callbacks)

    key = checkpoints.key()
    written = [checkpoints.parse(line, key=key) for line in lines_of(audit_checkpoint_file)]
    assert [(c.seq, c.hash) for c in written] == [(e.seq, e.hash) for e in events]


def test_an_append_that_is_rolled_back_writes_no_checkpoint(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    with django_capture_on_commit_callbacks(execute=True), contextlib.suppress(RuntimeError):
        with transaction.atomic():
            record_event(action=EVENT)
            raise RuntimeError("the action failed")

    assert not audit_checkpoint_file.exists()


def written(path: Path) -> list[tuple[int, str]]:
    key = checkpoints.key()
    return [(c.seq, c.hash) for c in (checkpoints.parse(line, key=key) for line in lines_of(path))]


def test_a_commit_of_many_events_writes_one_checkpoint_of_the_newest(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            events = [record_event(action=EVENT, detail={"n": n}) for n in range(5)]

    assert written(audit_checkpoint_file) == [(5, events[-1].hash)]
    assert len(callbacks) == 1


def test_events_in_nested_blocks_are_anchored_by_one_checkpoint_of_the_newest(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_event(action=Action.REPORT_RECEIVED)
        with transaction.atomic():
            record_event(action=Action.CASE_OPENED)
            with transaction.atomic():
                record_event(action=Action.CASE_LINKED)
        newest = record_event(action=Action.CASE_IDENTIFIER_MATCH)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_event(action=Action.REPORT_RECEIVED)
        with transaction.atomic():
            inner = record_event(action=Action.CASE_OPENED)

    assert written(audit_checkpoint_file) == [(4, newest.hash), (6, inner.hash)]


def test_an_event_rolled_back_with_its_savepoint_is_never_anchored(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = record_event(action=EVENT)
        with contextlib.suppress(RuntimeError), transaction.atomic():
            record_event(action=EVENT)
            raise RuntimeError("the inner action failed")

    assert written(audit_checkpoint_file) == [(1, kept.hash)]


def test_an_event_after_a_rolled_back_savepoint_is_anchored(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            record_event(action=EVENT)
            raise RuntimeError("the first action failed")
        first = record_event(action=EVENT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_event(action=EVENT)
        with contextlib.suppress(RuntimeError), transaction.atomic():
            record_event(action=EVENT)
            raise RuntimeError("the inner action failed")
        newest = record_event(action=EVENT)

    assert written(audit_checkpoint_file) == [(1, first.hash), (3, newest.hash)]


def test_a_transaction_rolled_back_with_nested_events_writes_nothing(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    with django_capture_on_commit_callbacks(execute=True), contextlib.suppress(RuntimeError):
        with transaction.atomic():
            record_event(action=EVENT)
            with transaction.atomic():
                record_event(action=EVENT)
            raise RuntimeError("the action failed")
    assert not audit_checkpoint_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        after = record_event(action=EVENT)

    assert written(audit_checkpoint_file) == [(1, after.hash)]


@pytest.mark.django_db(transaction=True)
def test_real_commits_write_one_checkpoint_each_and_a_rollback_none(audit_checkpoint_file):
    """As in production: committed to the database, Django running the callbacks itself."""
    with transaction.atomic():
        record_event(action=EVENT)
        with transaction.atomic():
            newest = record_event(action=EVENT)
        with contextlib.suppress(RuntimeError), transaction.atomic():
            record_event(action=EVENT)
            raise RuntimeError("the inner action failed")
    with contextlib.suppress(RuntimeError), transaction.atomic():
        record_event(action=EVENT)
        with transaction.atomic():
            record_event(action=EVENT)
        raise RuntimeError("the action failed")
    alone = record_event(action=EVENT)  # no transaction around it: its own

    assert written(audit_checkpoint_file) == [(2, newest.hash), (3, alone.hash)]
    assert verify_chain().ok


def test_every_n_a_commit_that_crosses_a_multiple_of_n_writes_its_newest(
    django_capture_on_commit_callbacks, audit_checkpoint_file, settings
):
    settings.HAVEN_AUDIT_CHECKPOINT_EVERY = 3

    for size in (2, 2, 1, 4):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for _ in range(size):
                record_event(action=EVENT)

    assert [seq for seq, _hash in written(audit_checkpoint_file)] == [4, 9]


def test_checkpoints_can_be_written_every_n_events(
    django_capture_on_commit_callbacks, audit_checkpoint_file, settings
):
    settings.HAVEN_AUDIT_CHECKPOINT_EVERY = 3

    appended(7, django_capture_on_commit_callbacks)

    key = checkpoints.key()
    seqs = [checkpoints.parse(line, key=key).seq for line in lines_of(audit_checkpoint_file)]
    assert seqs == [3, 6]


def test_every_zero_leaves_checkpoints_to_the_command(
    django_capture_on_commit_callbacks, audit_checkpoint_file, settings
):
    settings.HAVEN_AUDIT_CHECKPOINT_EVERY = 0
    events = appended(2, django_capture_on_commit_callbacks)
    assert not audit_checkpoint_file.exists()

    code, out, err = manage("checkpoint_audit_chain")

    assert (code, err) == (0, "")
    assert out == "Checkpoint written: the chain's head is event 2.\n"
    [line] = lines_of(audit_checkpoint_file)
    written = checkpoints.parse(line, key=checkpoints.key())
    assert (written.seq, written.hash) == (2, events[1].hash)


def test_the_command_writes_nothing_when_the_head_has_not_moved(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    appended(2, django_capture_on_commit_callbacks)

    code, out, _err = manage("checkpoint_audit_chain")

    assert code == 0
    assert out == "Checkpoint already current: the chain's head is event 2.\n"
    assert len(lines_of(audit_checkpoint_file)) == 2


def test_the_command_has_nothing_to_anchor_in_an_empty_chain(audit_checkpoint_file):
    code, out, _err = manage("checkpoint_audit_chain")

    assert code == 0
    assert out == "No checkpoint written: the audit chain is empty.\n"
    assert not audit_checkpoint_file.exists()


def test_checkpoints_are_appended_after_what_the_file_already_holds(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    audit_checkpoint_file.write_text("kept\n")

    appended(1, django_capture_on_commit_callbacks)

    lines = lines_of(audit_checkpoint_file)
    assert lines[0] == "kept"
    assert checkpoints.parse(lines[1], key=checkpoints.key()).seq == 1


def test_the_file_is_opened_for_appending_only(monkeypatch, tmp_path):
    flags_seen: list[int] = []
    real_open = os.open

    def spy(path: Any, flags: int, *args: Any) -> int:
        flags_seen.append(flags)
        return real_open(path, flags, *args)

    monkeypatch.setattr(checkpoints.os, "open", spy)

    checkpoints.append("a line", path=tmp_path / "c.log")

    [flags] = flags_seen
    assert flags & os.O_APPEND
    assert not flags & os.O_TRUNC
    assert (tmp_path / "c.log").read_text() == "a line\n"


def test_a_checkpoint_that_cannot_be_written_does_not_undo_the_action(
    django_capture_on_commit_callbacks, settings, tmp_path, caplog
):
    settings.HAVEN_AUDIT_CHECKPOINT_FILE = tmp_path / "no such folder" / "c.log"

    with caplog.at_level(logging.ERROR, logger="haven.audit"):
        [event] = appended(1, django_capture_on_commit_callbacks)

    assert event.seq == 1
    assert "audit checkpoint of event 1 not written" in caplog.text


# --- Verifying ---------------------------------------------------------------------------------


def test_verify_reports_the_checkpoints_it_checked(django_capture_on_commit_callbacks):
    appended(3, django_capture_on_commit_callbacks)

    code, out, err = manage("verify_audit_chain")

    assert (code, err) == (0, "")
    assert out == (
        "Audit chain intact: 3 events verified.\n"
        "Checkpoints: 3 match the chain; the newest anchors event 3.\n"
    )


def test_verify_reports_a_forged_checkpoint_line(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    appended(2, django_capture_on_commit_callbacks)
    forged = checkpoints.sign(Checkpoint(seq=9, hash="c" * 64, at=AT), key=b"not the key" * 3)
    checkpoints.append(forged, path=audit_checkpoint_file)

    code, out, err = manage("verify_audit_chain")

    assert code == 1
    assert out == ""
    assert "Audit chain intact: 2 events verified." in err
    assert (
        f"Checkpoint file {audit_checkpoint_file}, line 3: its signature does not match "
        "(forged, altered, or signed with another key)." in err
    )
    assert "removed" not in err  # a forged line is not taken for a real checkpoint


def test_verify_reports_an_altered_checkpoint_line(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    appended(2, django_capture_on_commit_callbacks)
    first, second = lines_of(audit_checkpoint_file)
    audit_checkpoint_file.write_text(first + "\n" + second.replace("seq=2", "seq=1") + "\n")

    check = verify_chain()

    assert not check.ok
    assert check.checkpoint_problems == (
        f"Checkpoint file {audit_checkpoint_file}, line 2: its signature does not match "
        "(forged, altered, or signed with another key).",
    )


def test_verify_reports_a_line_that_is_not_a_checkpoint(
    django_capture_on_commit_callbacks, audit_checkpoint_file
):
    appended(1, django_capture_on_commit_callbacks)
    checkpoints.append("seq=1 hash=whatever", path=audit_checkpoint_file)

    check = verify_chain()

    assert check.checkpoint_problems == (
        f"Checkpoint file {audit_checkpoint_file}, line 2: it is not a checkpoint.",
    )


def test_verify_warns_when_nothing_anchors_the_chain(audit_checkpoint_file):
    record_event(action=EVENT)  # never committed, so never checkpointed

    code, out, err = manage("verify_audit_chain")

    assert code == 0
    assert out == "Audit chain intact: 1 events verified.\n"
    assert err.startswith(f"Warning: there is no checkpoint file at {audit_checkpoint_file}.")
    assert "removing the newest events would not be detected" in err
    assert "checkpoint_audit_chain" in err
    assert "chattr +a" in err


def test_verify_can_read_a_copy_of_the_checkpoints_from_elsewhere(
    django_capture_on_commit_callbacks, audit_checkpoint_file, tmp_path
):
    appended(3, django_capture_on_commit_callbacks)
    copy = tmp_path / "from-the-log-server.log"
    copy.write_text(
        "".join(f"Nov 28 web1 haven: {line}\n" for line in lines_of(audit_checkpoint_file))
    )
    audit_checkpoint_file.unlink()

    code, out, _err = manage("verify_audit_chain", "--checkpoint-file", str(copy))

    assert code == 0
    assert out.endswith("Checkpoints: 3 match the chain; the newest anchors event 3.\n")


# --- The key -----------------------------------------------------------------------------------


def test_production_refuses_to_start_without_the_checkpoint_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    for name in (
        "HAVEN_SECRET_KEY",
        "HAVEN_RECEIPT_KEY",
        "HAVEN_RATE_LIMIT_KEY",
        "HAVEN_INDEX_KEY",
    ):
        env[name] = f"{name}-0123456789abcdef0123456789abcdef"
    env.update(HAVEN_ENV="production", HAVEN_VAR_DIR=str(tmp_path), HAVEN_ALLOWED_HOSTS="x.example")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert (
        "HAVEN_AUDIT_CHECKPOINT_KEY (or HAVEN_AUDIT_CHECKPOINT_KEY_FILE) must be set in production"
        in result.stderr
    )


def test_a_short_checkpoint_key_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    env.update(HAVEN_ENV="test", HAVEN_VAR_DIR=str(tmp_path), HAVEN_AUDIT_CHECKPOINT_KEY="short")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "HAVEN_AUDIT_CHECKPOINT_KEY must be at least 32 characters" in result.stderr


@pytest.mark.parametrize("command", ["checkpoint_audit_chain", "verify_audit_chain"])
def test_the_commands_say_clearly_when_the_key_is_missing(command, settings):
    settings.HAVEN_AUDIT_CHECKPOINT_KEY = ""
    record_event(action=EVENT)

    with pytest.raises(CommandError) as failure:
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())

    assert str(failure.value).startswith("HAVEN_AUDIT_CHECKPOINT_KEY is not set")


def test_verify_reports_a_checkpoint_file_it_cannot_read(tmp_path):
    record_event(action=EVENT)
    folder = tmp_path / "a folder, not a file"
    folder.mkdir()

    check = verify_chain(checkpoint_file=folder)

    assert not check.ok
    [problem] = check.checkpoint_problems
    assert problem.startswith(f"Checkpoint file {folder} cannot be read: ")

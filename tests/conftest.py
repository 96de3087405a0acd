"""Shared fixtures: sealing keys in a temporary folder, users, and a journey walker."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from haven.sealing.keystore import FileKeyStore
from tests.journey import Journey

# `make test` runs `pytest -n auto`: one pytest-xdist worker per core this process may use, and
# no more than this. Each worker has a fixed cost (its own test database, migrated, and its own
# Chromium for the browser tests), which more workers than cores would only add to.
MOST_WORKERS = 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own override of "auto" wins
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MOST_WORKERS))


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, settings: Any) -> Path:
    """A fresh key pair for every test; the private half sits beside the public one."""
    directory = tmp_path / "keys"
    settings.HAVEN_KEY_DIR = directory
    FileKeyStore(directory).create()
    return directory


@pytest.fixture(autouse=True)
def audit_checkpoint_file(tmp_path: Path, settings: Any) -> Path:
    """Each test its own checkpoint file: a flushed test database starts a new audit chain."""
    path = tmp_path / "audit-checkpoints.log"
    settings.HAVEN_AUDIT_CHECKPOINT_FILE = path
    return path


@pytest.fixture(autouse=True, scope="session")
def flushes_lift_the_audit_triggers() -> Iterator[None]:
    """Let pytest-django empty a PostgreSQL test database, whose audit tables refuse TRUNCATE.

    Only a superuser may set ``session_replication_role``, as the tests' ``postgres`` user is;
    the application's role could not, so this is no way around the triggers in production.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: DatabaseOperations, sql_list: list[str]) -> None:
        # SET LOCAL: the flush runs in its own transaction, and the setting ends with it.
        original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


@pytest.fixture(autouse=True)
def jinja_context_for_the_test_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let ``response.context`` show what a Jinja2 page was rendered with, as it does for DTL."""
    from django.template.backends import jinja2 as backend
    from django.test.signals import template_rendered

    original = backend.Template.render

    def render(self: Any, context: Any = None, request: Any = None) -> Any:
        template_rendered.send(sender=self, template=self, context=dict(context or {}))
        return original(self, context, request)

    monkeypatch.setattr(backend.Template, "render", render)


@pytest.fixture(autouse=True)
def quick_humans(settings: Any) -> None:
    """Tests fill the form faster than any person; the minimum fill time has its own tests."""
    settings.HAVEN_MIN_FILL_SECONDS = 0


@pytest.fixture
def public_only_keys(key_dir: Path) -> Path:
    """Remove the private halves, as on a server that only takes reports."""
    for private in key_dir.glob("*.private"):
        private.unlink()
    return key_dir


@pytest.fixture
def journey(client: Client, db: None) -> Journey:
    return Journey(client)


@pytest.fixture
def staff_user(db: None) -> Any:
    from tests.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def staff_client(staff_user: Any) -> Iterator[Client]:
    """Signed in as ``staff_user`` (an advisor), with the second factor passed."""
    from tests.factories import verified_client

    yield verified_client(staff_user)


def text_of(response: Any) -> str:
    """The page's visible text, roughly: tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()

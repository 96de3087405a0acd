"""Migration cases 0005: who owns a safety action goes from a plaintext column to a sealed one.

Sealing needs only the current public key; with safety actions stored and no current key, the
migration stops with a message that says what to do, and changes nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from haven.cases import services
from haven.cases.models import SafetyAction
from tests.factories import StaffUserFactory, submitted_case

BEFORE = [("cases", "0004_case_many_from_network")]
AFTER = [("cases", "0005_seal_safety_action_owner")]


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def plaintext_owners() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner FROM cases_safetyaction ORDER BY id")
        return [owner for (owner,) in cursor.fetchall()]


@pytest.fixture
def actions(transactional_db: None) -> Iterator[list[SafetyAction]]:
    advisor = StaffUserFactory()
    case = submitted_case()
    made = [
        services.add_safety_action(
            case=case, by=advisor, action=f"Act {n}", owner=owner, due_on=None
        )
        for n, owner in enumerate(["The school's DSL", "Parent"])
    ]
    yield made
    # Leave the schema as every other test expects it: the latest.
    # Every app's latest: stepping cases back also stepped back what depends on it (linking).
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_going_back_opens_the_owners_and_coming_forward_seals_them_again(actions):
    migrate(BEFORE)
    assert plaintext_owners() == ["The school's DSL", "Parent"]

    migrate(AFTER)

    for item, owner in zip(actions, ["The school's DSL", "Parent"], strict=True):
        stored = SafetyAction.objects.get(pk=item.pk)
        assert owner.encode() not in bytes(stored.owner_sealed)
        assert services.open_text(item.case, stored.owner_key_id, stored.owner_sealed) == owner
        # The action's own text is untouched.
        assert (
            services.open_text(item.case, stored.key_id, stored.sealed)
            == f"Act {actions.index(item)}"
        )


def test_sealing_the_owners_needs_only_the_public_key(actions, key_dir: Path):
    migrate(BEFORE)
    for private in key_dir.glob("*.private"):
        private.unlink()

    migrate(AFTER)

    stored = SafetyAction.objects.order_by("pk").first()
    assert stored is not None and stored.owner_sealed


def test_without_a_current_key_the_migration_stops_and_says_what_to_do(
    actions, key_dir: Path, tmp_path: Path, settings: Any
):
    migrate(BEFORE)
    settings.HAVEN_KEY_DIR = tmp_path / "no-keys-here"

    with pytest.raises(RuntimeError, match="2 safety actions name their owner in plain text"):
        migrate(AFTER)

    assert plaintext_owners() == ["The school's DSL", "Parent"]
    settings.HAVEN_KEY_DIR = key_dir
    shutil.rmtree(tmp_path / "no-keys-here", ignore_errors=True)

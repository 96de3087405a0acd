"""Audit action names come from one registry, haven.audit.actions.Action, and nowhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from haven.accounts.roles import KNOWN as PERMISSIONS
from haven.audit.actions import Action, UnknownAction
from haven.audit.models import AuditEvent
from haven.audit.services import record_event, verify_chain

HAVEN = Path(__file__).resolve().parent.parent / "haven"
REGISTRY = HAVEN / "audit" / "actions.py"
NAMESPACES = {name.partition(".")[0] for name in Action.values}
# "<namespace>.<word>", the shape of every action name; permissions share it ("cases.view").
ACTION_LIKE = re.compile(rf"(?:{'|'.join(sorted(NAMESPACES))})\.[a-z_]+")


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(HAVEN.rglob("*.py"))
        if "migrations" not in path.parts and path != REGISTRY
    ]


@pytest.mark.django_db
def test_it_refuses_an_action_that_is_not_in_the_registry_and_writes_nothing():
    with pytest.raises(UnknownAction, match=r"add it to haven\.audit\.actions\.Action"):
        record_event(action="case.made_up")  # type: ignore[arg-type]

    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_it_stores_a_registered_action_under_its_name_unchanged():
    event = record_event(action=Action.REPORT_RECEIVED)
    stored = AuditEvent.objects.get(pk=event.pk)

    assert (type(stored.action), stored.action) == (str, "report.received")
    assert verify_chain().ok


def test_every_action_name_is_the_shape_the_audit_page_groups_by():
    assert [name for name in Action.values if not ACTION_LIKE.fullmatch(name)] == []
    assert set(Action.values).isdisjoint(PERMISSIONS)


def test_no_app_writes_an_action_name_as_a_string():
    found = [
        f"{path.relative_to(HAVEN.parent)}:{line}: {value!r}"
        for path in _sources()
        for line, value in _literals(path)
        if value in Action.values or (ACTION_LIKE.fullmatch(value) and value not in PERMISSIONS)
    ]

    assert found == [], "use haven.audit.actions.Action instead of these strings"


def test_no_template_names_an_action():
    found = [
        f"{path.relative_to(HAVEN.parent)}: {name}"
        for path in sorted(HAVEN.rglob("*.html"))
        for name in Action.values
        if re.search(rf"[\"']{re.escape(name)}[\"']", path.read_text())
    ]

    assert found == []

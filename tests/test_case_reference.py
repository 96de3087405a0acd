"""Finding a case reference in what someone typed: forgiving of case, spaces and dashes."""

from __future__ import annotations

import pytest
from django.test import override_settings

from haven.cases.queries import find_reference


@pytest.mark.parametrize(
    "typed",
    [
        "HVN-3QMQ-3RHH",
        "hvn-3qmq-3rhh",
        "hvn 3qmq 3rhh",
        "HVN3QMQ3RHH",
        "  HVN - 3QMQ - 3RHH  ",
        "3QMQ-3RHH",
        "3qmq3rhh",
        "hvn\t3qmq\n3rhh",
    ],
)
def test_forgiving_forms_give_the_canonical_reference(typed: str) -> None:
    assert find_reference(typed) == "HVN-3QMQ-3RHH"


def test_crockford_look_alikes_in_the_body_are_forgiven() -> None:
    assert find_reference("hvn-o0il-1111") == "HVN-0011-1111"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "HVN",
        "HVN-3QMQ-3RH",  # too short
        "HVN-3QMQ-3RHHX",  # too long
        "HVN-3QMQ-3RH²",
        "HVN-3QMQ-3RH\x00",
        "HVN-3QMQ-3RHU",  # U is not in the alphabet
        "X" * 300,
        "ABC-3QMQ-3RHH",  # another prefix
        "<script>",
    ],
)
def test_what_cannot_be_a_reference_is_none(typed: str) -> None:
    assert find_reference(typed) is None


def test_a_body_beginning_with_the_prefix_letters_is_still_found() -> None:
    assert find_reference("HVN12345") == "HVN-HVN1-2345"


@override_settings(HAVEN_REFERENCE_PREFIX="TEST")
def test_the_configured_prefix_is_used() -> None:
    assert find_reference("test 3qmq 3rhh") == "TEST-3QMQ-3RHH"
    assert find_reference("3qmq3rhh") == "TEST-3QMQ-3RHH"
    assert find_reference("hvn-3qmq-3rhh") is None

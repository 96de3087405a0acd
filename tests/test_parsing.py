"""Numbers and ids read from request data: text from anyone, never an error, never a guess."""

import uuid

import pytest

from haven.core.parsing import MAX_ID, parse_uuid, positive_int


@pytest.mark.parametrize(
    ("value", "maximum", "expected"),
    [
        ("1", 10, 1),
        ("10", 10, 10),
        ("007", 10, 7),
        ("0", 10, None),
        ("11", 10, None),
        ("-1", 10, None),
        ("+1", 10, None),
        (" 1", 10, None),
        ("1.0", 10, None),
        ("", 10, None),
        ("\u00b2", 10, None),  # a digit to str.isdigit(), not to int()
        ("\u0661", 10, None),  # Arabic-Indic one: int() would take it
        ("9" * 5000, MAX_ID, None),  # refused before int() is asked to read it
        (str(MAX_ID), MAX_ID, MAX_ID),
        (str(MAX_ID + 1), MAX_ID, None),
        (None, 10, None),
        (["1"], 10, None),
        ("1", 0, None),
    ],
)
def test_positive_int_reads_only_whole_numbers_from_one_to_the_maximum(value, maximum, expected):
    assert positive_int(value, maximum=maximum) == expected


def test_positive_int_is_bounded_by_the_largest_row_id_unless_told():
    assert positive_int(str(MAX_ID)) == MAX_ID
    assert positive_int(str(MAX_ID + 1)) is None


def test_parse_uuid_reads_only_the_36_character_form():
    value = uuid.uuid4()
    assert parse_uuid(str(value)) == value
    assert parse_uuid(str(value).upper()) == value
    for wrong in (value.hex, "{" + str(value) + "}", str(value) + " ", "x" * 36, None, 7):
        assert parse_uuid(wrong) is None, wrong
    assert parse_uuid(str(value)[:-1] + "\u0661") is None

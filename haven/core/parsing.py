"""Numbers and ids in request data, which is text from anyone: read strictly, or not at all.

Each function returns None for anything but the one form it reads, so a caller never has an
exception to catch and an error message never needs to repeat what was sent. Never
``str.isdigit()``: it takes "²" for a digit, which ``int()`` then refuses.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

# The largest primary key a table holds (a 64-bit integer): anything larger is no row's id.
MAX_ID = 2**63 - 1


def positive_int(value: object, *, maximum: int = MAX_ID) -> int | None:
    """A whole number from 1 to ``maximum`` written in ASCII digits; None for anything else."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    # Counted before int() reads it, so five thousand digits cost nothing.
    if len(value.lstrip("0")) > len(str(maximum)):
        return None
    number = int(value)
    return number if 1 <= number <= maximum else None


def parse_uuid(value: object) -> uuid.UUID | None:
    """A case or report id as its 36 characters; None for anything else."""
    if not isinstance(value, str) or len(value) != 36 or not value.isascii():
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def parse_text_map(text: str, *, names: Sequence[str]) -> dict[str, str]:
    """A setting's JSON object of some of ``names`` to words ({"read": "Our words"}); {} when
    empty.

    Raises ValueError, with what is wrong, for anything else (an unknown name included):
    settings turn it into an ImproperlyConfigured at start-up, so a typo never reaches a page.
    """
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("is not valid JSON") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise ValueError('must be a JSON object of names to words, like {"read": "Thank you"}')
    unknown = sorted(set(value) - set(names))
    if unknown:
        raise ValueError(f"unknown name {unknown[0]!r}: the names are {', '.join(names)}")
    return value

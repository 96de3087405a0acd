"""Crockford base32: the alphabet for references and follow-up codes.

No I, L, O or U, so a code read aloud or copied by hand survives; decoding forgives the usual
slips (lower case, O for 0, I or L for 1, spaces and hyphens).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def random_string(length: int) -> str:
    """`length` characters, 5 bits each, from the operating system's CSPRNG."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(text: str) -> str:
    """Upper-case, drop separators and map look-alike letters; the result may still be invalid."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    return cleaned.translate(_FORGIVE)


def is_valid(text: str) -> bool:
    return bool(text) and all(ch in ALPHABET for ch in text)


def group(text: str, size: int = 4) -> str:
    return "-".join(text[i : i + size] for i in range(0, len(text), size))

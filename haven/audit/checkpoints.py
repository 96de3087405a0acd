"""Signed checkpoints of the audit chain's head, kept outside the database.

A checkpoint line says "when this was written, the chain's head was event ``seq`` with hash
``hash``", under an HMAC-SHA256 of the line with ``HAVEN_AUDIT_CHECKPOINT_KEY``, a key the
database never holds. Lines are appended to ``HAVEN_AUDIT_CHECKPOINT_FILE``, which the operator
makes append-only (``chattr +a``) or ships, line by line, to a log the database's users cannot
rewrite. Someone who can change the database but neither holds the key nor reaches that file
cannot make a chain shortened or rewritten below a checkpoint look whole again.

The format is one line of text, readable in a syslog record too:

    haven-audit-checkpoint v1 seq=<n> hash=<64 hex> at=<UTC time>Z mac=<64 hex>

where ``mac`` is HMAC-SHA256(key, everything before " mac=").
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "haven-audit-checkpoint v1"
LINE = re.compile(
    r"(?P<body>haven-audit-checkpoint v1 seq=(?P<seq>[1-9][0-9]{0,18}) hash=(?P<hash>[0-9a-f]{64})"
    r" at=(?P<at>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z))"
    r" mac=(?P<mac>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime


class NotACheckpoint(ValueError):
    """A line that is not a checkpoint, or whose signature does not hold."""


def key() -> bytes:
    """The checkpoint key from the settings; a clear error when it is missing."""
    value = getattr(settings, "HAVEN_AUDIT_CHECKPOINT_KEY", "")
    if not value:
        raise ImproperlyConfigured(
            "HAVEN_AUDIT_CHECKPOINT_KEY is not set: audit checkpoints can be neither signed "
            "nor checked. Set it (or HAVEN_AUDIT_CHECKPOINT_KEY_FILE); see docs/CONFIGURATION.md."
        )
    return str(value).encode()


def _mac(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def sign(checkpoint: Checkpoint, *, key: bytes) -> str:
    """The checkpoint as one signed line, without the newline."""
    at = checkpoint.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = f"{PREFIX} seq={checkpoint.seq} hash={checkpoint.hash} at={at}"
    return f"{body} mac={_mac(body, key)}"


def parse(line: str, *, key: bytes) -> Checkpoint:
    """The checkpoint a line holds, anywhere in it (a syslog record may prefix it).

    Raises ``NotACheckpoint`` for anything else, and for a line whose signature does not match.
    """
    found = LINE.search(line)
    if found is None:
        raise NotACheckpoint("it is not a checkpoint")
    if not hmac.compare_digest(found["mac"], _mac(found["body"], key)):
        raise NotACheckpoint(
            "its signature does not match (forged, altered, or signed with another key)"
        )
    at = datetime.strptime(found["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return Checkpoint(seq=int(found["seq"]), hash=found["hash"], at=at)


def append(line: str, *, path: Path) -> None:
    """Append one line to the file, creating it if need be.

    O_APPEND, and one write: lines from several processes never overwrite or split each other,
    and nothing already in the file is touched.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ReadLine:
    number: int
    checkpoint: Checkpoint | None
    problem: str


def read(path: Path, *, key: bytes, upto: int) -> Iterator[ReadLine]:
    """Every non-empty line among the first ``upto`` bytes of the file, checked.

    ``upto`` is the file's size when verification began: lines appended later may name events
    committed after the database was read, and are left for the next run.
    """
    with path.open("rb") as handle:
        consumed = 0
        for number, raw in enumerate(handle, start=1):
            consumed += len(raw)
            # A line still being written when the size was taken is cut short: leave it.
            if consumed > upto or not raw.endswith(b"\n"):
                return
            text = raw.decode("utf-8", errors="replace")
            if not text.strip():
                continue
            try:
                yield ReadLine(number, parse(text, key=key), "")
            except NotACheckpoint as refusal:
                yield ReadLine(number, None, str(refusal))


def last(path: Path, *, key: bytes) -> Checkpoint | None:
    """The last valid checkpoint among the file's last few lines, if any."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 4096))
            tail = handle.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    for text in reversed(tail):
        try:
            return parse(text, key=key)
        except NotACheckpoint:
            continue
    return None

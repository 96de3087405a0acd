"""Tests that forge or delete audit events must first lift the database's own protection."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def tampering_allowed() -> Iterator[None]:
    """On PostgreSQL, bypass the append-only trigger for the block, as only a superuser could."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")

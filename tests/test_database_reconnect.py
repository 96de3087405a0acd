"""A PostgreSQL restart (or anything that drops Haven's kept connection) does not turn the next
request into a server error: the connection is checked before it is used again."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.urls import reverse

from tests.factories import StaffUserFactory, verified_client

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="PostgreSQL only: SQLite has no server connection to lose",
)


def test_connections_are_kept_and_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def terminate(pid: int) -> None:
    """End the backend ``pid`` from a connection of its own, as a restart would."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            row = other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if row.fetchone() == (0,):
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_the_connection_is_lost_succeeds():
    client = verified_client(StaffUserFactory())
    assert client.get(reverse("staff:reports")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    # Django's request handler does this at the end and the start of every request; the test
    # client leaves it out.
    close_old_connections()

    terminate(pid)

    assert client.get(reverse("staff:reports")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid

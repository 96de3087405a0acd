"""Opening a report while a supervisor closes its case in bulk: both finish, neither deadlocks.

Every verb locks the case before the audit chain's head. The bulk close holds up to a hundred
case locks and then asks for the head; an opening that took the head first and then asked for
its case would wait on the bulk close while the bulk close waited on it.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Case
from haven.staff.views import reports as views
from tests.factories import StaffUserFactory, submitted_case, verified_client


@pytest.mark.django_db(transaction=True)
def test_opening_a_report_while_its_case_is_closed_in_bulk_finishes_both(settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every write transaction")
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 0
    flood = [submitted_case(client_bucket="one-network") for _ in range(3)]
    supervisor = StaffUserFactory(role="supervisor")
    advisor_client = verified_client(StaffUserFactory())
    opened = flood[1]

    opener_has_a_lock = threading.Event()
    closer_has_the_cases = threading.Event()
    outcomes: dict[str, Any] = {}

    def hooked(real: Any) -> Any:
        def record_event(**kwargs: Any) -> Any:
            if threading.current_thread().name == "closer":
                closer_has_the_cases.set()
                return real(**kwargs)
            event = real(**kwargs)
            if not opener_has_a_lock.is_set():
                # The opening now holds the head (and, if it locked in the right order, the
                # case): let the bulk close take its case locks before the opening goes on.
                opener_has_a_lock.set()
                closer_has_the_cases.wait(timeout=2)
            return event

        return record_event

    monkeypatch.setattr(views, "record_event", hooked(views.record_event))
    monkeypatch.setattr(services, "record_event", hooked(services.record_event))

    def open_report() -> None:
        try:
            response = advisor_client.get(reverse("staff:report", args=[opened.report_id]))
            outcomes["opener"] = response.status_code
        except Exception as exc:  # the outcome is what the test compares
            outcomes["opener"] = type(exc).__name__
        finally:
            connections.close_all()

    def close_flood() -> None:
        try:
            opener_has_a_lock.wait(timeout=10)
            closing = services.close_in_bulk(
                case_ids=[case.id for case in flood], by=supervisor, reason="Flood"
            )
            outcomes["closer"] = len(closing.closed)
        except Exception as exc:
            outcomes["closer"] = type(exc).__name__
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=open_report, name="opener"),
        threading.Thread(target=close_flood, name="closer"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == {"opener": 200, "closer": 3}
    case = Case.objects.get(pk=opened.pk)
    assert case.status == Status.CLOSED and case.first_read_at is not None
    assert AuditEvent.objects.filter(action="report.opened", report_id=opened.report_id).exists()

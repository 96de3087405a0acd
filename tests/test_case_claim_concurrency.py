"""Two advisors can never hold the same case, even when they claim it at the same instant."""

import threading

import pytest
from django.db import connection, connections

from haven.cases import services
from haven.cases.models import Case
from haven.cases.services import CaseRuleBroken
from tests.factories import CaseFactory, StaffUserFactory
from tests.journey import Journey


@pytest.mark.django_db(transaction=True)
def test_simultaneous_claims_give_the_case_to_exactly_one_advisor(client, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every write transaction")
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 100
    advisors = [StaffUserFactory(), StaffUserFactory()]
    journey = Journey(client)
    for _ in range(10):
        case = CaseFactory()
        journey.client.post("/report/finish/")
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def claim(advisor, barrier=barrier, case=case, outcomes=outcomes):
            try:
                barrier.wait()
                services.claim_case(case=Case.objects.get(pk=case.pk), by=advisor)
                outcomes.append("claimed")
            except CaseRuleBroken:
                outcomes.append("refused")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=(a,)) for a in advisors]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["claimed", "refused"]
        case.refresh_from_db()
        assert case.assigned_to in advisors

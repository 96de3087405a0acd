"""The restricted walk: a restricted case, against every staff URL and form, as an advisor and a
supervisor who are not named on it. Every answer is a refusal (403, 404, or 405 for the wrong
method), none shows its reference, and each refusal is audited; every list shows it only as
restricted.

The URLs come from the resolver (``STAFF_URLS``, as the access walk reads them), so a page that
another change adds is walked as soon as it exists. A path parameter this file cannot fill fails
the test with its name.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from haven.accounts.access import PASSKEY_CEREMONY, PUBLIC, SECOND_FACTOR_STEP
from haven.audit.models import AuditEvent
from haven.cases.models import Case
from haven.cases.services import add_safety_action, restrict_case
from tests.factories import StaffUserFactory, submitted_case, verified_client
from tests.test_accounts_access_walk import STAFF_URLS, _access_of

# The parameters that name a case, directly or through its report.
CASE_PARAMETERS = {"case_id", "report_id"}
OUTSIDERS = ["advisor", "supervisor"]
# Refusals leave one of these, naming the person refused.
REFUSALS = ("case.access_refused", "staff.refused")


def _names_a_case(pattern: URLPattern) -> bool:
    return bool(CASE_PARAMETERS & set(pattern.pattern.converters))  # type: ignore[attr-defined]


CASE_URLS = sorted(name for name, pattern in STAFF_URLS.items() if _names_a_case(pattern))
# Every other staff page a signed-in, verified person may use: lists, search, forms. Signing
# in and out, and the second-factor pages, are not about cases.
OTHER_URLS = sorted(
    name
    for name, pattern in STAFF_URLS.items()
    if not _names_a_case(pattern)
    and not pattern.pattern.converters  # type: ignore[attr-defined]
    and _access_of(pattern.callback) not in (PUBLIC, SECOND_FACTOR_STEP, PASSKEY_CEREMONY, "")
    and name != "staff:account:sign_out_everywhere"
)


class Restricted:
    """A restricted case that its outsiders may see is there, in every list's terms: open,
    unassigned, overdue, urgent, many from one network; with a safety action."""

    def __init__(self) -> None:
        self.supervisor = StaffUserFactory(role="supervisor")
        case = submitted_case()
        self.action = add_safety_action(
            case=case, by=self.supervisor, action="Call back", owner="Advisor", due_on=None
        )
        case = restrict_case(case=case, by=self.supervisor, allowed=[], reason="Staff member.")
        Case.objects.filter(pk=case.pk).update(
            priority="P1", many_from_network=True, next_due_at=timezone.now()
        )
        self.case = Case.objects.get(pk=case.pk)
        self.reference = self.case.reference
        # As a person would type it: a page may show back what was typed, which tells nothing,
        # but never the canonical reference of a case its reader may not open.
        self.typed = self.reference.lower().replace("-", " ")

    def fill(self, name: str, pattern: URLPattern) -> str:
        values: dict[str, Any] = {}
        for parameter in pattern.pattern.converters:  # type: ignore[attr-defined]
            if parameter == "case_id":
                values[parameter] = self.case.id
            elif parameter == "report_id":
                values[parameter] = self.case.report_id
            elif parameter == "action_id":
                values[parameter] = self.action.pk
            elif parameter == "kind":
                values[parameter] = "username"
            else:
                pytest.fail(f"{name}: say how to fill {parameter!r} for a restricted case")
        return reverse(name, kwargs=values)

    def form_data(self) -> dict[str, str]:
        """What a hostile form might carry: the case's id and reference in every likely field."""
        ident, ref = str(self.case.id), self.typed
        return {
            "reference": ref,
            "link-reference": ref,
            "close-cases": ident,
            "cases": ident,
            "case": ident,
            "advisor": str(self.supervisor.pk),
            "reason": "Synthetic reason.",
            "close-reason": "Synthetic reason.",
            "q": ref,
        }


def outsiders() -> dict[str, tuple[Any, Client]]:
    people = {role: StaffUserFactory(role=role) for role in OUTSIDERS}
    return {role: (user, verified_client(user)) for role, user in people.items()}


def refusals_of(user: Any) -> int:
    return AuditEvent.objects.filter(action__in=REFUSALS, actor_id=user.pk).count()


def test_the_walk_finds_the_case_urls():
    assert {"staff:case", "staff:report", "staff:case_claim", "staff:assign"} <= set(CASE_URLS)
    assert {"staff:reports", "staff:queue", "staff:team", "staff:search"} <= set(OTHER_URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASE_URLS)
def test_every_url_naming_a_restricted_case_refuses_outsiders_and_audits_it(name):
    restricted = Restricted()
    url = restricted.fill(name, STAFF_URLS[name])
    problems = []
    for who, (user, client) in outsiders().items():
        for method in ("get", "post"):
            before = refusals_of(user)
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, restricted.form_data())
            status = response.status_code
            body = response.content.decode(errors="replace")
            where = f"{who}: {method.upper()} {url}"
            if status not in (403, 404, 405):
                problems.append(f"{where} gave {status}")
            if restricted.reference in body or restricted.reference in response.get("Location", ""):
                problems.append(f"{where} showed the reference")
            if status in (403, 404) and refusals_of(user) != before + 1:
                problems.append(f"{where} was refused ({status}) without one audit event")
    assert problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", OTHER_URLS)
def test_no_other_staff_page_or_form_shows_a_restricted_case_to_outsiders(name):
    restricted = Restricted()
    url = reverse(name)
    problems = []
    for who, (_user, client) in outsiders().items():
        answers = {
            "GET": client.get(url),
            "GET with its reference": client.get(url, {"reference": restricted.typed}),
            "POST": client.post(url, restricted.form_data()),
        }
        for how, response in answers.items():
            body = response.content.decode(errors="replace")
            if response.status_code >= 500:
                problems.append(f"{who}: {how} {url} gave {response.status_code}")
            if restricted.reference in body or restricted.reference in response.get("Location", ""):
                problems.append(f"{who}: {how} {url} showed the reference")
            if str(restricted.case.id) in body:
                problems.append(f"{who}: {how} {url} showed the case's id")
    assert problems == []


QUEUE_QUERIES = [
    "",
    "?priority=P1",
    "?status=new",
    "?mine=1",
    "?unassigned=1",
    "?overdue=1",
    "?network=1",
    "?network=1&tick=all",
    "?priority=P1&status=new&unassigned=1&overdue=1&network=1",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUEUE_QUERIES)
def test_the_queue_with_every_filter_shows_a_restricted_case_only_as_restricted(query):
    restricted = Restricted()
    for who, (user, client) in outsiders().items():
        if query.startswith("?mine"):
            Case.objects.filter(pk=restricted.case.pk).update(assigned_to=user)
        response = client.get(reverse("staff:queue") + query)

        body = response.content.decode()
        assert response.status_code == 200, who
        assert restricted.reference not in body, who
        assert str(restricted.case.id) not in body, who
        assert "A restricted case: only the people named on it can see it." in body, who


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["staff:reports", "staff:team"])
def test_the_lists_show_a_restricted_case_only_as_restricted(name):
    restricted = Restricted()
    _user, client = outsiders()["supervisor"]

    body = client.get(reverse(name)).content.decode()

    assert restricted.reference not in body
    assert "A restricted case: only the people named on it can see it." in body


def test_the_audit_page_refuses_an_advisor_and_shows_no_reference(db):
    restricted = Restricted()
    user, client = outsiders()["advisor"]

    response = client.get(reverse("staff:audit"), {"reference": restricted.reference})

    assert response.status_code == 403
    assert restricted.reference not in response.content.decode()
    assert refusals_of(user) == 1


def test_searching_for_a_restricted_case_answers_as_for_none(db):
    restricted = Restricted()
    for _who, (user, client) in outsiders().items():
        response = client.get(reverse("staff:search"), {"reference": restricted.reference})

        assert response.status_code == 200
        assert "No case has that reference." in response.content.decode()
        assert AuditEvent.objects.filter(
            action="case.access_refused", actor_id=user.pk, detail={"case": str(restricted.case.id)}
        ).exists()


def test_linking_to_a_restricted_case_answers_as_for_a_reference_that_does_not_exist(db):
    restricted = Restricted()
    _user, client = outsiders()["advisor"]
    mine = submitted_case()
    missing = "HVN-0000-0000"
    url = reverse("staff:case_link", args=[mine.id])

    hidden = client.post(url, {"link-reference": restricted.typed})
    absent = client.post(url, {"link-reference": missing.lower().replace("-", " ")})

    def error(response: Any) -> list[str]:
        import re

        summary = r'govuk-error-summary__list">(.*?)</ul>'
        return re.findall(summary, response.content.decode(), re.S)

    assert hidden.status_code == absent.status_code
    assert restricted.reference not in hidden.content.decode()
    assert error(absent) == error(hidden) != []

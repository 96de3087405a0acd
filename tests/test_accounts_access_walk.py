"""The access walk: every URL of the staff side and of the partner portal, as every kind of
visitor, answers exactly as the permission table in haven.accounts.roles says.

The URLs are read from the resolver, not listed here, so a new staff page is walked as soon as
it exists. Each view must say who may call it (``requires(...)`` marks it); a view that does not
fails this test. Path parameters are filled with real objects' ids: a parameter this file does
not know how to fill fails the test with the name to add to ``PATH_VALUES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, resolve, reverse
from django.utils import timezone

from haven.accounts.access import PASSKEY_CEREMONY, PUBLIC, SECOND_FACTOR_STEP
from haven.accounts.roles import PERMISSIONS, Role
from haven.audit.models import AuditEvent
from haven.partners import urls as partner_urls
from haven.staff import urls as staff_urls
from tests.factories import PartnerAgencyFactory, StaffUserFactory, add_totp, verified_client


def _walk(patterns: list[Any], namespace: str, prefix: str) -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}", entry


STAFF_URLS = dict(_walk(staff_urls.urlpatterns, "staff", "staff/"))
PARTNER_URLS = dict(_walk(partner_urls.urlpatterns, "partners", "partner/"))
WALKED = {**STAFF_URLS, **PARTNER_URLS}


def _report() -> Any:
    from haven.reporting.services import submit_report

    return submit_report(
        audience="parent",
        answers={"what-happened": {"what_happened": "Someone asked for photos."}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    ).report


def _case() -> Any:
    from haven.cases.models import Case

    report = _report()
    return Case.objects.get(report_id=report.id)


def _safety_action() -> Any:
    from haven.cases.services import add_safety_action

    case = _case()
    return add_safety_action(
        case=case, by=StaffUserFactory(), action="Call back", owner="Advisor", due_on=None
    )


def _walk_agency() -> Any:
    """The agency the walk's partner belongs to, and its referrals are sent to."""
    from haven.referrals.models import PartnerAgency

    agency, _ = PartnerAgency.objects.get_or_create(
        name="The walk's agency", defaults={"kind": "social_care", "areas": ["Example Borough"]}
    )
    return agency


def _referral() -> Any:
    """A referral sent to the walk's agency (a P1 case's, which goes without approval)."""
    from haven.cases.models import Case
    from haven.referrals import services

    advisor = StaffUserFactory()
    case = _case()
    Case.objects.filter(pk=case.pk).update(priority="P1", assigned_to=advisor)
    case.refresh_from_db()
    referral = services.draft_referral(case=case, agency=_walk_agency(), by=advisor)
    draft = services.open_draft(referral)
    draft.no_consent_reason = "Telling the family could put the child at risk."
    services.save_draft(
        referral=referral, by=advisor, draft=draft, lawful_basis="safeguarding", urgent=True
    )
    return services.send_referral(referral=referral, by=advisor)


# How to fill each path parameter: a maker of the object whose id goes in the URL.
PATH_VALUES: dict[str, Callable[[], Any]] = {
    "report_id": lambda: _report().id,
    "case_id": lambda: _case().id,
    "action_id": lambda: _safety_action().pk,
    "account_id": lambda: StaffUserFactory().pk,
    "agency_id": lambda: PartnerAgencyFactory().id,
    "kind": lambda: "username",
    "referral_id": lambda: _referral().id,
}

VISITORS = ["anonymous", "not_staff", "unverified", *[role.value for role in Role]]


def _access_of(view: Any) -> str:
    access = getattr(view, "required_permission", None)
    if access is None:
        access = getattr(getattr(view, "view_class", None), "required_permission", None)
    return str(access or "")


def _url_for(name: str, pattern: URLPattern) -> str:
    kwargs = {}
    for parameter in pattern.pattern.converters:  # type: ignore[attr-defined]
        if parameter not in PATH_VALUES:
            pytest.fail(f"{name}: add a maker for the path parameter {parameter!r} to PATH_VALUES")
        kwargs[parameter] = PATH_VALUES[parameter]()
    return reverse(name, kwargs=kwargs)


def _clients() -> dict[str, Client]:
    clients = {"anonymous": Client()}
    member = StaffUserFactory(not_staff=True)
    clients["not_staff"] = Client()
    clients["not_staff"].force_login(member)
    unverified = StaffUserFactory()
    add_totp(unverified)
    clients["unverified"] = Client()
    clients["unverified"].force_login(unverified)
    for role in Role:
        clients[role.value] = verified_client(StaffUserFactory(role=role.value))
    # The partner belongs to the agency the walk's referrals are sent to: their pages are theirs.
    from haven.referrals.models import PartnerMembership

    partner = clients[Role.PARTNER].session["_auth_user_id"]
    PartnerMembership.objects.create(user_id=partner, agency=_walk_agency())
    return clients


def _sign_in(url: str) -> str:
    return f"{reverse('staff:login')}?next={url}"  # as Django's redirect_to_login writes it


def _verify(url: str) -> str:
    return f"{reverse('staff:account:verify')}?{urlencode({'next': url})}"


def _outcome(response: Any) -> tuple[int, str]:
    return response.status_code, response.get("Location", "")


def _expected_for_permission(permission: str, who: str, url: str, method: str) -> Any:
    if who == "anonymous":
        return (302, _sign_in(url))
    if who == "not_staff":
        return (403, "")
    if who == "unverified":
        return (302, _verify(url))
    if permission not in PERMISSIONS[Role(who)]:
        return (403, "")
    return "allowed"


# The second-factor pages, for a session that has (verified) or has not yet (unverified) passed
# its second factor. Anyone else is handled as for a permission.
SECOND_FACTOR_PAGES = {
    "staff:account:enrol": {"unverified": (302, "verify"), "verified": (200, "")},
    "staff:account:verify": {"unverified": (200, ""), "verified": (302, "home")},
    "staff:account:recovery": {"unverified": (200, ""), "verified": (302, "home")},
}


def _home(who: str) -> str:
    """Where a verified session starts: the queue, for administrators the team page, for a
    partner agency's user the partner portal."""
    if who == Role.ADMINISTRATOR:
        return reverse("staff:team")
    if who == Role.PARTNER:
        return reverse("partners:referrals")
    return reverse("staff:queue")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WALKED))
def test_every_staff_url_answers_each_visitor_as_the_permission_table_says(name):
    pattern = WALKED[name]
    url = _url_for(name, pattern)
    access = _access_of(resolve(url).func)
    assert access, f"{name} does not say who may call it: wrap it in requires(...)"
    clients = _clients()
    method = "get"
    if clients["anonymous"].get(url).status_code == 405 or access == PASSKEY_CEREMONY:
        method = "post"
    problems = []
    for who in VISITORS:
        before = AuditEvent.objects.filter(action="staff.refused").count()
        response = getattr(clients[who], method)(url)
        got = _outcome(response)
        if access == PUBLIC:
            expected: Any = "public"
        elif access == PASSKEY_CEREMONY:
            expected = "ceremony"
        elif access == SECOND_FACTOR_STEP:
            if who in ("anonymous", "not_staff"):
                expected = _expected_for_permission("account.own", who, url, method)
            else:
                state = "unverified" if who == "unverified" else "verified"
                status, where = SECOND_FACTOR_PAGES[name][state]
                if where == "verify":
                    where = _verify(_home(who))
                elif where == "home":
                    where = _home(who)
                expected = (status, where)
        else:
            expected = _expected_for_permission(access, who, url, method)

        if expected == "allowed":
            # (Signing out everywhere ends at the bare sign-in page: that is success.)
            refused = got[0] in (403, 405) or got[1].startswith(
                (_sign_in(""), reverse("staff:account:verify"))
            )
            ok = (got[0] == 200) if method == "get" else (got[0] < 500 and not refused)
        elif expected == "public":
            ok = got[0] in (200, 302) and got[0] != 403
        elif expected == "ceremony":
            # JSON endpoints: refused with 403 to anyone but staff; staff get past the check
            # (to the options, or to "no ceremony in progress").
            staff = who not in ("anonymous", "not_staff")
            ok = got[0] != 403 if staff else got[0] == 403
            if who == "unverified" and "register" in name:
                ok = got[0] == 403  # a password alone cannot add a passkey
        else:
            ok = got == expected
        if ok and expected != "allowed" and isinstance(expected, tuple) and expected[0] == 403:
            # Every refusal leaves its trace.
            ok = AuditEvent.objects.filter(action="staff.refused").count() == before + 1
        if not ok:
            problems.append(f"{who}: {method.upper()} {url} gave {got}, expected {expected}")
    assert problems == []


def test_the_walk_covers_the_pages_that_exist_today():
    assert {
        "staff:login",
        "staff:logout",
        "staff:reports",
        "staff:report",
        "staff:account:home",
        "staff:account:enrol",
        "staff:account:verify",
        "staff:account:recovery",
        "staff:account:recovery_codes",
        "staff:account:sign_out_everywhere",
        "staff:account:passkey_register_begin",
        "staff:account:passkey_verify_complete",
        "staff:case",
        "staff:case_claim",
        "staff:case_status",
        "staff:case_priority",
        "staff:case_note",
        "staff:case_contact",
        "staff:case_safety",
        "staff:case_safety_done",
        "staff:case_link",
        "staff:case_restrict",
        "staff:case_lift_restriction",
        "staff:assign",
        "staff:team",
        "staff:search",
    } <= set(STAFF_URLS)
    assert {
        "partners:referrals",
        "partners:referral",
        "partners:acknowledge",
        "partners:accept",
        "partners:decline",
        "partners:ask",
        "partners:close",
        "partners:reference",
    } <= set(PARTNER_URLS)

"""Staff roles and what each may do: the one place where permissions are defined.

A view states the one permission it needs with ``haven.accounts.access.requires``; nothing else
in Haven decides who may do what. To give a role more, or less, change ``PERMISSIONS`` here.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADVISOR = "advisor", _("Child Protection Advisor")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")
    # A user of a partner agency: signs in as staff do, sees only the referrals sent to it.
    PARTNER = "partner", _("Partner agency user")


# What each permission lets a person do, in plain words (shown on the account page).
DESCRIPTIONS: dict[str, Any] = {
    "account.own": _("manage your own sign-in methods and sign out everywhere"),
    "reports.view": _("read received reports"),
    "cases.view": _("see the queue and open cases"),
    "cases.work": _("claim cases, record notes, contacts and safety actions"),
    "cases.assign": _("assign cases to other advisors"),
    "cases.override": _("act on a case another advisor holds, giving a reason"),
    "cases.approve": _("approve or return another person's closing or lowering of a case"),
    "cases.restrict": _("restrict who may open a case"),
    "cases.bulk_close": _("close many cases from one network at once, with one reason"),
    "cases.export": _("download a case summary for printing"),
    "team.view": _("see the team's workload"),
    "audit.view": _("read the audit trail"),
    "accounts.manage": _("create staff accounts, change roles and reset sign-in methods"),
    "referrals.make": _("refer cases to partner agencies, choosing what is shared and why"),
    "referrals.approve": _("approve or return another advisor's referral"),
    "agencies.manage": _("keep the directory of partner agencies"),
    "referrals.partner": _("read and answer the referrals sent to your agency"),
}

_ADVISOR = frozenset({"account.own", "reports.view", "cases.view", "cases.work", "referrals.make"})

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADVISOR: _ADVISOR,
    Role.SUPERVISOR: _ADVISOR
    | {
        "cases.assign",
        "cases.override",
        "cases.approve",
        "cases.restrict",
        "cases.bulk_close",
        "cases.export",
        "team.view",
        "audit.view",
        "referrals.approve",
    },
    # Administrators look after accounts and configuration; they do not read reports or cases.
    Role.ADMINISTRATOR: frozenset(
        {"account.own", "accounts.manage", "team.view", "audit.view", "agencies.manage"}
    ),
    # Nothing of the service's own work: their agency's referrals and their own sign-in.
    Role.PARTNER: frozenset({"account.own", "referrals.partner"}),
}

KNOWN = frozenset(DESCRIPTIONS)
assert all(granted <= KNOWN for granted in PERMISSIONS.values()), "undescribed permission"

"""The staff menu, offered to the staff pages (and the account pages) by a context processor,
with the cells every staff list repeats (``cells``).

The menu lives here, with the pages it links to, and not in ``core``: the Jinja environment
that every page shares knows nothing of roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template import engines
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup

from haven.accounts.services import is_verified, permissions_of
from haven.staff import cells

# The staff menu: (permission needed, URL name, label, the ``nav`` value that marks it active).
STAFF_MENU = [
    ("cases.view", "staff:queue", _("Queue"), "queue"),
    ("reports.view", "staff:reports", _("Reports"), "reports"),
    ("team.view", "staff:team", _("Team"), "team"),
    ("audit.view", "staff:audit", _("Audit"), "audit"),
    ("accounts.manage", "staff:account:staff_list", _("Staff accounts"), "accounts"),
    ("agencies.manage", "staff:agencies", _("Partner agencies"), "agencies"),
    ("referrals.partner", "partners:referrals", _("Referrals"), "partner"),
]


@dataclass(frozen=True)
class StaffHeader:
    menu: Markup  # GOV.UK's service navigation: the service's name and the menu
    may_search: bool  # the box to find a case by its reference is offered


def staff_header(user: Any, active: str | None) -> StaffHeader:
    """The top of every staff page for this person, with the menu item ``active`` marked.

    It depends only on what their role lets them do (nothing until the second factor is
    passed), the page, the language, the service's name and where the site is mounted; so it
    is built through GOV.UK's macro once for each and kept, not on every page.
    """
    # Nothing of the staff side is offered until the second factor is passed.
    allowed = permissions_of(user) if is_verified(user) else frozenset()
    return _header(
        allowed,
        active,
        translation.get_language(),
        settings.HAVEN_SERVICE_NAME,
        get_script_prefix(),
    )


@lru_cache(maxsize=256)  # roles, pages and languages: a few dozen in practice
def _header(
    allowed: frozenset[str], active: str | None, language: str, name: str, prefix: str
) -> StaffHeader:
    del language, prefix  # in the cache key only: gettext and reverse read them themselves
    items = [
        {"href": reverse(url_name), "text": str(label), "active": active == key}
        for permission, url_name, label, key in STAFF_MENU
        if permission in allowed
    ]
    may_search = "cases.view" in allowed
    if may_search:
        home = reverse("staff:queue")
    elif "team.view" in allowed:
        home = reverse("staff:team")
    elif "referrals.partner" in allowed:
        home = reverse("partners:referrals")
    else:
        home = reverse("staff:reports")
    side = gettext("partner agencies") if "referrals.partner" in allowed else gettext("staff")
    macro = engines["jinja2"].env.globals["govukServiceNavigation"]  # type: ignore[attr-defined]
    menu = macro(
        {
            # A partner agency's users are not the organisation's staff: say whose side it is.
            "serviceName": f"{name} \N{EN DASH} {side}",
            "serviceUrl": home,
            "navigationLabel": gettext("Staff menu"),
            "menuButtonText": gettext("Menu"),
            "navigation": items,
        }
    )
    assert isinstance(menu, Markup)  # the environment escapes, so a macro returns Markup
    return StaffHeader(menu=menu, may_search=may_search)


def context(request: HttpRequest) -> dict[str, Any]:
    """For the staff layout (the header, built only when a page calls it) and the lists."""
    return {
        "staff_header": staff_header,
        "priority_tag": cells.priority_tag,
        "time_left": cells.time_left,
    }

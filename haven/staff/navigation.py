"""The staff menu, offered to the staff pages (and the account pages) by a context processor,
with the cells every staff list repeats (``cells``).

The menu lives here, with the pages it links to, and not in ``core``: the Jinja environment
that every page shares knows nothing of roles.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haven.accounts.services import has_permission
from haven.staff import cells

# The staff menu: (permission needed, URL name, label, the ``nav`` value that marks it active).
STAFF_MENU = [
    ("cases.view", "staff:queue", _("Queue"), "queue"),
    ("reports.view", "staff:reports", _("Reports"), "reports"),
    ("team.view", "staff:team", _("Team"), "team"),
    ("audit.view", "staff:audit", _("Audit"), "audit"),
    ("accounts.manage", "staff:account:staff_list", _("Staff accounts"), "accounts"),
]


def may(user: Any, permission: str) -> bool:
    """Whether the signed-in person's role grants ``permission`` (for showing links only)."""
    if not getattr(user, "is_authenticated", False):
        return False
    # Nothing of the staff side is offered until the second factor is passed.
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified()) and has_permission(user, permission)


def staff_navigation(user: Any, active: str | None) -> list[dict[str, Any]]:
    """The menu items this person may use, the one named ``active`` marked."""
    return [
        {"href": reverse(name), "text": str(label), "active": active == key}
        for permission, name, label, key in STAFF_MENU
        if may(user, permission)
    ]


def context(request: HttpRequest) -> dict[str, Any]:
    """For the staff layout: the menu is built only when a page calls it; ``staff_may`` says
    whether to offer something else, such as the search box."""
    return {
        "staff_navigation": staff_navigation,
        "staff_may": may,
        "priority_tag": cells.priority_tag,
        "time_left": cells.time_left,
    }

"""The starting words for the common messages to a reporter: the advisor edits them before
sending. Each is written for the reporter's audience: a child reads simpler words than a
professional. An organisation replaces any of them with ``HAVEN_MESSAGE_TEMPLATES`` (JSON:
{"read": "Our words…"}), the same words then for every audience; ``{helpline}``,
``{helpline_phone}``, ``{childline_phone}`` and ``{emergency}`` are filled in from
configuration."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Template:
    slug: str
    label: Promise
    adult: Promise
    child: Promise

    def text(self, audience: str) -> str:
        custom = settings.HAVEN_MESSAGE_TEMPLATES.get(self.slug)
        words = str(custom) if custom else str(self.child if audience == "child" else self.adult)
        # Named places only, filled one by one: an organisation's words may hold other braces.
        for name, value in {
            "helpline": settings.HAVEN_HELPLINE_NAME,
            "helpline_phone": settings.HAVEN_HELPLINE_PHONE,
            "childline_phone": settings.HAVEN_CHILDLINE_PHONE,
            "emergency": settings.HAVEN_EMERGENCY_NUMBER,
        }.items():
            words = words.replace("{" + name + "}", value)
        return words


TEMPLATES = (
    Template(
        "read",
        _("We have read your report"),
        _(
            "Thank you for your report. An advisor has read it carefully. We are working out "
            "what needs to happen next, and we will write to you here again."
        ),
        _(
            "Thank you for telling us. You did the right thing. An adult who helps children has "
            "read what you wrote. We will write to you here again soon."
        ),
    ),
    Template(
        "question",
        _("We need to ask you something"),
        _(
            "Thank you for your report. To help us keep the child safe, we need to ask you "
            "something:\n\n\nYou can answer on this page."
        ),
        _(
            "Thank you for telling us. To help keep you safe, we would like to ask you "
            "something:\n\n\nYou can answer on this page. It is OK if you do not know."
        ),
    ),
    Template(
        "next",
        _("What happens now"),
        _(
            "We have looked at your report. This is what happens now:\n\n\nIf anything "
            "changes, or you remember something else, you can add it on this page."
        ),
        _(
            "We have looked at what you told us. This is what happens now:\n\n\nNone of this "
            "is your fault. If anything changes, you can tell us on this page."
        ),
    ),
    Template(
        "closing",
        _("Closing, with where to get help"),
        _(
            "We have finished our work on your report. Thank you for telling us. If you are "
            "worried about a child again, you can make a new report or call the {helpline} on "
            "{helpline_phone}. If a child is in danger right now, call {emergency}."
        ),
        _(
            "We have finished our work on your report. Thank you for being brave and telling "
            "us. You can talk to Childline at any time on {childline_phone}: it is free. If you "
            "are in danger right now, call {emergency}."
        ),
    ),
)

BY_SLUG = {template.slug: template for template in TEMPLATES}

"""The Jinja2 environment: GOV.UK Frontend macros, translation and a few globals."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import ngettext
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, pass_environment
from markupsafe import Markup

from haven.core import govuk

GOVUK_COMPONENTS = [
    "back-link",
    "button",
    "character-count",
    "checkboxes",
    "date-input",
    "details",
    "error-summary",
    "exit-this-page",
    "input",
    "inset-text",
    "notification-banner",
    "panel",
    "radios",
    "select",
    "skip-link",
    "service-navigation",
    "summary-list",
    "table",
    "tag",
    "textarea",
    "warning-text",
]


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``reverse``: a URL with no arguments is the same path every time, so it is kept (per
    name and script prefix); every staff page reverses its header's links on each showing."""
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    return _plain_url(name, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _plain_url(name: str, script_prefix: str) -> str:
    del script_prefix  # in the cache key only: reverse reads it itself
    return reverse(name)


_ID_STANDS_IN = "00000000-0000-0000-0000-00000000cafe"


@functools.lru_cache(maxsize=64)
def _around_id(name: str, script_prefix: str) -> tuple[str, str]:
    before, _id, after = reverse(name, args=[_ID_STANDS_IN]).partition(_ID_STANDS_IN)
    return before, after


def url_with_id(name: str, id_: Any) -> str:
    """``url(name, id_)`` for a URL whose one argument is an id, built by joining strings.

    The same path ``reverse`` gives, at a fraction of its cost: a list of 50 cases reversed
    its links 50 times a page. The pattern is reversed once per name (and script prefix).
    """
    before, after = _around_id(name, get_script_prefix())
    return f"{before}{id_}{after}"


def service() -> dict[str, str]:
    """The configurable facts every page may show (helpline, emergency number, names)."""
    return {
        "name": settings.HAVEN_SERVICE_NAME,
        "organisation": settings.HAVEN_ORGANISATION_NAME,
        "emergency_number": settings.HAVEN_EMERGENCY_NUMBER,
        "helpline_name": settings.HAVEN_HELPLINE_NAME,
        "helpline_phone": settings.HAVEN_HELPLINE_PHONE,
        "helpline_url": settings.HAVEN_HELPLINE_URL,
        "childline_phone": settings.HAVEN_CHILDLINE_PHONE,
        "childline_url": settings.HAVEN_CHILDLINE_URL,
        "report_remove_url": settings.HAVEN_REPORT_REMOVE_URL,
        "iwf_url": settings.HAVEN_IWF_URL,
        "report_harmful_content_url": settings.HAVEN_REPORT_HARMFUL_CONTENT_URL,
        "action_fraud_url": settings.HAVEN_ACTION_FRAUD_URL,
        "police_non_emergency_number": settings.HAVEN_POLICE_NON_EMERGENCY_NUMBER,
        "napac_url": settings.HAVEN_NAPAC_URL,
        "napac_phone": settings.HAVEN_NAPAC_PHONE,
        "revenge_porn_helpline_url": settings.HAVEN_REVENGE_PORN_HELPLINE_URL,
        "revenge_porn_helpline_phone": settings.HAVEN_REVENGE_PORN_HELPLINE_PHONE,
        "draft_minutes": str(settings.HAVEN_DRAFT_IDLE_SECONDS // 60),
    }


def tel(number: str) -> str:
    """The ``tel:`` address of a phone number as people write it: "0808 800 5000" → tel:08088005000."""
    digits = "".join(c for c in number if c.isascii() and c.isdigit())
    return f"tel:+{digits}" if number.lstrip().startswith("+") else f"tel:{digits}"


DATETIME_SHOWN = "j F Y, H:i"  # "2 December 2026, 09:05", in the service's time zone

# The format characters pages use, written as Django's DateFormat writes them (month names
# translated); any other letter goes to Django's date_format.
_PARTS: dict[str, Callable[[datetime.datetime], str]] = {
    "j": lambda d: str(d.day),
    "F": lambda d: str(MONTHS[d.month]),
    "M": lambda d: MONTHS_3[d.month].title(),
    "Y": lambda d: f"{d.year:04d}",
    "H": lambda d: f"{d.hour:02d}",
    "i": lambda d: f"{d.minute:02d}",
    "s": lambda d: f"{d.second:02d}",
}


@functools.lru_cache(maxsize=32)
def _writer(fmt: str) -> tuple[Callable[[datetime.datetime], str] | str, ...] | None:
    """``fmt`` as parts to join, or None if it holds anything but ``_PARTS`` and punctuation."""
    if "\\" in fmt or any(c.isalpha() and c not in _PARTS for c in fmt):
        return None
    return tuple(_PARTS.get(c, c) for c in fmt)


def datetime_format(value: Any, fmt: str = DATETIME_SHOWN) -> str:
    """A moment as pages show it, in the service's time zone. The formats pages use are
    written here directly: Django's ``date_format`` builds a formatter for each call, and a
    page of 50 events called it 50 times (a tenth of the audit page's time). The same text."""
    if not value:
        return ""
    local = localtime(value)
    parts = _writer(fmt)
    if parts is None:
        return date_format(local, fmt)
    return "".join(part if isinstance(part, str) else part(local) for part in parts)


def context(request: HttpRequest) -> dict[str, Any]:
    """What the GOV.UK page template reads from every page's context."""
    # str(): the lazy nonce is falsy until first read, and the template tests it with `if`.
    return {"cspNonce": str(getattr(request, "csp_nonce", "")), "htmlLang": "en"}


def duration(seconds: int) -> str:
    """A span of time in the largest sensible units: "3 days 2 h", "2 h 5 min", "4 min"."""
    minutes = max(0, int(seconds)) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days} + (
            f" {hours} h" if hours else ""
        )
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


TAG_COLOURS = frozenset(
    {
        "grey",
        "green",
        "turquoise",
        "blue",
        "light-blue",
        "purple",
        "pink",
        "red",
        "orange",
        "yellow",
    }
)


def tag(text: Any, colour: str = "") -> Markup:
    """A GOV.UK tag, as ``govukTag`` writes it, for the rows of a list.

    ``govukTag`` imports its attribute helpers again at every call; a 50-row queue calls it a
    hundred times, and that was a quarter of the page's time. This writes the same markup.
    """
    if colour and colour not in TAG_COLOURS:
        raise ValueError(f"no GOV.UK tag colour {colour!r}")
    classes = f"govuk-tag govuk-tag--{colour}" if colour else "govuk-tag"
    return Markup('<strong class="%s">%s</strong>') % (classes, text)


# The GOV.UK macro (a global) or Haven's written-out one (in _govuk.html) for each kind of
# field that haven.core.govuk.field_params describes.
FIELD_MACROS = {
    "radios": "govukRadios",
    "checkboxes": "govukCheckboxes",
    "date": "date_input",
    "character_count": "govukCharacterCount",
    "textarea": "govukTextarea",
    "select": "govukSelect",
    "input": "govukInput",
}
# Empty fields as rendered, by their parameters. A case page shows a dozen empty forms, each
# field a GOV.UK macro call (a quarter of the page's time), and the same ones on every case.
FIELD_CACHE: dict[str, Markup] = {}
FIELD_CACHE_SIZE = 512


def clear_field_cache() -> None:
    FIELD_CACHE.clear()


def _render_field(env: Environment, macro: str, params: dict[str, Any]) -> Markup:
    if macro == "date_input":
        found = getattr(env.get_template("_govuk.html").module, macro)
    else:
        found = env.globals[macro]
    made: Markup = found(params)  # a macro's output is Markup already
    return made


def _keeps_nothing_of_anyone(form: forms.BaseForm) -> bool:
    """Whether a form's fields hold only what the code gave them: not bound to what someone
    sent, and given no initial values at run time (a draft's answers, a case's holder)."""
    return not form.is_bound and not form.initial


@pass_environment
def field_html(env: Environment, bf: forms.BoundField, **kwargs: Any) -> Markup:
    """One form field as its GOV.UK macro renders it (``field_params`` gives the macro and its
    parameters).

    A field of a form that holds nothing of anyone is the same HTML for the same parameters on
    every page, so it is rendered once and kept (at most FIELD_CACHE_SIZE, all dropped when
    full). A field showing what someone typed, or a saved answer, is never kept.
    """
    spec = govuk.field_params(bf, **kwargs)
    macro = FIELD_MACROS[spec["macro"]]
    if not _keeps_nothing_of_anyone(bf.form):
        return _render_field(env, macro, spec["params"])
    key = json.dumps([macro, spec["params"]], sort_keys=True, default=str)
    html = FIELD_CACHE.get(key)
    if html is None:
        html = _render_field(env, macro, spec["params"])
        if len(FIELD_CACHE) >= FIELD_CACHE_SIZE:
            FIELD_CACHE.clear()
        FIELD_CACHE[key] = html
    return html


def govuk_button_macro(env: Environment) -> Any:
    """GOV.UK Frontend's button macro itself."""
    return env.globals["_govukButton"]


@pass_environment
def button(env: Environment, params: dict[str, Any]) -> Markup:
    """``govukButton``: the same markup, written here for a plain button or link button (text,
    classes, href), GOV.UK's macro for anything more. A case page has nine buttons, and the
    macro imports its helpers again at every call."""
    if not set(params) <= {"text", "classes", "href"}:
        made: Markup = govuk_button_macro(env)(params)  # a macro's output is Markup already
        return made
    classes = f"govuk-button {params['classes']}" if params.get("classes") else "govuk-button"
    if params.get("href"):
        return Markup(
            '<a href="%s" role="button" draggable="false" class="%s" data-module="govuk-button">'
            "\n  %s\n</a>\n"
        ) % (params["href"], classes, params["text"])
    return Markup(
        '<button type="submit" class="%s" data-module="govuk-button">\n  %s\n</button>\n'
    ) % (classes, params["text"])


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [
            options["loader"],
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    options["autoescape"] = True
    env = Environment(**options)  # noqa: S701 (autoescape is set just above)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals.update(
        url=url,
        url_with_id=url_with_id,
        static=static,
        service=service,
        field=govuk.field_params,
        field_html=field_html,
        error_summary=govuk.error_summary,
        duration=duration,
        tag=tag,
    )
    env.filters["datetime"] = datetime_format
    env.filters["tel"] = tel
    # Every GOV.UK component macro is a global, so pages call them without importing.
    for component in GOVUK_COMPONENTS:
        module = env.get_template(f"govuk_frontend_jinja/components/{component}/macro.html").module
        name = "govuk" + "".join(part.capitalize() for part in component.split("-"))
        env.globals[name] = getattr(module, name)
    env.globals["_govukButton"] = env.globals["govukButton"]
    env.globals["govukButton"] = button
    return env

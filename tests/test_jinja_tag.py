"""What the list pages use instead of slower general helpers: the tag, and links by id."""

import re
from typing import Any

import pytest
from django.template import engines


def render(source: str) -> str:
    html = engines["jinja2"].from_string(source).render({})
    # Whitespace between the tags is not markup: the macro writes some, tag() none.
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", html).strip()


@pytest.mark.parametrize("colour", ["", "red", "light-blue"])
def test_tag_is_the_markup_of_govuk_tag(colour):
    classes = f", 'classes': 'govuk-tag--{colour}'" if colour else ""
    ours = "{{ tag('P1 <b>', '" + colour + "') }}"
    theirs = "{{ govukTag({'text': 'P1 <b>'" + classes + "}) }}"
    assert render(ours) == render(theirs)


def test_an_unknown_colour_is_a_mistake_in_the_template():
    with pytest.raises(ValueError):
        render("{{ tag('P1', 'scarlet') }}")


@pytest.mark.parametrize(
    "name",
    [
        "staff:case",
        "staff:report",
        "staff:assign",
        *(
            f"staff:case_{verb}"
            for verb in (
                "claim",
                "status",
                "priority",
                "note",
                "contact",
                "safety",
                "link",
                "restrict",
                "lift_restriction",
                "approve",
                "return",
                "withdraw",
            )
        ),
    ],
)
def test_url_with_id_is_the_path_reverse_gives(name):
    import uuid

    from django.urls import reverse

    from haven.core.jinja import url_with_id

    for _ in range(3):
        id_ = uuid.uuid4()
        assert url_with_id(name, id_) == reverse(name, args=[id_])


@pytest.mark.parametrize("error", [None, {"text": "Choose a kind of event from the list"}])
def test_checkbox_group_is_the_markup_of_govuk_checkboxes(error):
    group = {
        "idPrefix": "id_kind",
        "name": "kind",
        "classes": "govuk-checkboxes--small",
        "fieldset": {"legend": {"text": "Closures", "classes": "govuk-fieldset__legend--s"}},
        "errorMessage": error,
        "items": [
            {"value": "case.closed", "text": "Closed <now>", "checked": True},
            {"value": "case.reopened", "text": "Reopened", "checked": False},
        ],
    }
    source = '{% from "staff/_checkboxes.html" import checkbox_group %}{{ checkbox_group(g) }}'
    ours = engines["jinja2"].from_string(source).render({"g": group})
    theirs = engines["jinja2"].from_string("{{ govukCheckboxes(g) }}").render({"g": group})
    squeeze = lambda html: re.sub(r"\s*(<[^>]+>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()  # noqa: E731
    assert squeeze(ours) == squeeze(theirs)


PAGES = '{% from "_govuk.html" import pages %}'


def test_pages_writes_only_the_links_there_are():
    html = render(PAGES + "{{ pages('after=a%3Db', '', 'Pages of the queue') }}")

    assert html == (
        '<nav class="govuk-pagination" aria-label="Pages of the queue">'
        '<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link"'
        ' href="?after=a%3Db" rel="prev"><span class="govuk-pagination__link-title">Previous'
        "</span></a></div></nav>"
    )


def test_pages_names_the_links_as_the_list_reads():
    html = render(PAGES + "{{ pages('before=x', 'after=y', 'Pages of events', 'Newer', 'Older') }}")

    assert re.findall(r'href="([^"]+)" rel="(\w+)"><span[^>]*>(\w+)<', html) == [
        ("?before=x", "prev", "Newer"),
        ("?after=y", "next", "Older"),
    ]


def test_one_page_has_no_pagination():
    assert render(PAGES + "{{ pages('', '', 'Pages of the queue') }}") == ""


def same_markup(html: str) -> str:
    """HTML with the whitespace that is not content taken out (the macros indent freely)."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).replace(" >", ">").strip()


def date_params(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "id": "since",
        "namePrefix": "since",
        "fieldset": {
            "legend": {
                "text": "From <b>",
                "isPageHeading": False,
                "classes": "govuk-fieldset__legend--s",
            }
        },
        "items": [
            {"name": "day", "label": "Day", "value": "1", "classes": "govuk-input--width-2"},
            {"name": "month", "label": "Month", "value": "", "classes": "govuk-input--width-2"},
            {"name": "year", "label": "Year", "value": None, "classes": "govuk-input--width-4"},
        ],
        "hint": None,
        "errorMessage": None,
    }
    params.update(changes)
    return params


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"hint": {"text": "For example, 27 3 2026"}},
        {"errorMessage": {"text": "Enter a <real> date"}},
        {"hint": {"text": "A hint"}, "errorMessage": {"text": "An error"}},
        {
            "fieldset": {
                "legend": {
                    "text": "When?",
                    "isPageHeading": True,
                    "classes": "govuk-fieldset__legend--l",
                }
            }
        },
    ],
)
def test_date_input_is_the_markup_of_govuk_date_input(changes):
    params = date_params(**changes)
    source = '{% from "_govuk.html" import date_input %}'
    ours = engines["jinja2"].from_string(source + "{{ date_input(p) }}").render({"p": params})
    theirs = engines["jinja2"].from_string("{{ govukDateInput(p) }}").render({"p": params})

    assert same_markup(ours) == same_markup(theirs)


# --- Empty fields rendered once --------------------------------------------------------------


def render_field(form: Any, name: str, **kwargs: Any) -> str:
    source = '{% from "_govuk.html" import render %}{{ render(form[name], **kwargs) }}'
    template = engines["jinja2"].from_string(source)
    return template.render({"form": form, "name": name, "kwargs": kwargs})


def test_an_empty_field_is_rendered_as_the_macro_renders_it_and_then_from_memory(monkeypatch):
    from haven.core import jinja
    from haven.staff.forms import NoteForm

    jinja.clear_field_cache()
    first = render_field(NoteForm(prefix="note"), "text")
    assert len(jinja.FIELD_CACHE) == 1
    calls = []
    monkeypatch.setattr(jinja, "_render_field", lambda *a: calls.append(a) or "")

    again = render_field(NoteForm(prefix="note"), "text")

    assert again == first and calls == []
    assert 'name="note-text"' in first and "govuk-textarea" in first


def test_fields_holding_what_someone_typed_or_was_given_are_never_kept():
    from haven.core import jinja
    from haven.staff.forms import NoteForm

    jinja.clear_field_cache()
    typed = render_field(NoteForm({"note-text": "A reporter's words"}, prefix="note"), "text")
    given = render_field(NoteForm(prefix="note", initial={"text": "Saved words"}), "text")

    assert "A reporter&#39;s words" in typed and "Saved words" in given
    assert jinja.FIELD_CACHE == {}


def test_the_kept_fields_are_bounded(monkeypatch):
    from haven.core import jinja
    from haven.staff.forms import NoteForm

    jinja.clear_field_cache()
    monkeypatch.setattr(jinja, "FIELD_CACHE_SIZE", 3)
    for n in range(5):
        render_field(NoteForm(prefix=f"note{n}"), "text")

    assert len(jinja.FIELD_CACHE) <= 3


@pytest.mark.parametrize(
    "params",
    [
        {"text": "Save <b>"},
        {"text": "Save", "classes": "govuk-button--secondary"},
        {"text": "Read", "href": "/x?a=1&b"},
        {"text": "Read", "href": "/x", "classes": "govuk-button--secondary"},
        # Anything more goes to GOV.UK's own macro.
        {"text": "Start now", "href": "/start", "isStartButton": True},
        {"text": "Send", "preventDoubleClick": True},
        {"text": "Add", "name": "action", "value": "add"},
    ],
)
def test_the_button_is_the_markup_of_govuk_button(params):
    from haven.core import jinja

    env = engines["jinja2"].env
    ours = env.from_string("{{ govukButton(p) }}").render({"p": params})
    theirs = jinja.govuk_button_macro(env)(params)

    assert same_markup(ours) == same_markup(theirs)


# --- The staff header and the time-left cell: built once, then kept ----------------------------


def _old_header(role: str | None, active: str | None, name: str) -> str:
    """The staff layout's service navigation as the template built it on every page before."""
    from django.urls import reverse

    from haven.accounts.roles import PERMISSIONS
    from haven.staff.navigation import STAFF_MENU

    allowed = PERMISSIONS.get(role, frozenset()) if role else frozenset()
    if "cases.view" in allowed:
        home = reverse("staff:queue")
    else:
        home = reverse("staff:team" if "team.view" in allowed else "staff:reports")
    items = [
        {"href": reverse(url_name), "text": str(label), "active": active == key}
        for permission, url_name, label, key in STAFF_MENU
        if permission in allowed
    ]
    params = {
        "serviceName": f"{name} \N{EN DASH} staff",
        "serviceUrl": home,
        "navigationLabel": "Staff menu",
        "menuButtonText": "Menu",
        "navigation": items,
    }
    return str(engines["jinja2"].env.globals["govukServiceNavigation"](params))


@pytest.mark.parametrize("role", ["advisor", "supervisor", "administrator"])
@pytest.mark.parametrize("active", [None, "queue", "reports", "team", "audit", "accounts"])
def test_the_staff_header_is_govuk_service_navigation_for_the_role(db, role, active):
    from django.conf import settings

    from haven.staff.navigation import staff_header
    from tests.factories import StaffUserFactory

    user = StaffUserFactory(role=role)
    user.is_verified = lambda: True
    header = staff_header(user, active)
    assert str(header.menu) == _old_header(role, active, settings.HAVEN_SERVICE_NAME)
    assert header.may_search == (role != "administrator")
    # The second time it comes from memory, the same.
    assert staff_header(user, active) is header


def test_the_staff_header_offers_nothing_before_the_second_factor(db):
    from django.conf import settings

    from haven.staff.navigation import staff_header
    from tests.factories import StaffUserFactory

    user = StaffUserFactory(role="supervisor")
    user.is_verified = lambda: False
    header = staff_header(user, "queue")
    assert str(header.menu) == _old_header(None, "queue", settings.HAVEN_SERVICE_NAME)
    assert "Queue" not in str(header.menu)
    assert not header.may_search


def test_the_staff_header_follows_the_service_name(db, settings):
    from haven.staff.navigation import staff_header
    from tests.factories import StaffUserFactory

    user = StaffUserFactory(role="advisor")
    user.is_verified = lambda: True
    settings.HAVEN_SERVICE_NAME = "Tell us about a worry"
    assert "Tell us about a worry \N{EN DASH} staff" in str(staff_header(user, None).menu)
    assert str(staff_header(user, None).menu) == _old_header(
        "advisor", None, "Tell us about a worry"
    )


def _old_time_left(left: Any) -> str:
    """The time-left cell as it was written for every row before it was kept."""
    from django.utils.translation import gettext as _
    from markupsafe import Markup, escape

    from haven.core.jinja import duration, tag

    if left.seconds is None:
        return str(escape(_("No target")))
    label = Markup(
        '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{}</span>'
    )
    if left.overdue:
        when = tag(_("Overdue by %(time)s") % {"time": duration(-left.seconds)}, "red")
    else:
        when = escape(_("%(time)s left") % {"time": duration(left.seconds)})
    return str(label.format(left.label) + when)


@pytest.mark.parametrize("target", ["", "first_read", "threshold_decision", "first_contact"])
def test_the_time_left_cell_is_what_it_was_for_every_span(target):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from haven.cases.services import TimeLeft
    from haven.staff.cells import time_left

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.none(), st.integers(-(10**8), 10**8), st.integers(-200_000, 200_000)))
    def check(seconds):
        left = TimeLeft(due=None, seconds=seconds, target=target)
        assert str(time_left(left)) == _old_time_left(left)

    check()


def test_a_url_without_arguments_is_kept_per_script_prefix():
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from haven.core.jinja import url

    assert url("staff:queue") == reverse("staff:queue")
    before = get_script_prefix()
    try:
        set_script_prefix("/haven/")
        assert url("staff:queue") == "/haven/staff/queue/" == reverse("staff:queue")
    finally:
        set_script_prefix(before)
    assert url("staff:queue") == reverse("staff:queue")
    assert url("staff:case", "00000000-0000-0000-0000-000000000001") == reverse(
        "staff:case", args=["00000000-0000-0000-0000-000000000001"]
    )


def test_the_usual_moment_is_written_as_django_formats_it():
    """datetime_format writes "j F Y, H:i" itself: the same text as date_format, in the
    service's time zone, on both sides of the clocks changing and in any year."""
    import datetime as dt

    from django.utils.formats import date_format
    from django.utils.timezone import localtime
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from haven.core.jinja import datetime_format

    @settings(max_examples=500, deadline=None)
    @given(
        st.datetimes(
            min_value=dt.datetime(1, 1, 2),
            max_value=dt.datetime(9999, 12, 30),
            timezones=st.just(dt.UTC),
        )
    )
    def check(moment):
        for fmt in ("j F Y, H:i", "j M Y, H:i:s", "j F Y", "H:i", "D j F Y", r"j \o\f F"):
            assert datetime_format(moment, fmt) == date_format(localtime(moment), fmt)
        assert datetime_format(moment) == date_format(localtime(moment), "j F Y, H:i")

    check()
    assert datetime_format(None) == ""
    summer = dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)
    assert datetime_format(summer) == "1 July 2026, 09:05"


def test_the_labels_of_a_choices_class_are_kept_and_read_only():
    from haven.audit.actions import Action
    from haven.cases.lifecycle import Status
    from haven.staff.views.listing import choice_labels

    labels = choice_labels(Status)
    assert dict(labels) == {value: str(label) for value, label in Status.choices}
    assert choice_labels(Status) is labels
    assert dict(choice_labels(Action)) == {value: str(label) for value, label in Action.choices}
    with pytest.raises(TypeError):
        labels["closed"] = "Open"  # type: ignore[index]
    # A list of pairs is translated each time, as before.
    assert choice_labels([("a", "A")]) == {"a": "A"}


def test_the_kinds_of_event_are_grouped_once_per_language():
    from haven.audit.actions import Action
    from haven.audit.queries import kind_groups

    groups = kind_groups()
    assert kind_groups() is groups
    assert [(g.slug, g.kinds) for g in groups] == [
        (g.slug, g.kinds) for g in kind_groups(Action.choices)
    ]

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


@pytest.mark.parametrize("name", ["staff:case", "staff:report", "staff:assign"])
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

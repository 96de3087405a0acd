"""What the list pages use instead of slower general helpers: the tag, and links by id."""

import re

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

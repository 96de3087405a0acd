"""The staff pages' drop-down lists are GOV.UK selects built from their forms, like every field.

The label, the error message, the error state and aria-describedby come from one mapping
(haven.core.govuk.field_params), not from markup written again beside each list.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse

from haven.core.govuk import field_params
from haven.staff.audit_forms import AuditFilterForm
from tests.conftest import text_of
from tests.factories import StaffUserFactory, verified_client


@pytest.fixture
def supervisor(db: None) -> Any:
    return StaffUserFactory(role="supervisor", username="sup-select")


@pytest.fixture
def staff(db: None) -> list[Any]:
    return [
        StaffUserFactory(username="bea-select"),
        StaffUserFactory(username="abe-select", is_active=False),
    ]


def html_of(response: Any) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def options_of(html: str, name: str) -> list[tuple[str, bool, str]]:
    """Each option of the select ``name``: its value, whether it is selected, its text."""
    select = re.search(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', html)
    assert select is not None, f"no select named {name}"
    return [
        (value, bool(selected), text.strip())
        for value, selected, text in re.findall(
            r'<option value="([^"]*)"( selected)?[^>]*>([^<]*)</option>', select.group(1)
        )
    ]


def test_a_choice_field_shown_as_a_list_is_the_govuk_select(supervisor, staff):
    form = AuditFilterForm(QueryDict("advisor=bea-select"), viewer=supervisor)
    assert form.is_valid(), form.errors

    spec = field_params(form["advisor"])

    assert spec["macro"] == "select"
    params = spec["params"]
    assert (params["id"], params["name"], params["errorMessage"]) == ("id_advisor", "advisor", None)
    assert params["label"] == {
        "text": "Person",
        "isPageHeading": False,
        "classes": "govuk-label--s",
    }
    assert [(i["value"], i["text"], i["selected"]) for i in params["items"]] == [
        ("", "Anyone", False),
        ("abe-select", "abe-select", False),
        ("bea-select", "bea-select", True),
        ("sup-select", "sup-select", False),
    ]
    assert form.person == staff[0]


def test_the_audit_page_lists_every_staff_account_and_keeps_the_one_chosen(supervisor, staff):
    html = html_of(
        verified_client(supervisor).get(reverse("staff:audit"), {"advisor": "abe-select"})
    )

    assert '<select class="govuk-select" id="id_advisor" name="advisor">' in html
    assert '<label class="govuk-label govuk-label--s" for="id_advisor">' in html
    assert options_of(html, "advisor") == [
        ("", False, "Anyone"),
        ("abe-select", True, "abe-select"),
        ("bea-select", False, "bea-select"),
        ("sup-select", False, "sup-select"),
    ]


@pytest.mark.parametrize("sent", ["nobody-here", "member-of-public", "a\x00b", "x" * 300])
def test_a_person_not_in_the_list_is_an_error_on_the_list_that_never_repeats_it(
    supervisor, staff, sent
):
    StaffUserFactory(username="member-of-public", not_staff=True)

    response = verified_client(supervisor).get(reverse("staff:audit"), {"advisor": sent})
    html = html_of(response)

    assert (
        '<select class="govuk-select govuk-select--error" id="id_advisor" name="advisor"'
        ' aria-describedby="id_advisor-error">'
    ) in html
    assert '<a href="#id_advisor">Choose a person from the list</a>' in html
    assert (
        '<p id="id_advisor-error" class="govuk-error-message">'
        ' <span class="govuk-visually-hidden">Error:</span> Choose a person from the list </p>'
    ) in html
    assert not [selected for _v, selected, _t in options_of(html, "advisor") if selected]
    assert sent not in text_of(response)
    assert response.context["person"] is None


def test_the_queue_filters_are_selects_built_from_their_form(staff_client):
    html = html_of(staff_client.get(reverse("staff:queue"), {"priority": "P2", "status": "new"}))

    assert '<select class="govuk-select" id="priority" name="priority">' in html
    assert '<label class="govuk-label govuk-label--s" for="priority">' in html
    assert options_of(html, "priority") == [
        ("", False, "Any"),
        ("P1", False, "P1 immediate"),
        ("P2", True, "P2 urgent"),
        ("P3", False, "P3 standard"),
        ("P4", False, "P4 below threshold"),
    ]
    statuses = options_of(html, "status")
    assert statuses[:3] == [
        ("", False, "Any open"),
        ("new", True, "New"),
        ("assessing", False, "Assessing"),
    ]
    assert [value for value, selected, _t in statuses if selected] == ["new"]


def test_a_filter_value_not_offered_chooses_nothing_and_is_no_error(staff_client):
    html = html_of(staff_client.get(reverse("staff:queue"), {"priority": "P9", "status": "\x00"}))

    assert "There is a problem" not in html
    for name in ("priority", "status"):
        assert [value for value, selected, _t in options_of(html, name) if selected] == [""]

"""What the staff lists share: the page asked for, the links to its neighbours, choice labels."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from haven.core.parsing import positive_int

# 500,000 rows deep: further than anyone reads, and a page number that cannot overflow.
MAX_PAGE = 10_000


def page_number(request: HttpRequest) -> int:
    """The page asked for; any ``page`` that is not a number from 1 to MAX_PAGE does not exist."""
    value = request.GET.get("page", "")
    if not value:
        return 1
    number = positive_int(value, maximum=MAX_PAGE)
    if number is None:
        raise Http404("no such page")
    return number


def page_query(request: HttpRequest, number: int) -> str:
    """The request's query with ``page`` set to ``number``, for a link to another page."""
    query = request.GET.copy()
    query["page"] = str(number)
    return query.urlencode()


def choice_labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """Choice labels, translated once per page.

    A model's ``get_FOO_display()`` translates every label of the field at each call (Django
    hashes the lazy labels to build its lookup); on a 50-row page that was half the render time.
    """
    return {value: str(label) for value, label in choices}

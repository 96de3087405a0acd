"""Lists paged by number, as every short list on the staff and partner sides is: the page asked
for, and the link to another (the long lists page by keyset: ``cases.keyset``)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from haven.core.parsing import positive_int

M = TypeVar("M", bound=Model)

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


def page_rows(queryset: QuerySet[M], number: int, size: int) -> list[M]:
    """The rows of page ``number`` of ``queryset`` in its order, and one more if a page follows.

    The page's ids are found first, off the index that serves the list's order, then only those
    rows are read with what they join: a deep page costs an index entry for each row before it,
    not the row and its join (which PostgreSQL would otherwise hash and sort, a whole table).
    """
    start = (number - 1) * size
    ids: Any = queryset.values("pk")[start : start + size + 1]
    return list(queryset.filter(pk__in=ids))

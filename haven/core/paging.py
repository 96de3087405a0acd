"""Lists paged by number, as every short list on the staff and partner sides is: the page asked
for, and the link to another (the long lists page by keyset: ``cases.keyset``)."""

from __future__ import annotations

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

"""What the staff lists share: the page asked for, the links to its neighbours, choice labels.

The queue and the team's overdue list page by keyset (``cases.keyset``: ``after`` and
``before`` cursors), the same cost however deep; the shorter lists by page number."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from django.db.models import Choices
from django.http import Http404, HttpRequest
from django.utils import translation

from haven.cases.keyset import Cursor, KeysetPage

# The staff lists' page numbers are core's, shared with the partner portal.
from haven.core.paging import MAX_PAGE as MAX_PAGE
from haven.core.paging import page_number as page_number
from haven.core.paging import page_query as page_query


def keyset_cursors(request: HttpRequest) -> tuple[Cursor | None, Cursor | None]:
    """The ``after`` and ``before`` cursors of a keyset list; a cursor that is not one that a
    page wrote (or both at once) is a page that does not exist."""
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    if after and before:
        raise Http404("no such page")
    cursors = [Cursor.decode(value) if value else None for value in (after, before)]
    if (after and cursors[0] is None) or (before and cursors[1] is None):
        raise Http404("no such page")
    return cursors[0], cursors[1]


def keyset_queries(request: HttpRequest, page: KeysetPage) -> tuple[str, str]:
    """The queries of the links to the pages before and after ``page``, "" where there is none."""

    def at(name: str, cursor: Cursor | None) -> str:
        if cursor is None:
            return ""
        query = request.GET.copy()
        for key in ("after", "before", "page", "tick"):
            query.pop(key, None)
        query[name] = cursor.encode()
        return query.urlencode()

    return at("before", page.previous), at("after", page.next)


def choice_labels(choices: type[Choices] | list[tuple[str, Any]]) -> Mapping[str, str]:
    """Choice labels, translated once per page; those of a ``Choices`` class (``Status``)
    once per language and kept, read-only.

    A model's ``get_FOO_display()`` translates every label of the field at each call (Django
    hashes the lazy labels to build its lookup); on a 50-row page that was half the render time.
    """
    if isinstance(choices, type):
        return _labels_of(choices, translation.get_language())
    return {value: str(label) for value, label in choices}


@lru_cache(maxsize=64)
def _labels_of(choices: type[Choices], language: str | None) -> Mapping[str, str]:
    del language  # in the cache key only: str() translates into the active language
    return MappingProxyType({value: str(label) for value, label in choices.choices})

"""The bare baselines the staff pages are compared with: one query, a 50-row GOV.UK table.

Served by the benchmark's gunicorn beside Haven's pages (``benchmarks/queue.py`` puts these
URLs in front of Haven's), so they pay the same Django request handling and middleware, but
nothing of Haven's: no sign-in, no session, no permission check, no translation. Two:

- ``BARE_PATH``: GOV.UK Frontend's page template and its ``govukTable`` macro, from
  govuk-frontend-jinja, as any Django service built on the GOV.UK Design System would write a
  list page. The staff pages' ratios are to this one.
- ``RAW_PATH``: the same table's markup written out in a loop, without the page template or
  macros: the floor under any list page on this machine.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path
from markupsafe import Markup

BARE_PATH = "/bench/bare-table/"
RAW_PATH = "/bench/raw-table/"

GOVUK = """{% extends "govuk_frontend_jinja/template.html" %}
{% block pageTitle %}Cases{% endblock %}
{% block govukHeader %}{% endblock %}
{% block govukFooter %}{% endblock %}
{% block content %}
{{ govukTable({
  "caption": "Cases", "captionClasses": "govuk-table__caption--m", "firstCellIsHeader": false,
  "head": [{"text": "Reference"}, {"text": "Received"}, {"text": "Priority"},
           {"text": "Status"}, {"text": "Due"}],
  "rows": rows,
}) }}
{% endblock %}"""

# The markup of a GOV.UK table, written out, with a tag in one column as the queue has.
TEMPLATE = """<!DOCTYPE html>
<html lang="en" class="govuk-template"><head><meta charset="utf-8"><title>Cases</title></head>
<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper">
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Cases</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Reference</th>
<th scope="col" class="govuk-table__header">Received</th>
<th scope="col" class="govuk-table__header">Priority</th>
<th scope="col" class="govuk-table__header">Status</th>
<th scope="col" class="govuk-table__header">Due</th></tr></thead>
<tbody class="govuk-table__body">
{%- for row in rows %}
<tr class="govuk-table__row">
<td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/{{ row[0] }}/">{{ row[1] }}</a></td>
<td class="govuk-table__cell">{{ row[2].strftime("%d %b %Y %H:%M") }}</td>
<td class="govuk-table__cell"><strong class="govuk-tag">{{ row[3] }}</strong></td>
<td class="govuk-table__cell">{{ row[4] }}</td>
<td class="govuk-table__cell">{{ row[5].strftime("%d %b %Y %H:%M") if row[5] else "" }}</td></tr>
{%- endfor %}
</tbody></table></main></div></body></html>"""

# The queue's first page, read off the same partial index, without its joins.
QUERY = (
    "SELECT id, reference, received_at, priority, status, next_due_at FROM cases_case"
    " WHERE NOT (status = 'closed')"
    " ORDER BY priority, next_due_at, received_at, id LIMIT 50"
)


def _rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(QUERY)
        return cursor.fetchall()


def bare_table(request: HttpRequest) -> HttpResponse:
    """The GOV.UK page template with a ``govukTable`` of the 50 rows."""
    rows = [
        [
            {"html": Markup('<a class="govuk-link" href="/staff/cases/%s/">%s</a>') % (r[0], r[1])},
            {"text": r[2].strftime("%d %b %Y %H:%M")},
            {"html": Markup('<strong class="govuk-tag">%s</strong>') % r[3]},
            {"text": r[4]},
            {"text": r[5].strftime("%d %b %Y %H:%M") if r[5] else ""},
        ]
        for r in _rows()
    ]
    template = engines["jinja2"].from_string(GOVUK)
    return HttpResponse(template.render({"rows": rows}, request))


def raw_table(request: HttpRequest) -> HttpResponse:
    """The same table's markup written out, no page template and no macro."""
    template = engines["jinja2"].from_string(TEMPLATE)
    return HttpResponse(template.render({"rows": _rows()}))


urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare_table),
    path(RAW_PATH.strip("/") + "/", raw_table),
    path("", include("haven.urls")),
]

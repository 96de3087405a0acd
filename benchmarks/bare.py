"""The bare baseline the staff pages are compared with: one query, a 50-row GOV.UK table.

Served by the benchmark's gunicorn beside Haven's pages (``benchmarks/queue.py`` puts this
module's URL in front of Haven's), so it pays the same Django request handling and middleware,
but nothing of Haven's: no sign-in, no session, no permission check, no macros, no translation.
What is left is what any Django page that lists 50 rows from an index costs on this machine.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

BARE_PATH = "/bench/bare-table/"

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


def bare_table(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(QUERY)
        rows = cursor.fetchall()
    template = engines["jinja2"].from_string(TEMPLATE)
    return HttpResponse(template.render({"rows": rows}))


urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare_table),
    path("", include("haven.urls")),
]

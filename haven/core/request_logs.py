"""Request lines in logs lose their query strings.

A query string can hold what a member of staff searched for (``/staff/audit/?reference=...``),
so it stays out of the development server's request log (``django.server``). Gunicorn's access
log leaves it out through its format, in gunicorn.conf.py.
"""

from __future__ import annotations

import logging
import re

# From a "?" in a request target to the end of the target (a space, or a quote around it).
QUERY_STRING = re.compile(r"\?[^\s\"']*")


def without_query_string(text: str) -> str:
    return QUERY_STRING.sub("", text)


class DropQueryStrings(logging.Filter):
    """Removes query strings from a record's arguments, where the request line is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                without_query_string(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True

"""Gunicorn's settings for Haven: ``gunicorn -c gunicorn.conf.py haven.wsgi``.

Bind address and worker count are given on the command line (docs/CONFIGURATION.md, "A production
start"); this file holds what must be true of every Haven server:

- no ``Server`` header, which would tell a scanner which software to try its exploits on;
- an access log without query strings, client addresses, referrers or user agents: a staff
  search (``/staff/audit/?reference=...``) puts what a supervisor looked for in the query
  string, and Haven keeps no client addresses (docs/SECURITY.md).
"""

from __future__ import annotations

from gunicorn.http import wsgi

wsgi_app = "haven.wsgi:application"

# The access log is off unless --access-logfile names a file ("-" for standard output); when on,
# each line holds the time, method, path without its query string, protocol, status, bytes sent
# and milliseconds taken.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'

_gunicorn_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [
        line for line in _gunicorn_default_headers(self) if not line.lower().startswith("server:")
    ]


# Gunicorn has no setting for it (its maintainers declined one), and an empty value still sends
# the header: its response class is changed here, in the master process, before any worker is
# forked. HTTP/2 (http_protocols), which adds the header elsewhere, is not turned on.
wsgi.Response.default_headers = _default_headers_without_server

"""Error pages. Each one still says what to do in danger and offers the helpline."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    return render(request, template, {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 400, "errors/400.html")


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 403, "errors/403.html")


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 404, "errors/404.html")


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    return _error(request, 405, "errors/405.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "errors/500.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "errors/csrf.html")

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from haven.core import views


class NoStoreMiddleware:
    """Nothing Haven renders may be kept by a browser or proxy cache.

    A shared family computer must not show a report page from its history or cache. Static files
    are answered by WhiteNoise above this middleware and keep their long cache lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        return response


class MethodNotAllowedMiddleware:
    """A request in the wrong method gets the GOV.UK error page, never a bare 405.

    Someone who reloads or goes back to an address that only takes a form (or follows an old
    link to one) must still see the exit button, the emergency number and the helpline. The
    status and the Allow header stay as the view gave them. It sits inside every middleware
    that sets a header (CSP with its nonce, X-Frame-Options, no-store), so the page it renders
    carries them as any other page does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        page = views.method_not_allowed(request)
        page["Allow"] = response["Allow"]
        return page

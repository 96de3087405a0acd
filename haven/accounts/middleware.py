"""Staff sessions end after a spell of idleness, after a fixed lifetime, and when the account
signs out everywhere."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from haven.accounts import services
from haven.accounts.sessions import session_generation
from haven.audit.actions import Action
from haven.audit.services import record_event

# Why the last session ended, for the sign-in page to say (kept in the new, empty session).
ENDED_BECAUSE = "haven_session_ended"
SEEN_PRECISION_SECONDS = 60


class StaffSessionMiddleware:
    """On staff pages, end a signed-in session that is too old, idle, or signed out everywhere.

    The sign-in page says why, and the ending is audited. Public pages are not touched: they
    keep no signed-in state.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and request.path_info.startswith(_staff_prefix()):
            reason = _why_ended(request)
            if reason:
                user = request.user
                with transaction.atomic():
                    record_event(
                        action=Action.STAFF_SESSION_ENDED, actor=user, detail={"reason": reason}
                    )
                # Django's logout sends user_logged_out, which records staff.signed_out: the
                # person did not sign out, so this is marked for the receiver to skip.
                setattr(request, "haven_session_ended", True)  # noqa: B010
                logout(request)
                request.session[ENDED_BECAUSE] = reason
                return redirect_to_sign_in(request)
            now = int(time.time())
            # Saving the session costs a write; a minute's precision is enough for idleness.
            if now - request.session[services.SEEN_AT] >= SEEN_PRECISION_SECONDS:
                request.session[services.SEEN_AT] = now
        return self.get_response(request)


def _staff_prefix() -> str:
    return reverse("staff:reports")


def _why_ended(request: HttpRequest) -> str:
    session = request.session
    now = int(time.time())
    started = session.get(services.SIGNED_IN_AT)
    seen = session.get(services.SEEN_AT)
    if not isinstance(started, int) or not isinstance(seen, int):
        # A session from before these checks, or one forged without them: not trusted.
        return "unknown_age"
    if now - started >= settings.HAVEN_STAFF_SESSION_SECONDS:
        return "lifetime"
    if now - seen >= settings.HAVEN_STAFF_IDLE_SECONDS:
        return "idle"
    if session.get(services.GENERATION) != session_generation(request.user):
        return "signed_out_everywhere"
    return ""


def redirect_to_sign_in(request: HttpRequest) -> HttpResponse:
    """To the sign-in page, coming back to this page afterwards if it was one to read."""
    sign_in = reverse("staff:login")
    if request.method == "GET" and request.path_info != sign_in:
        return redirect_to_login(request.get_full_path())
    return redirect(sign_in)

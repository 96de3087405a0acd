"""Sign-in events for the audit trail. No username is recorded for a failed attempt: it may be
someone's email address typed by mistake."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from haven.accounts import services
from haven.audit.actions import Action
from haven.audit.services import record_event


@receiver(user_logged_in)
def signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.stamp_new_session(request, user)
    record_event(action=Action.STAFF_SIGNED_IN, actor=user)


@receiver(user_logged_out)
def signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # A session the middleware ended has its own event (staff.session_ended).
    if user is not None and not getattr(request, "haven_session_ended", False):
        record_event(action=Action.STAFF_SIGNED_OUT, actor=user)


@receiver(user_login_failed)
def sign_in_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    record_event(action=Action.STAFF_SIGN_IN_FAILED)


@receiver(user_locked_out)
def locked_out(sender: Any, request: Any, username: Any, ip_address: Any, **kwargs: Any) -> None:
    """A username and address locked out. The account is named only if it exists: the text typed
    may be anything, but an existing account's id is what a reviewer needs to warn its owner."""
    account = (
        get_user_model()
        .objects.filter(username=str(username or ""))
        .values_list("pk", flat=True)
        .first()
    )
    record_event(action=Action.STAFF_LOCKED_OUT, detail={"account": account})

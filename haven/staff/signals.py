"""Sign-in events for the audit trail. No username is recorded for a failed attempt: it may be
someone's email address typed by mistake."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from haven.audit.services import record_event


@receiver(user_logged_in)
def signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(action="staff.signed_in", actor=user)


@receiver(user_logged_out)
def signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(action="staff.signed_out", actor=user)


@receiver(user_login_failed)
def sign_in_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    record_event(action="staff.sign_in_failed")

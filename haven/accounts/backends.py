"""The password check of staff sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from haven.accounts.services import could_be_username


class StaffPasswordBackend(ModelBackend):
    """Django's password check, which refuses at once a username no account can have.

    Such a name (too long, or with a NUL byte) would otherwise reach the database, where
    PostgreSQL refuses a NUL byte with an error. The refusal is an ordinary failed sign-in:
    authenticate() reports it, django-axes counts it, the audit trail records it.
    """

    def authenticate(  # type: ignore[override]  # ModelBackend's own signature
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None and not could_be_username(str(username)):
            if password is not None:
                # As ModelBackend does for an unknown name: the hasher runs once, so the time
                # taken does not tell this refusal apart from a wrong password.
                get_user_model()().set_password(password)
            return None
        user: User | None = super().authenticate(
            request, username=username, password=password, **kwargs
        )
        return user

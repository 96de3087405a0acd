"""The password check of staff sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from haven.accounts.models import StaffProfile
from haven.accounts.services import could_be_username
from haven.accounts.sessions import PROFILE_ATTRIBUTE


class StaffPasswordBackend(ModelBackend):
    """Django's password check, which refuses at once a username no account can have; and the
    signed-in account of each request read with its staff profile, in one query.

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

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        """The account, with its role and session generation read in the same query.

        Every staff request needs both (``StaffSessionMiddleware`` compares the generations,
        each permission check reads the role), so ``sessions.profile_of`` finds the profile
        already read instead of asking again. Refuses what ModelBackend refuses (no such
        account, or an inactive one).
        """
        try:
            user = get_user_model()._default_manager.select_related("staff_profile").get(pk=user_id)
        except (get_user_model().DoesNotExist, ValueError, TypeError):
            return None
        if not self.user_can_authenticate(user):
            return None
        try:
            profile: StaffProfile | None = user.staff_profile
        except StaffProfile.DoesNotExist:
            profile = None
        setattr(user, PROFILE_ATTRIBUTE, profile)
        return user  # type: ignore[no-any-return]

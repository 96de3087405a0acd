from __future__ import annotations

from django.conf import settings
from django.db import models

from haven.accounts.roles import Role


class StaffProfile(models.Model):
    """A staff account's role, and the counter that "sign out everywhere" moves on.

    Every session records the counter's value when it starts; a session whose value is behind
    the account's is ended by ``StaffSessionMiddleware`` at its next request.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="staff_profile_role_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role})"

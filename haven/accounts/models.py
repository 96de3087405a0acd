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


class SecondFactorKind(models.TextChoices):
    APP = "app", "Authenticator app"
    RECOVERY_CODE = "recovery_code", "Recovery code"


class SecondFactorFailure(models.Model):
    """One wrong second-factor code, kept for HAVEN_SECOND_FACTOR_WINDOW_SECONDS.

    The throttle in ``haven.accounts.throttle`` counts these rows. ``address`` is a keyed digest
    of the client's address, never the address; ``attempt`` is a random tag of the session that
    typed the code, so a successful sign-in can forget its own typing mistakes. ``device`` is a
    keyed digest of the nonce in the browser's device cookie when the code counted against that
    device's own budget, and empty when it counted against the account's. The code itself is
    not kept.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SecondFactorKind.choices)
    address = models.CharField(max_length=64)
    attempt = models.CharField(max_length=32)
    device = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "at"], name="second_factor_failures")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SecondFactorKind.values),
                name="second_factor_failure_kind_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"

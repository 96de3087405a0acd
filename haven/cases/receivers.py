"""What cases does when something below it changes (connected in CasesConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from haven.accounts.services import account_deactivated
from haven.cases import services


@receiver(account_deactivated)
def release_cases(sender: Any, user: Any, by: Any, **kwargs: Any) -> None:
    services.release_open_cases(holder=user, by=by, reason="deactivated")

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo-advisor"


class Command(BaseCommand):
    help = "Create the demo staff account if it is missing, and print how to sign in (not for production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("The demo account is for development only (HAVEN_ENV=development).")
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None or not credentials.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User(username=DEMO_USERNAME, is_staff=True)
            user.set_password(password)
            user.save()
            credentials.unlink(missing_ok=True)
            fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{DEMO_USERNAME}\n{password}\n")
        username, password = credentials.read_text().split()
        self.stdout.write(
            "\nDemo staff sign-in (development only):\n"
            f"  page:     /staff/sign-in/\n"
            f"  username: {username}\n"
            f"  password: {password}\n"
            f"  (kept in {credentials})\n"
        )

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.totp import secret_text
from haven.referrals.directory import area_key
from haven.referrals.models import AgencyArea, AgencyKind, PartnerAgency, PartnerMembership

# The demo accounts and their roles. Each has an authenticator app already set up, with its key
# printed here, so a developer can sign in with any authenticator app (or with --code).
DEMO_ACCOUNTS = {
    "demo-advisor": "advisor",
    "demo-supervisor": "supervisor",
    "demo-administrator": "administrator",
    "demo-partner": "partner",
}
# The demo partner user's agency, in the directory with a made-up area, so that an advisor can
# refer a demo case to it and the partner can read the referral.
DEMO_AGENCY = "Demo Borough Children's Services"
DEMO_AREA = "Demo Borough"


class Command(BaseCommand):
    help = (
        "Create the demo staff accounts if they are missing, and print how to sign in, "
        "with each account's authenticator key (development only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code",
            metavar="USERNAME",
            help="print the current 6-digit code of a demo account's authenticator, and stop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError(
                "The demo accounts are for development only (HAVEN_ENV=development)."
            )
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        if options["code"]:
            self._print_code(options["code"])
            return
        known = _read(credentials)
        User = get_user_model()
        for username, role in DEMO_ACCOUNTS.items():
            user = User.objects.filter(username=username).first()
            app = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
            if user is None or app is None or username not in known:
                known[username] = self._make(username, role)
        _demo_agency()
        _write(credentials, known)
        self._print(credentials, known)

    @transaction.atomic
    def _make(self, username: str, role: str) -> str:
        """(Re)create the account with a new password and a new authenticator key."""
        User = get_user_model()
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.create_staff_account(username=username, password=password, role=role)
        else:
            user.set_password(password)
            user.is_staff = user.is_active = True
            user.save()
            services.set_role(user=user, role=role)
        # A made-up address (example.org is reserved), so that notices of a reporter's reply
        # have somewhere to go in var/notices.log.
        user.email = f"{username}@example.org"
        user.save(update_fields=["email"])
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name=services.TOTP_NAME, confirmed=True)
        return password

    def _print(self, credentials: Path, known: dict[str, str]) -> None:
        lines = ["", "Demo staff sign-in (development only), at /staff/sign-in/:"]
        for username, role in DEMO_ACCOUNTS.items():
            lines.append(f"  {username:<18} password {known[username]}  ({role})")
        lines += [
            "",
            "Then a code from an authenticator app (Microsoft or Google Authenticator,",
            "1Password, ...). Add each account to your app with its key or link:",
        ]
        for username in DEMO_ACCOUNTS:
            app = TOTPDevice.objects.get(user__username=username, confirmed=True)
            lines.append(f"  {username:<18} key {secret_text(app)}")
            lines.append(f"  {'':<18} {app.config_url}")
        lines += [
            "Without an app, print the current code with:",
            "  HAVEN_ENV=development .venv/bin/python manage.py create_demo_staff --code demo-advisor",
            f"demo-partner belongs to {DEMO_AGENCY} (area: {DEMO_AREA}); refer a case",
            "to it from the case page, and the partner reads it at /partner/.",
            "A new account sets up its own app (or a passkey) at its first sign-in.",
            f"(Passwords are kept in {credentials}.)",
            "",
        ]
        self.stdout.write("\n".join(lines))

    def _print_code(self, username: str) -> None:
        if username not in DEMO_ACCOUNTS:
            raise CommandError(
                f"--code works only for the demo accounts: {', '.join(DEMO_ACCOUNTS)}"
            )
        app = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if app is None:
            raise CommandError(f"{username} has no authenticator yet: run create_demo_staff first")
        totp = TOTP(app.bin_key, app.step, app.t0, app.digits, app.drift)
        totp.time = time.time()
        left = app.step - int(time.time() - app.t0) % app.step
        self.stdout.write(f"{totp.token():0{app.digits}d}  (for {left} more seconds)\n")


def _demo_agency() -> None:
    """The demo agency, with the demo partner user as its member (kept if already there)."""
    agency = PartnerAgency.objects.filter(name=DEMO_AGENCY).first()
    if agency is None:
        agency = PartnerAgency.objects.create(
            name=DEMO_AGENCY,
            kind=AgencyKind.SOCIAL_CARE,
            areas=[DEMO_AREA],
            out_of_hours="Emergency duty team 0300 555 0000 (made up)",
        )
        AgencyArea.objects.create(agency=agency, key=area_key(DEMO_AREA))
    partner = get_user_model().objects.get(username="demo-partner")
    PartnerMembership.objects.update_or_create(user=partner, defaults={"agency": agency})


def _read(path: Path) -> dict[str, str]:
    """username -> password, from "username password" lines; an older file counts as empty."""
    if not path.exists():
        return {}
    known = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in DEMO_ACCOUNTS:
            known[parts[0]] = parts[1]
    return known


def _write(path: Path, known: dict[str, str]) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{name} {known[name]}\n" for name in DEMO_ACCOUNTS))

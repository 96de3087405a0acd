from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.http import urlencode

from haven.accounts import services
from haven.accounts.roles import Role


class Command(BaseCommand):
    help = (
        "Create a staff account (the first administrator, say) and print a set-password link "
        "for its holder. Administrators create the others on the staff pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role", choices=[role.value for role in Role], default=Role.ADVISOR.value
        )
        parser.add_argument(
            "--site",
            default="",
            metavar="URL",
            help="the address staff use, e.g. https://haven.example.org, to print a whole link",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = services.normalise_username(options["username"])
        problem = services.username_problem(username)
        if problem:
            raise CommandError(f"That username cannot be used ({problem}).")
        account = services.create_staff_account(username=username, role=options["role"])
        token = services.password_link_token(user=account)
        link = f"{reverse('staff:account:set_password')}?{urlencode({'link': token})}"
        site = str(options["site"]).rstrip("/")
        hours = services.SET_PASSWORD_LINK_SECONDS // 3600
        self.stdout.write(
            f"Created {username} ({options['role']}). Give them this link to set a password; "
            f"it works once, for {hours} hours:\n"
            f"  {site}{link}\n"
            + ("" if site else "  (put the staff site's address in front of it, or use --site)\n")
            + "Then they sign in and set up an authenticator app or a passkey.\n"
        )

"""`make run`'s demo accounts: an advisor and a supervisor, each with an authenticator set up."""

from __future__ import annotations

import io
import re
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_demo_staff", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "demo-credentials.txt"


def test_it_creates_an_advisor_and_a_supervisor_and_prints_how_to_sign_in(demo):
    printed = run()

    for username, role in (("demo-advisor", "advisor"), ("demo-supervisor", "supervisor")):
        user = get_user_model().objects.get(username=username)
        assert services.role_of(user) == role
        app = TOTPDevice.objects.get(user=user, confirmed=True)
        assert re.search(rf"{username} +key {re.escape(services_secret(app))}", printed)
    assert "/staff/sign-in/" in printed
    assert stat.S_IMODE(demo.stat().st_mode) == 0o600


def services_secret(app) -> str:
    from haven.accounts.totp import secret_text

    return secret_text(app)


def test_running_it_again_keeps_the_passwords_and_keys(demo):
    run()
    before = demo.read_text()
    keys = set(TOTPDevice.objects.values_list("key", flat=True))

    run()

    assert demo.read_text() == before
    assert set(TOTPDevice.objects.values_list("key", flat=True)) == keys


def test_the_printed_password_and_code_sign_in(demo):
    run()
    password = dict(line.split() for line in demo.read_text().splitlines())["demo-advisor"]
    code = run("--code", "demo-advisor").split()[0]
    client = Client()

    client.post(reverse("staff:login"), {"username": "demo-advisor", "password": password})
    client.post(reverse("staff:account:verify"), {"code": code})

    assert client.get(reverse("staff:reports")).status_code == 200


def test_codes_only_for_demo_accounts(demo):
    with pytest.raises(CommandError):
        run("--code", "someone-else")


def test_it_refuses_to_run_in_production(demo, settings):
    settings.IS_PRODUCTION = True

    with pytest.raises(CommandError):
        run()


def test_it_creates_a_demo_agency_with_the_demo_partner_in_it(demo):
    from haven.referrals import directory
    from haven.referrals.models import PartnerMembership

    printed = run()
    run()  # again: still one agency, one membership
    partner = get_user_model().objects.get(username="demo-partner")
    assert services.role_of(partner) == "partner"
    membership = PartnerMembership.objects.get(user=partner)
    assert membership.agency.name == "Demo Borough Children's Services"
    assert list(directory.find("demo borough")) == [membership.agency]
    assert "demo-partner belongs to Demo Borough Children's Services" in printed
    assert "/partner/" in printed

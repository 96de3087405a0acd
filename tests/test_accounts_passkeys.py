"""Passkeys: the pages that offer them, and the server side of both ceremonies, driven by a small
software authenticator (an EC P-256 key and "none" attestation, as a platform authenticator
sends), so the server's checks of challenge, origin, relying party and signature all run."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from haven.audit.models import AuditEvent
from tests.factories import StaffUserFactory, add_totp, verified_client

ORIGIN = "http://testserver"
RP_ID = "testserver"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftwareAuthenticator:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def create(self, options: dict[str, Any], *, origin: str = ORIGIN) -> dict[str, Any]:
        client_data = json.dumps(
            {"type": "webauthn.create", "challenge": options["challenge"], "origin": origin}
        ).encode()
        auth_data = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + bytes([0x45])  # user present, user verified, attested credential data
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict[str, Any], *, origin: str = ORIGIN) -> dict[str, Any]:
        self.sign_count += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": options["challenge"], "origin": origin}
        ).encode()
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([0x05])
            + struct.pack(">I", self.sign_count)
        )
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def post_json(client: Client, name: str, body: Any = None, query: str = "") -> Any:
    return client.post(
        reverse(f"staff:account:{name}") + query,
        data=json.dumps(body or {}),
        content_type="application/json",
    )


def register(client: Client, authenticator: SoftwareAuthenticator) -> Any:
    options = post_json(client, "passkey_register_begin").json()
    return post_json(client, "passkey_register_complete", authenticator.create(options))


@pytest.fixture
def newcomer(db):
    user = StaffUserFactory()
    client = Client()
    client.force_login(user)
    return user, client


def test_the_set_up_page_offers_a_passkey_with_its_scripts_under_the_nonce(newcomer):
    _user, client = newcomer

    response = client.get(reverse("staff:account:enrol"))

    page = response.content.decode()
    nonce = re.search(r'nonce="([^"]+)"', page).group(1)
    assert 'id="passkey-registration-available-template"' in page
    assert 'id="passkey-register-button"' in page
    assert (
        f'<script type="module" src="/static/django_otp_webauthn/otp_webauthn_register.js" '
        f'nonce="{nonce}"></script>'
    ) in page
    config = json.loads(re.search(r'id="otp_webauthn_config">(.*?)</script>', page, re.S).group(1))
    assert config["beginRegistrationUrl"] == reverse("staff:account:passkey_register_begin")
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "Passkeys need JavaScript" in page  # what a browser without it shows


def test_the_passkey_scripts_are_served(newcomer):
    _user, client = newcomer

    assert client.get(reverse("staff:account:passkey_jsi18n")).status_code == 200
    assert client.get("/static/django_otp_webauthn/otp_webauthn_register.js").status_code == 200
    assert client.get("/static/accounts/passkey.mjs").status_code == 200


def test_registration_options_name_this_site_and_the_person(newcomer):
    user, client = newcomer

    options = post_json(client, "passkey_register_begin").json()

    assert options["rp"]["id"] == RP_ID
    assert options["user"]["name"] == user.username
    assert len(unb64url(options["challenge"])) >= 16


def test_a_first_passkey_is_the_second_factor_and_brings_recovery_codes(newcomer):
    user, client = newcomer
    authenticator = SoftwareAuthenticator()

    response = register(client, authenticator)

    assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user=user)
    assert credential.credential_id == authenticator.credential_id
    assert client.get(reverse("staff:reports")).status_code == 200
    page = client.get(reverse("staff:account:recovery_codes")).content.decode()
    assert len(re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page)) == 10
    event = AuditEvent.objects.get(action="staff.mfa_enrolled")
    assert (event.actor_id, event.detail) == (user.pk, {"method": "webauthn"})


def test_a_passkey_made_for_another_site_is_refused_and_audited(newcomer):
    user, client = newcomer
    options = post_json(client, "passkey_register_begin").json()
    forged = SoftwareAuthenticator().create(options, origin="https://evil.example")

    response = post_json(client, "passkey_register_complete", forged)

    assert response.status_code in (400, 422)
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert client.get(reverse("staff:reports")).status_code == 302
    event = AuditEvent.objects.get(action="staff.mfa_failed")
    assert event.detail == {"method": "webauthn", "stage": "register"}


def test_a_registration_answer_cannot_be_replayed(newcomer):
    _user, client = newcomer
    authenticator = SoftwareAuthenticator()
    options = post_json(client, "passkey_register_begin").json()
    answer = authenticator.create(options)
    assert post_json(client, "passkey_register_complete", answer).status_code == 200

    again = post_json(client, "passkey_register_complete", answer)

    assert again.status_code == 400
    assert again.json()["code"] == "invalid_state"


def test_a_password_alone_cannot_add_a_passkey_to_an_account_with_an_app(db):
    user = StaffUserFactory()
    add_totp(user)
    client = Client()
    client.force_login(user)

    response = post_json(client, "passkey_register_begin")

    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"


def test_signing_in_with_a_passkey(db):
    user = StaffUserFactory()
    authenticator = SoftwareAuthenticator()
    assert register(verified_client(user), authenticator).status_code == 200
    client = Client()
    client.force_login(user)

    options = post_json(client, "passkey_verify_begin").json()
    response = post_json(
        client, "passkey_verify_complete", authenticator.get(options), query="?next=/staff/"
    )

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/staff/"
    assert client.get(reverse("staff:reports")).status_code == 200
    event = AuditEvent.objects.get(action="staff.mfa_verified")
    assert (event.actor_id, event.detail) == (user.pk, {"method": "webauthn"})


def test_a_passkey_verification_does_not_send_the_person_to_another_site(db):
    user = StaffUserFactory()
    authenticator = SoftwareAuthenticator()
    register(verified_client(user), authenticator)
    client = Client()
    client.force_login(user)
    options = post_json(client, "passkey_verify_begin").json()

    response = post_json(
        client,
        "passkey_verify_complete",
        authenticator.get(options),
        query="?next=https://evil.example/",
    )

    assert response.json()["redirect_url"] == reverse("staff:account:home")


def test_a_wrong_signature_is_refused_and_audited(db):
    user = StaffUserFactory()
    authenticator = SoftwareAuthenticator()
    register(verified_client(user), authenticator)
    client = Client()
    client.force_login(user)
    options = post_json(client, "passkey_verify_begin").json()
    answer = authenticator.get(options)
    answer["response"]["signature"] = b64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")

    response = post_json(client, "passkey_verify_complete", answer)

    assert response.status_code in (400, 403, 422)
    assert client.get(reverse("staff:reports")).status_code == 302
    event = AuditEvent.objects.get(action="staff.mfa_failed")
    assert event.detail == {"method": "webauthn", "stage": "verify"}


def test_another_persons_passkey_does_not_verify_this_account(db):
    owner, other = StaffUserFactory(), StaffUserFactory()
    authenticator = SoftwareAuthenticator()
    register(verified_client(owner), authenticator)
    add_totp(other)
    client = Client()
    client.force_login(other)
    options = post_json(client, "passkey_verify_begin").json()
    options["rpId"] = RP_ID

    response = post_json(client, "passkey_verify_complete", authenticator.get(options))

    assert response.status_code in (403, 404)
    assert client.get(reverse("staff:reports")).status_code == 302


@pytest.mark.parametrize(
    "name", ["passkey_register_begin", "passkey_verify_begin", "passkey_verify_complete"]
)
def test_the_ceremonies_refuse_anyone_but_staff(db, name):
    member = StaffUserFactory(not_staff=True)
    member_client = Client()
    member_client.force_login(member)

    assert post_json(Client(), name).status_code == 403
    assert post_json(member_client, name).status_code == 403


def test_passkeys_never_sign_anyone_in_without_a_password():
    from django.conf import settings

    assert settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False

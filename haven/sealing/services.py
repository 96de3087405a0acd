"""Sealing and opening report contents, and the reporter's own key pair.

A report's answers are sealed with the organisation's current public key (a libsodium sealed
box: X25519 + XSalsa20-Poly1305, with a fresh ephemeral key per seal). The report's id travels
inside the plaintext and is checked on opening, so a sealed value copied onto another report's
row is refused rather than shown as that report.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from haven.core import crockford
from haven.sealing.keystore import KeyStore, KeyUnavailable, keystore

FORMAT = 1


class SealBroken(Exception):
    """The sealed value cannot be opened as the report it is stored on."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    ciphertext: bytes


def _plaintext(record_id: str, contents: dict[str, Any]) -> bytes:
    return json.dumps(
        {"format": FORMAT, "id": record_id, "contents": contents},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def _opened(private: PrivateKey, record_id: str, ciphertext: bytes) -> dict[str, Any]:
    try:
        data = json.loads(SealedBox(private).decrypt(bytes(ciphertext)))
    except (CryptoError, ValueError) as exc:
        raise SealBroken("the sealed value does not open with its key") from exc
    if not isinstance(data, dict) or data.get("id") != record_id or data.get("format") != FORMAT:
        raise SealBroken("the sealed value belongs to another record")
    contents: dict[str, Any] = data["contents"]
    return contents


def seal(*, record_id: str, contents: dict[str, Any], store: KeyStore | None = None) -> Sealed:
    pair = (store or keystore()).current()
    return Sealed(
        key_id=pair.key_id,
        ciphertext=SealedBox(pair.public).encrypt(_plaintext(record_id, contents)),
    )


def open_sealed(
    *, record_id: str, key_id: str, ciphertext: bytes, store: KeyStore | None = None
) -> dict[str, Any]:
    """The contents sealed for ``record_id``. Raises KeyUnavailable or SealBroken."""
    return _opened((store or keystore()).private_key(key_id), record_id, ciphertext)


def seal_to_reporter(*, public_key: bytes, record_id: str, contents: dict[str, Any]) -> bytes:
    """``contents`` sealed to a reporter's own public key (``Report.reporter_public_key``), as
    ``seal`` seals to the organisation's: only their follow-up code opens it."""
    return bytes(SealedBox(PublicKey(bytes(public_key))).encrypt(_plaintext(record_id, contents)))


def open_as_reporter(
    *, private_key: PrivateKey, record_id: str, ciphertext: bytes
) -> dict[str, Any]:
    """What ``seal_to_reporter`` sealed for ``record_id``, with the reporter's unwrapped key.
    Raises SealBroken."""
    return _opened(private_key, record_id, ciphertext)


def hkdf_sha256(*, secret: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF with SHA-256 (extract, then expand)."""
    prk = hmac.new(salt, secret, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


@dataclass(frozen=True)
class ReporterKeys:
    public_key: bytes
    wrapped_private_key: bytes
    salt: bytes


def reporter_keys(*, followup_code: str, record_id: str) -> ReporterKeys:
    """A key pair for the reporter, its private half wrapped under a key derived from their code.

    Replies sealed to ``public_key`` can later be read by whoever holds the follow-up code,
    without the organisation's private key.
    """
    private = PrivateKey.generate()
    salt = secrets.token_bytes(16)
    box = SecretBox(_wrapping_key(followup_code, record_id, salt))
    return ReporterKeys(
        public_key=bytes(private.public_key),
        wrapped_private_key=bytes(box.encrypt(bytes(private))),
        salt=salt,
    )


def unwrap_reporter_key(
    *, followup_code: str, record_id: str, salt: bytes, wrapped: bytes
) -> PrivateKey:
    """The reporter's private key, unwrapped with their follow-up code in any usual spelling.

    Raises SealBroken when the code (or the record id) is not the one it was wrapped under.
    """
    box = SecretBox(_wrapping_key(followup_code, record_id, bytes(salt)))
    try:
        return PrivateKey(box.decrypt(bytes(wrapped)))
    except CryptoError as exc:
        raise SealBroken("the follow-up code does not unwrap this key") from exc


def _wrapping_key(followup_code: str, record_id: str, salt: bytes) -> bytes:
    # Normalised here, not by callers: the code as shown (grouped), as typed back (lower case,
    # spaces, O for 0) and as stored by the sender must all derive the same key.
    # The server's receipt key is mixed in, as for the verifier: a copy of the database alone
    # cannot test guesses of a code against the wrapped key either.
    code = crockford.normalise(followup_code).encode()
    keyed = hmac.new(settings.HAVEN_RECEIPT_KEY.encode(), b"reporter-key " + code, hashlib.sha256)
    return hkdf_sha256(
        secret=keyed.digest(),
        salt=salt,
        info=b"haven reporter key v1 " + record_id.encode(),
    )


__all__ = [
    "KeyUnavailable",
    "SealBroken",
    "Sealed",
    "open_as_reporter",
    "open_sealed",
    "reporter_keys",
    "seal",
    "seal_to_reporter",
    "unwrap_reporter_key",
]

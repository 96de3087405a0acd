"""Where the organisation's sealing key pairs live.

A key pair is two files in ``HAVEN_KEY_DIR``: ``<key id>.public`` and ``<key id>.private``
(mode 0600), each holding the raw key as base64. ``current`` names the key id that seals new
reports. The public journey needs only the ``.public`` files and ``current``; the private halves
belong only where staff open reports, so a server that takes reports from the internet can be run
without them (see docs/KEYS.md). Old private keys stay so reports sealed before a rotation open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from nacl.public import PrivateKey, PublicKey

KEY_SIZE = 32  # X25519, both halves


class KeyUnavailable(Exception):
    """The key needed is not on this server."""


@dataclass(frozen=True)
class KeyPair:
    key_id: str
    public: PublicKey


def key_id_for(public: PublicKey) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes(public)).hexdigest()[:16]


class KeyStore(Protocol):
    def current(self) -> KeyPair: ...

    def private_key(self, key_id: str) -> PrivateKey: ...


class FileKeyStore:
    """The key files in one folder.

    A store keeps each private key it has read, by key id, for as long as the store lives: a
    page that opens fifty messages reads, decodes and checks the key file once, not fifty times.
    A key id is its public key's hash, so a kept key is never another's, whatever is rotated.
    ``keystore()`` makes a new store each call, so make one per piece of work (a page, a
    command) and pass it on: a private key taken off the server is then refused from the next
    page on, which a cache kept for the whole process would only notice at a restart. Nothing
    is kept of a key that failed to load.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._private: dict[str, PrivateKey] = {}

    def current(self) -> KeyPair:
        try:
            key_id = (self.directory / "current").read_text().strip()
        except FileNotFoundError as exc:
            raise KeyUnavailable("no current key pair; run manage.py create_keys") from exc
        if not key_id.isalnum():
            raise KeyUnavailable("the current file does not name a key")
        try:
            raw = (self.directory / f"{key_id}.public").read_text().strip()
        except FileNotFoundError as exc:
            raise KeyUnavailable(f"the current public key {key_id}.public is missing") from exc
        public = PublicKey(_decode(raw, f"{key_id}.public"))
        if key_id_for(public) != key_id:
            raise KeyUnavailable(f"public key file {key_id}.public does not match its name")
        return KeyPair(key_id=key_id, public=public)

    def private_key(self, key_id: str) -> PrivateKey:
        kept = self._private.get(key_id)
        if kept is not None:
            return kept
        if not key_id.isalnum():
            raise KeyUnavailable("malformed key id")
        try:
            raw = (self.directory / f"{key_id}.private").read_text().strip()
        except FileNotFoundError as exc:
            raise KeyUnavailable(f"the private key {key_id} is not on this server") from exc
        private = PrivateKey(_decode(raw, f"{key_id}.private"))
        if key_id_for(private.public_key) != key_id:
            raise KeyUnavailable(f"private key file {key_id}.private does not match its name")
        self._private[key_id] = private
        return private

    def create(self, *, make_current: bool = True) -> KeyPair:
        """Write a new key pair; the private half is created with mode 0600 and never rewritten."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = PrivateKey.generate()
        key_id = key_id_for(private.public_key)
        _write_new(self.directory / f"{key_id}.private", bytes(private), 0o600)
        _write_new(self.directory / f"{key_id}.public", bytes(private.public_key), 0o644)
        if make_current:
            tmp = self.directory / "current.tmp"
            tmp.write_text(key_id + "\n")
            os.replace(tmp, self.directory / "current")
        return KeyPair(key_id=key_id, public=private.public_key)

    def has_current_file(self) -> bool:
        """Whether a current key is named, readable or not."""
        return (self.directory / "current").exists()

    def has_current(self) -> bool:
        try:
            self.current()
        except KeyUnavailable:
            return False
        return True


def _decode(raw: str, name: str) -> bytes:
    # A damaged file must be "unavailable", not an unhandled error: the staff view turns
    # KeyUnavailable into a clear page and an audit event, anything else into a 500.
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyUnavailable(f"key file {name} is not a key") from exc
    if len(key) != KEY_SIZE:
        raise KeyUnavailable(f"key file {name} is not a key")
    return key


def _write_new(path: Path, raw: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(raw).decode() + "\n")
    os.chmod(path, mode)  # the umask may have narrowed or widened what O_CREAT set


def keystore() -> FileKeyStore:
    return FileKeyStore(settings.HAVEN_KEY_DIR)

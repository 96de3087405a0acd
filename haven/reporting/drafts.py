"""Answers in progress: kept on the server, encrypted with a key only the reporter's cookie holds.

The database row holds ciphertext and two timestamps; the cookie holds the row's id and the
32-byte key. Neither alone reveals anything: a copy of the database cannot read a draft, and a
stolen cookie is useless once the draft has expired (60 minutes idle by default) and been purged.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from haven.reporting.models import Draft

COOKIE = "haven_draft"


@dataclass
class DraftState:
    """The decrypted draft: the audience, the answers per step, and what was sent."""

    id: str
    key: bytes
    created_at: Any
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False

    @property
    def audience(self) -> str | None:
        return self.data.get("audience")

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = self.data.setdefault("answers", {})
        return answers

    @property
    def submission_key(self) -> str:
        key: str = self.data["submission_key"]
        return key


class DraftMissing(Exception):
    """There is no draft for this request."""


class DraftExpired(Exception):
    """The request's cookie names a draft that has timed out or been purged."""


def _idle_cutoff() -> Any:
    return timezone.now() - timedelta(seconds=settings.HAVEN_DRAFT_IDLE_SECONDS)


def _parse_cookie(request: HttpRequest) -> tuple[str, bytes] | None:
    raw = request.COOKIES.get(COOKIE, "")
    draft_id, _, key_text = raw.partition(".")
    if not draft_id or not key_text or len(draft_id) > 32 or not draft_id.isalnum():
        return None
    try:
        key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
    except (binascii.Error, ValueError):
        return None
    return (draft_id, key) if len(key) == SecretBox.KEY_SIZE else None


def has_cookie(request: HttpRequest) -> bool:
    return COOKIE in request.COOKIES


def load(request: HttpRequest) -> DraftState:
    """The request's draft. Raises DraftMissing (no cookie) or DraftExpired."""
    parsed = _parse_cookie(request)
    if parsed is None:
        if has_cookie(request):
            raise DraftExpired()
        raise DraftMissing()
    draft_id, key = parsed
    row = Draft.objects.filter(pk=draft_id).first()
    if row is None or row.updated_at < _idle_cutoff():
        if row is not None:
            row.delete()
        raise DraftExpired()
    try:
        data = json.loads(SecretBox(key).decrypt(bytes(row.ciphertext)))
    except (CryptoError, ValueError) as exc:
        raise DraftExpired() from exc
    if data.get("id") != draft_id:
        raise DraftExpired()
    return DraftState(id=draft_id, key=key, created_at=row.created_at, data=data)


def load_or_none(request: HttpRequest) -> DraftState | None:
    try:
        return load(request)
    except (DraftMissing, DraftExpired):
        return None


def start() -> DraftState:
    """A new, empty draft (saved by ``save``). Expired drafts are purged on the way."""
    purge_expired()
    return DraftState(
        id=secrets.token_hex(16),
        key=secrets.token_bytes(SecretBox.KEY_SIZE),
        created_at=timezone.now(),
        # Minted and saved with the draft, so every request that sends it carries the same key.
        data={"submission_key": secrets.token_urlsafe(32)},
        is_new=True,
    )


def save(state: DraftState, response: HttpResponse | None = None) -> None:
    """Encrypt and store the draft; on a new draft, set the cookie on ``response``."""
    state.data["id"] = state.id
    plaintext = json.dumps(state.data, ensure_ascii=False, separators=(",", ":")).encode()
    ciphertext = bytes(SecretBox(state.key).encrypt(plaintext))
    now = timezone.now()
    with transaction.atomic():
        updated = Draft.objects.filter(pk=state.id).update(ciphertext=ciphertext, updated_at=now)
        if not updated:
            Draft.objects.create(
                id=state.id, ciphertext=ciphertext, created_at=state.created_at, updated_at=now
            )
    if state.is_new and response is not None:
        set_cookie(response, state)


def record_sent(state: DraftState, *, reference: str, code: str | None) -> None:
    """Replace the answers with the receipt, unless another request has recorded it already.

    Two requests sending one draft (a double click) both end here, in either order: only the
    first stored the report and holds the follow-up code (the repeat has ``code=None``). Under the
    row lock, a receipt already recorded is kept, except that the code may still be added to a
    receipt recorded without it, as long as that receipt has not been shown.
    """
    with transaction.atomic():
        row = Draft.objects.select_for_update().filter(pk=state.id).first()
        if row is not None:
            current = json.loads(SecretBox(state.key).decrypt(bytes(row.ciphertext)))
            receipt = current.get("sent")
            if receipt and (code is None or receipt.get("code") or receipt.get("shown")):
                state.data = current
                return
        state.data = {
            "audience": state.audience,
            "submission_key": state.data["submission_key"],
            "sent": {"reference": reference, "code": code},
        }
        save(state)


def set_cookie(response: HttpResponse, state: DraftState) -> None:
    key_text = base64.urlsafe_b64encode(state.key).decode().rstrip("=")
    response.set_cookie(
        COOKIE,
        f"{state.id}.{key_text}",
        httponly=True,
        samesite="Strict",
        secure=settings.SECURE_COOKIES,
        path="/",
    )


def discard(request: HttpRequest, response: HttpResponse) -> None:
    """Delete the request's draft, if any, and its cookie."""
    parsed = _parse_cookie(request)
    if parsed is not None:
        Draft.objects.filter(pk=parsed[0]).delete()
    response.delete_cookie(COOKIE, path="/", samesite="Strict")


def purge_expired() -> int:
    deleted, _ = Draft.objects.filter(updated_at__lt=_idle_cutoff()).delete()
    return deleted

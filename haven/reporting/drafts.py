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

from haven.reporting.models import Draft, Report

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


def parse_key_cookie(raw: str) -> tuple[str, bytes] | None:
    """A row id and the 32-byte key that opens it, from a cookie value ``<id>.<key>``; None for
    anything else. Drafts and reporters' visits (``checking``) are both kept this way."""
    row_id, _, key_text = raw.partition(".")
    if not row_id or not key_text or len(row_id) > 32 or not row_id.isalnum():
        return None
    try:
        key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
    except (binascii.Error, ValueError):
        return None
    return (row_id, key) if len(key) == SecretBox.KEY_SIZE else None


def set_key_cookie(response: HttpResponse, name: str, row_id: str, key: bytes) -> None:
    """The cookie that holds a row's id and key: for this site only, never read by scripts,
    gone when the browser closes."""
    key_text = base64.urlsafe_b64encode(key).decode().rstrip("=")
    response.set_cookie(
        name,
        f"{row_id}.{key_text}",
        httponly=True,
        samesite="Strict",
        secure=settings.SECURE_COOKIES,
        path="/",
    )


def _parse_cookie(request: HttpRequest) -> tuple[str, bytes] | None:
    return parse_key_cookie(request.COOKIES.get(COOKIE, ""))


def has_cookie(request: HttpRequest) -> bool:
    # An empty value is a cookie being deleted (a client that keeps it has no draft).
    return bool(request.COOKIES.get(COOKIE))


def _open(row: Draft, draft_id: str, key: bytes) -> dict[str, Any] | None:
    """The row's contents, if ``key`` opens it and it names itself ``draft_id``; else None."""
    try:
        data = json.loads(SecretBox(key).decrypt(bytes(row.ciphertext)))
    except (CryptoError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("id") == draft_id else None


def load(request: HttpRequest) -> DraftState:
    """The request's draft. Raises DraftMissing (no cookie) or DraftExpired.

    An expired draft is deleted here only if the cookie's key opens it: an id alone (seen in
    a log, or guessed) must not be enough to delete someone's draft. purge_expired takes the
    rest.
    """
    parsed = _parse_cookie(request)
    if parsed is None:
        if has_cookie(request):
            raise DraftExpired()
        raise DraftMissing()
    draft_id, key = parsed
    row = Draft.objects.filter(pk=draft_id).first()
    data = _open(row, draft_id, key) if row is not None else None
    if row is None or data is None:
        raise DraftExpired()
    if row.updated_at < _idle_cutoff():
        row.delete()
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


def _locked(state: DraftState) -> dict[str, Any] | None:
    """The draft as stored now, its row locked until the caller's transaction ends."""
    row = Draft.objects.select_for_update().filter(pk=state.id).first()
    return _open(row, state.id, state.key) if row is not None else None


def prepare_send(state: DraftState, *, code: str) -> str | None:
    """The follow-up code this draft's report will have; None if the draft was sent already.

    The first send saves ``code`` in the draft (encrypted under the cookie's key, like the
    answers) before the report is stored; any later one, or one running at the same time
    (the row is locked), gets the code saved first. So whatever fails after the report
    commits, the draft still holds the code the report was stored with, and the next request
    can show it.
    """
    with transaction.atomic():
        current = _locked(state)
        if current is None:
            raise DraftExpired()
        state.data = current
        if current.get("sent"):
            return None
        saved: str | None = current.get("followup_code")
        if saved:
            return saved
        current["followup_code"] = code
        save(state)
    return code


def record_sent(state: DraftState, *, reference: str, signposts: dict[str, str]) -> None:
    """Replace the answers with the receipt, unless another request has recorded it already.

    Two requests sending one draft (a double click) both end here, in either order, and find
    the same follow-up code in the draft (``prepare_send``); the first to take the row lock
    records the receipt. What stays: the audience, the submission key, the reference, and
    until the person says they have kept their code (``code_kept``) the follow-up code and the
    flags of the help the confirmation page offers (``signposts``). No answer stays, but the
    flags are read from the answers, so they go with the code.
    """
    with transaction.atomic():
        current = _locked(state)
        if current is None:
            # The person left (Exit, Finish, or in another tab) while the report was stored:
            # nothing of the draft is written back.
            return
        if current.get("sent"):
            state.data = current
            return
        state.data = {
            "audience": state.audience,
            "submission_key": state.data["submission_key"],
            "followup_code": current.get("followup_code"),
            "sent": {"reference": reference, "signposts": signposts},
        }
        save(state)


def sent_unrecorded(state: DraftState) -> Report | None:
    """The report this draft became, if a send committed but never reached ``record_sent``.

    Only a draft that has begun sending (it holds a follow-up code) is looked up: the worker
    may have stopped between storing the report and writing the receipt.
    """
    if state.data.get("sent") or not state.data.get("followup_code"):
        return None
    return Report.objects.select_related("case").filter(submission_key=state.submission_key).first()


def code_kept(state: DraftState) -> None:
    """The person has kept their follow-up code: it leaves the draft, and is not shown again.

    The signposts go with it: they say something of what was reported (that a child's own
    pictures are being shared, say), which must not stay on a shared device longer than the
    code does. Only the audience, the submission key, the reference and the fact that the code
    was kept remain.
    """
    with transaction.atomic():
        current = _locked(state)
        if current is None or not current.get("sent"):
            return
        current.pop("followup_code", None)
        receipt = current["sent"]
        receipt.pop("signposts", None)
        # For one release: a draft sent before it holds the code in the receipt.
        receipt.pop("code", None)
        receipt.pop("shown", None)
        receipt["code_kept"] = True
        state.data = current
        save(state)


def set_cookie(response: HttpResponse, state: DraftState) -> None:
    set_key_cookie(response, COOKIE, state.id, state.key)


def discard(request: HttpRequest, response: HttpResponse) -> None:
    """Delete the request's draft, if the cookie's key opens it, and every cookie Haven sets.

    Finishing, leaving by the exit button and timing out all end here, so nothing of the visit
    stays in the browser: the draft's cookie, the CSRF cookie and a staff session cookie, if
    this browser has one.
    """
    parsed = _parse_cookie(request)
    if parsed is not None:
        draft_id, key = parsed
        with transaction.atomic():
            row = Draft.objects.select_for_update().filter(pk=draft_id).first()
            if row is not None and _open(row, draft_id, key) is not None:
                row.delete()
    response.delete_cookie(COOKIE, path="/", samesite="Strict")
    response.delete_cookie(
        settings.CSRF_COOKIE_NAME,
        path=settings.CSRF_COOKIE_PATH,
        domain=settings.CSRF_COOKIE_DOMAIN,
        samesite="Strict",
    )
    response.delete_cookie(
        settings.SESSION_COOKIE_NAME,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        samesite="Strict",
    )


def purge_expired() -> int:
    deleted, _ = Draft.objects.filter(updated_at__lt=_idle_cutoff()).delete()
    return deleted

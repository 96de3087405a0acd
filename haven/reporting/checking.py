"""Checking on a report with its reference and follow-up code, and the short visit after.

The pair is checked against the report's verifier, an HMAC-SHA256 of the code under
HAVEN_RECEIPT_KEY (``services.followup_verifier``), compared in constant time. A wrong pair
says so without telling which half was wrong. Failures are counted per reference and per client
address, each as an HMAC bucket (``CheckFailureCounter``); past either limit in a window every
check is refused, however right, until the window ends. docs/SECURITY.md gives the arithmetic.

An accepted check starts a visit held as drafts are (``drafts.py``): a row whose contents (the
code, which unwraps the reporter's own key in a request that needs it) are sealed under a key
that only the reporter's cookie holds, ending after HAVEN_CHECK_IDLE_SECONDS idle, at "Sign out"
and at the exit button.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.lifecycle import Status
from haven.cases.models import Case
from haven.cases.queries import find_reference
from haven.reporting.drafts import parse_key_cookie, set_key_cookie
from haven.reporting.models import CheckFailureCounter, Report, ReporterSession
from haven.reporting.services import followup_verifier

COOKIE = "haven_check"
CODE_LENGTH = 16  # as services.FOLLOWUP_CODE_LENGTH: 80 bits


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # no report has this reference and code
    LIMITED = "limited"  # too many wrong tries for this reference or from this address


@dataclass(frozen=True)
class Checked:
    outcome: Outcome
    report: Report | None = None


def _window_start(now: datetime) -> datetime:
    window = settings.HAVEN_CHECK_WINDOW_SECONDS
    return datetime.fromtimestamp(int(now.timestamp()) // window * window, tz=now.tzinfo)


def _bucket(kind: str, value: str) -> str:
    return hmac.new(
        settings.HAVEN_RATE_LIMIT_KEY.encode(), f"check {kind} {value}".encode(), hashlib.sha256
    ).hexdigest()


def _failures(buckets: list[str], start: datetime) -> dict[str, int]:
    rows = CheckFailureCounter.objects.filter(bucket__in=buckets, window_start=start)
    return dict(rows.values_list("bucket", "count"))


def _count_failure(buckets: list[str], start: datetime) -> None:
    CheckFailureCounter.objects.filter(window_start__lt=start).delete()
    for bucket in buckets:
        counter, _created = CheckFailureCounter.objects.select_for_update().get_or_create(
            bucket=bucket, window_start=start
        )
        CheckFailureCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)


def check(*, reference: str, code: str, address_bucket: str) -> Checked:
    """Whether ``reference`` and ``code`` (as typed) name a report; audited, never the code.

    ``address_bucket`` is ``services.client_bucket`` of the request. Refused, without looking,
    when the reference or the address has failed HAVEN_CHECK_FAILURES_PER_REFERENCE or
    HAVEN_CHECK_FAILURES_PER_ADDRESS times in this window.
    """
    canonical = find_reference(reference) or ""
    # The verifier is computed whatever was typed, so a reference that exists and one that
    # does not take the same time to refuse.
    verifier = followup_verifier(code[:64])
    buckets = [_bucket("address", address_bucket)]
    if canonical:
        buckets.append(_bucket("reference", canonical))
    now = timezone.now()
    start = _window_start(now)
    with transaction.atomic():
        # The whole row, once: a right pair starts a visit with it.
        report = Report.objects.filter(reference=canonical).first() if canonical else None
        report_id = report.id if report is not None else None
        counts = _failures(buckets, start)
        limited = counts.get(buckets[0], 0) >= settings.HAVEN_CHECK_FAILURES_PER_ADDRESS or (
            len(buckets) > 1
            and counts.get(buckets[1], 0) >= settings.HAVEN_CHECK_FAILURES_PER_REFERENCE
        )
        if limited:
            record_event(
                action=Action.REPORTER_CHECK_REFUSED,
                report_id=report_id,
                detail={"why": "too_many_tries"},
            )
            return Checked(Outcome.LIMITED)
        right = report is not None and hmac.compare_digest(report.followup_verifier, verifier)
        if not right:
            _count_failure(buckets, start)
            record_event(
                action=Action.REPORTER_CHECK_FAILED,
                report_id=report_id,
                detail={"reference_known": report is not None},
            )
            return Checked(Outcome.WRONG)
        assert report is not None  # right implies a report
        record_event(action=Action.REPORTER_CHECKED, report_id=report.id)
    return Checked(Outcome.ACCEPTED, report)


# --- The visit after the code was accepted -----------------------------------------------------


@dataclass(frozen=True)
class Visit:
    id: str
    key: bytes
    report: Report
    code: str  # opens the reporter's own key; never stored unsealed


def _idle_cutoff() -> datetime:
    return timezone.now() - timedelta(seconds=settings.HAVEN_CHECK_IDLE_SECONDS)


def start_visit(report: Report, code: str, response: HttpResponse) -> Visit:
    """A new visit for ``report``, its cookie set on ``response``."""
    purge_expired()
    visit_id, key = secrets.token_hex(16), secrets.token_bytes(SecretBox.KEY_SIZE)
    sealed = SecretBox(key).encrypt(json.dumps({"id": visit_id, "code": code}).encode())
    now = timezone.now()
    ReporterSession.objects.create(
        id=visit_id, report=report, ciphertext=bytes(sealed), created_at=now, updated_at=now
    )
    set_key_cookie(response, COOKIE, visit_id, key)
    return Visit(visit_id, key, report, code)


def _parse_cookie(request: HttpRequest) -> tuple[str, bytes] | None:
    return parse_key_cookie(request.COOKIES.get(COOKIE, ""))


def _open(row: ReporterSession, visit_id: str, key: bytes) -> str | None:
    try:
        data = json.loads(SecretBox(key).decrypt(bytes(row.ciphertext)))
    except (CryptoError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("id") != visit_id:
        return None
    code = data.get("code")
    return code if isinstance(code, str) else None


def load_visit(request: HttpRequest) -> Visit | None:
    """The request's visit, kept alive; None if there is none, or it has expired (deleted,
    when the cookie's key opens it: an id alone deletes nothing)."""
    parsed = _parse_cookie(request)
    if parsed is None:
        return None
    visit_id, key = parsed
    row = ReporterSession.objects.select_related("report").filter(pk=visit_id).first()
    code = _open(row, visit_id, key) if row is not None else None
    if row is None or code is None:
        return None
    if row.updated_at < _idle_cutoff():
        row.delete()
        return None
    ReporterSession.objects.filter(pk=visit_id).update(updated_at=timezone.now())
    return Visit(visit_id, key, row.report, code)


def end_visit(request: HttpRequest, response: HttpResponse) -> None:
    """Delete the request's visit, if its cookie's key opens it, and the cookie."""
    parsed = _parse_cookie(request)
    if parsed is not None:
        visit_id, key = parsed
        row = ReporterSession.objects.filter(pk=visit_id).first()
        if row is not None and _open(row, visit_id, key) is not None:
            row.delete()
    response.delete_cookie(COOKIE, path="/", samesite="Strict")


def purge_expired() -> int:
    deleted, _ = ReporterSession.objects.filter(updated_at__lt=_idle_cutoff()).delete()
    return deleted


# --- What a reporter is told ---------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    received_at: datetime
    read: bool  # an advisor has read it
    now: str  # what is happening now, in the reporter's words


def progress(report: Report, *, written_to: bool = False) -> Progress:
    """Where the report has got to, in words for the person who sent it (not staff states).

    ``written_to``: an advisor has sent them a message, which nobody does without reading the
    report, whether or not they opened it on its own page first.
    """
    case = Case.objects.filter(report_id=report.id).only("status", "first_read_at").first()
    status = case.status if case is not None else Status.NEW
    child = report.audience == "child"
    if status == Status.NEW:
        now = (
            _("Your report is waiting for an advisor to read it. This is usually soon.")
            if not child
            else _("Your report is safe with us. An adult who helps children will read it soon.")
        )
    elif status in (Status.ASSESSING, Status.MEETS_THRESHOLD):
        now = (
            _("An advisor is looking carefully at what you told us.")
            if not child
            else _("An adult who helps children is reading what you told us carefully.")
        )
    elif status in (Status.CONTACTING, Status.PLANNING, Status.ACTION_TAKEN, Status.MONITORING):
        now = _(
            "An advisor is working out how to keep the child safe. If they need to ask you "
            "something, they will send you a message here."
        )
    elif status == Status.REFERRED:
        now = _(
            "An advisor has asked other people whose job is to protect children to help. "
            "That can take some time."
        )
    else:  # below threshold, closed
        now = _(
            "We have finished working on your report. Thank you for telling us. You can "
            "still get help at any time."
        )
    return Progress(
        received_at=report.received_at,
        read=written_to or (case is not None and case.first_read_at is not None),
        now=str(now),
    )

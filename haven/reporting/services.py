"""The verbs of reporting: send a report, count reports per network, make references and codes."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases.services import open_case
from haven.core import crockford
from haven.linking.services import index_report, link_new_report
from haven.reporting import journey
from haven.reporting.models import AgeBand, Answer, Report, SubmissionCounter
from haven.sealing.keystore import KeyStore
from haven.sealing.services import reporter_keys, seal
from haven.triage.rules import Audience, Inputs
from haven.triage.services import Assessment, assess

REFERENCE_LENGTH = 8  # 40 bits: unique by constraint, retried on the rare collision
FOLLOWUP_CODE_LENGTH = 16  # 80 bits from the CSPRNG


def new_reference() -> str:
    body = crockford.random_string(REFERENCE_LENGTH)
    return f"{settings.HAVEN_REFERENCE_PREFIX}-{crockford.group(body)}"


def new_followup_code() -> str:
    return crockford.group(crockford.random_string(FOLLOWUP_CODE_LENGTH))


def followup_verifier(code: str) -> str:
    """HMAC-SHA256 of the normalised code under HAVEN_RECEIPT_KEY, as hex."""
    normalised = crockford.normalise(code)
    return hmac.new(
        settings.HAVEN_RECEIPT_KEY.encode(), normalised.encode(), hashlib.sha256
    ).hexdigest()


def triage_inputs(answers: journey.Answers) -> dict[str, Any]:
    """The plaintext columns a report carries for the queue and triage. Nothing identifying."""

    def pick(step: str, name: str, allowed: list[str], default: str) -> str:
        value = answers.get(step, {}).get(name)
        return value if value in allowed else default

    three_way = [a.value for a in Answer]
    concerns = [c for c in answers.get("concern", {}).get("concerns", []) if isinstance(c, str)]
    return {
        "concerns": sorted(set(concerns)),
        "danger_now": pick("danger", "danger_now", three_way, Answer.UNKNOWN.value),
        "child_age_band": pick("child", "child_age_band", AgeBand.values, AgeBand.UNKNOWN.value),
        "several_children": pick("child", "several_children", three_way, Answer.UNKNOWN.value),
        "person_adult": pick("person", "person_adult", three_way, Answer.UNKNOWN.value),
        "works_with_children": pick(
            "person", "works_with_children", three_way, Answer.UNKNOWN.value
        ),
        "contactable": answers.get("contact", {}).get("contact_choice") == "yes",
    }


def kept_answers(audience: str, answers: journey.Answers) -> journey.Answers:
    """Only the answers to the steps that apply to this audience."""
    return {
        step.slug: answers[step.slug]
        for step in journey.steps_for(audience, answers)
        if step.slug in answers
    }


def assess_answers(*, audience: str, kept: journey.Answers, inputs: dict[str, Any]) -> Assessment:
    """Triage a report from its triage columns (``triage_inputs``) and its narrative."""
    return assess(
        Inputs(
            audience=audience,
            concerns=frozenset(inputs["concerns"]),
            danger_now=inputs["danger_now"],
            child_age_band=inputs["child_age_band"],
            several_children=inputs["several_children"],
            person_adult=inputs["person_adult"],
            works_with_children=inputs["works_with_children"],
            narrative=str(kept.get("what-happened", {}).get("what_happened", "")),
        )
    )


@dataclass(frozen=True)
class Receipt:
    report: Report
    # The code this call stored the report with; None when it found the report already stored
    # (a repeat of a sent draft). The page shows the draft's copy (drafts.prepare_send).
    followup_code: str | None


def build_report(
    *,
    audience: str,
    kept: journey.Answers,
    inputs: dict[str, Any],
    code: str,
    submission_key: str,
    received_at: datetime,
    store: KeyStore | None = None,
) -> Report:
    """A report as it is stored, not yet saved: its answers sealed with the current key, a
    reporter key pair wrapped under the follow-up code, and an HMAC verifier of that code.

    ``submit_report`` saves one; the development seeding saves thousands in bulk (``store``
    lets it seal without asking the key store each time).
    """
    report_id = uuid.uuid4()
    sealed = seal(
        record_id=str(report_id), contents={"audience": audience, "answers": kept}, store=store
    )
    keys = reporter_keys(followup_code=crockford.normalise(code), record_id=str(report_id))
    return Report(
        id=report_id,
        reference=new_reference(),
        received_at=received_at,
        audience=audience,
        sealed_key_id=sealed.key_id,
        sealed=sealed.ciphertext,
        followup_verifier=followup_verifier(code),
        reporter_public_key=keys.public_key,
        reporter_key_wrapped=keys.wrapped_private_key,
        reporter_key_salt=keys.salt,
        submission_key=submission_key,
        **inputs,
    )


class SubmissionRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def submit_report(
    *,
    audience: str,
    answers: journey.Answers,
    submission_key: str,
    received_at: datetime,
    client_bucket: str | None = None,
    followup_code: str | None = None,
) -> Receipt:
    """Seal and store a report and open its triaged case, with their audit events, in one transaction.

    Rules:
    - only the steps that apply to this audience are kept, and "what happened" must be there;
    - the same ``submission_key`` twice returns the first report and creates nothing;
    - no report is refused for how many came from one address (schools, families and mobile
      networks share one); with ``client_bucket``, a report over HAVEN_SUBMISSIONS_PER_WINDOW
      in the window is kept and its case marked "many reports from one network", which the
      reporter is never shown;
    - the follow-up code is ``followup_code`` when given (the view saves it in the draft first,
      so it can be shown even if this request dies after the commit), else a new one; it is
      returned once and stored only as an HMAC verifier;
    - identifiers of the person of concern are stored only as blind indexes, and the case is
      linked to the open cases that share one (haven.linking).
    """
    if not journey.ready_to_check(answers):
        raise SubmissionRefused("incomplete")
    kept = kept_answers(audience, answers)
    inputs = triage_inputs(kept)
    # Triage reads the narrative here, before it is sealed; only its outcome is stored.
    assessment = assess_answers(audience=audience, kept=kept, inputs=inputs)
    code = followup_code or new_followup_code()
    # Sealed once, outside the retries: only the reference is drawn again.
    report = build_report(
        audience=audience,
        kept=kept,
        inputs=inputs,
        code=code,
        submission_key=submission_key,
        received_at=received_at,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                existing = Report.objects.filter(submission_key=submission_key).first()
                if existing is not None:
                    return Receipt(report=existing, followup_code=None)
                many_from_network = client_bucket is not None and _count_submission(
                    client_bucket, received_at
                )
                report.reference = new_reference()
                report.save(force_insert=True)
                record_event(
                    action=Action.REPORT_RECEIVED,
                    report_id=report.id,
                    detail={"channel": report.channel, "audience": audience},
                )
                case = open_case(
                    report=report, assessment=assessment, many_from_network=many_from_network
                )
                # Cached both ways, as opening it from the report would: the confirmation
                # page reads the case's triage.
                report.case = case
                index_report(case=case, answers=kept)
                link_new_report(case=case)
            return Receipt(report=report, followup_code=code)
        except IntegrityError:
            # Either a concurrent request sent this draft first, or the reference collided.
            existing = Report.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return Receipt(report=existing, followup_code=None)
    raise RuntimeError("could not allocate a unique reference")


def confirmation_signposts(
    *, audience: str, answers: journey.Answers, out_category: str
) -> dict[str, str]:
    """The flags of the help the confirmation page offers, read before the answers go.

    Rules:
    - ``report_remove`` is "self" for a child whose own pictures are being shared, "friend" for
      a child telling us about a friend's, and "" for everyone else (an adult is offered the
      services for adults through the out-of-scope category instead);
    - ``out_category`` is the one triage gave the case ("" when it is in scope);
    - they say something of what was reported, so they stay in the draft only as long as the
      follow-up code does (``drafts.code_kept`` removes both).
    """
    concerns = answers.get("concern", {}).get("concerns", [])
    report_remove = ""
    if audience == Audience.CHILD.value and "images_shared" in concerns:
        about = answers.get("about-whom", {}).get("about_whom")
        report_remove = "friend" if about == "friend" else "self"
    return {"report_remove": report_remove, "out_category": out_category}


def _window_start(now: datetime) -> datetime:
    window = settings.HAVEN_SUBMISSION_WINDOW_SECONDS
    return datetime.fromtimestamp(int(now.timestamp()) // window * window, tz=now.tzinfo)


def _count_submission(bucket: str, now: datetime) -> bool:
    """Count one report against the bucket's window; True if the window was already full."""
    start = _window_start(now)
    SubmissionCounter.objects.filter(window_start__lt=start).delete()
    # Locked: two reports sent at once from one network must not both read the count below it.
    counter, _ = SubmissionCounter.objects.select_for_update().get_or_create(
        bucket=bucket, window_start=start
    )
    SubmissionCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)
    return counter.count >= settings.HAVEN_SUBMISSIONS_PER_WINDOW


def client_bucket(remote_addr: str, forwarded_for: str) -> str:
    """A keyed pseudonym of the client's address; the address itself is never stored."""
    address = remote_addr
    proxies = settings.HAVEN_TRUSTED_PROXY_COUNT
    if proxies and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    return hmac.new(
        settings.HAVEN_RATE_LIMIT_KEY.encode(), address.encode(), hashlib.sha256
    ).hexdigest()


def record_refusal(reason: str) -> None:
    with transaction.atomic():
        record_event(action=Action.REPORT_REFUSED, detail={"reason": reason})

"""The conversation with the reporter, through their report's page: both sides of it.

Every message is sealed twice (``Message``): to the organisation's key, for the case's history,
and to the report's own public key, so that the reporter reads it with their follow-up code.
What the reporter writes is sealed the same two ways on the public tier, which holds only
public keys: it can store their words and cannot read them back without their code.

- An advisor (staff tier) sends a message (``send_message``): it answers a reply waiting, may
  meet first contact (``cases.services.message_reporter`` decides), and the reporter is told
  there is something new if they said a message may be left (``notices.notify_reporter``).
- The reporter (public tier, in a visit: ``checking.Visit``) reads the conversation
  (``for_reporter``), replies, adds information, or changes how they may be contacted. Each
  puts "reply waiting" on the case (``cases.services.reporter_wrote``) and tells the advisor
  holding it. Added information is triaged again with the report's answers, and raises the
  priority if it is more urgent (``cases.services.raise_priority``).

Each is audited, with ids only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from nacl.public import PrivateKey

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.cases import services as cases
from haven.cases.models import Case
from haven.linking.services import index_added
from haven.reporting import notices
from haven.reporting.checking import Visit
from haven.reporting.models import Message, MessageKind, Report
from haven.sealing.keystore import keystore
from haven.sealing.services import (
    SealBroken,
    open_as_reporter,
    open_sealed,
    seal,
    seal_to_reporter,
    unwrap_reporter_key,
)
from haven.triage.rules import Inputs
from haven.triage.services import assess


class NothingWritten(cases.CaseRuleBroken):
    """The message, reply or added information is empty."""


def _message(
    case: Case, report: Report, *, kind: str, contents: dict[str, Any], by: User | None = None
) -> Message:
    """A message of ``kind``, sealed both ways, saved."""
    message_id = uuid.uuid4()
    contents = {"kind": kind, **contents}
    sealed = seal(record_id=str(message_id), contents=contents)
    return Message.objects.create(
        id=message_id,
        case=case,
        at=timezone.now(),
        kind=kind,
        by=by,
        key_id=sealed.key_id,
        sealed=sealed.ciphertext,
        reporter_sealed=seal_to_reporter(
            public_key=bytes(report.reporter_public_key),
            record_id=str(message_id),
            contents=contents,
        ),
    )


def _event(action: Action, case: Case, message: Message, **detail: Any) -> None:
    record_event(
        action=action,
        actor=message.by,
        report_id=case.report_id,
        detail={"case": str(case.id), "message": str(message.id), **detail},
    )


# --- The advisor's side -------------------------------------------------------------------------


def send_message(
    *, case: Case, by: User, text: str, template: str = "", override_reason: str = ""
) -> Message:
    """Send the reporter ``text``; ``template`` names the one it was started from, if any."""
    text = text.strip()
    if not text:
        raise NothingWritten("Write the message.")

    def write(current: Case) -> Message:
        message = _message(
            current, current.report, kind=MessageKind.TO_REPORTER, contents={"text": text}, by=by
        )
        _event(Action.MESSAGE_SENT, current, message, template=template)
        notices.notify_reporter(current, message)
        return message

    return cases.message_reporter(case=case, by=by, write=write, override_reason=override_reason)


@dataclass(frozen=True)
class Turn:
    """One message, opened: who wrote it and what it says."""

    message: Message
    contents: dict[str, Any]

    @property
    def from_reporter(self) -> bool:
        return self.message.kind != MessageKind.TO_REPORTER

    @property
    def text(self) -> str:
        return str(self.contents.get("text", ""))

    @property
    def platforms(self) -> list[dict[str, str]]:
        found = self.contents.get("platforms", [])
        return [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []

    @property
    def contact(self) -> dict[str, str]:
        found = self.contents.get("contact", {})
        return found if isinstance(found, dict) else {}

    @property
    def danger_now(self) -> bool:
        return self.contents.get("danger_now") == "yes"


def for_case(case: Case) -> list[Turn]:
    """The whole conversation, oldest first, from the organisation's copies (staff tier)."""
    messages = Message.objects.filter(case=case).select_related("by").order_by("at", "id")
    # One store for the whole conversation: it reads each key file once, not once a message.
    store = keystore()
    return [
        Turn(
            m,
            open_sealed(
                record_id=str(m.id), key_id=m.key_id, ciphertext=bytes(m.sealed), store=store
            ),
        )
        for m in messages
    ]


# --- The reporter's side ------------------------------------------------------------------------


def reporter_key(visit: Visit) -> PrivateKey:
    """The reporter's own private key, unwrapped with the visit's code for this request only."""
    report = visit.report
    return unwrap_reporter_key(
        followup_code=visit.code,
        record_id=str(report.id),
        salt=bytes(report.reporter_key_salt),
        wrapped=bytes(report.reporter_key_wrapped),
    )


def _case(visit: Visit) -> Case:
    return Case.objects.select_related("report").get(report_id=visit.report.id)


def for_reporter(visit: Visit) -> list[Turn]:
    """The conversation as the reporter sees it, from their copies, oldest first.

    The messages sent to them that they had not seen are marked read now, each audited once.
    A copy that does not open with their key (it cannot happen, short of tampering) is left
    out rather than shown as someone else's.
    """
    key = reporter_key(visit)
    case = _case(visit)
    messages = list(
        Message.objects.filter(case=case)
        .only("id", "case_id", "at", "kind", "read_at", "reporter_sealed", "by_id")
        .order_by("at", "id")
    )
    turns = []
    for m in messages:
        try:
            contents = open_as_reporter(
                private_key=key, record_id=str(m.id), ciphertext=bytes(m.reporter_sealed)
            )
        except SealBroken:
            continue
        turns.append(Turn(m, contents))
    unread = [m for m in messages if m.kind == MessageKind.TO_REPORTER and m.read_at is None]
    if unread:
        now = timezone.now()
        with transaction.atomic():
            for m in unread:
                # Only the first reading marks it: two tabs open at once record it once.
                if Message.objects.filter(pk=m.pk, read_at__isnull=True).update(read_at=now):
                    record_event(
                        action=Action.REPORTER_READ_MESSAGE,
                        report_id=case.report_id,
                        detail={"case": str(case.id), "message": str(m.id)},
                    )
    return turns


def current_contact(turns: list[Turn]) -> dict[str, str] | None:
    """The contact details the reporter last gave here, from their conversation; None if they
    have not changed them since the report."""
    changes = [t for t in turns if t.message.kind == MessageKind.CONTACT]
    return changes[-1].contact if changes else None


def last_contact(visit: Visit) -> dict[str, str] | None:
    """``current_contact`` without opening (or marking read) the rest of the conversation."""
    latest = (
        Message.objects.filter(case__report_id=visit.report.id, kind=MessageKind.CONTACT)
        .only("id", "reporter_sealed")
        .order_by("-at", "-id")
        .first()
    )
    if latest is None:
        return None
    try:
        contents = open_as_reporter(
            private_key=reporter_key(visit),
            record_id=str(latest.id),
            ciphertext=bytes(latest.reporter_sealed),
        )
    except SealBroken:
        return None
    return Turn(latest, contents).contact


def _from_reporter(
    visit: Visit, *, kind: str, action: Action, contents: dict[str, Any]
) -> tuple[Case, Message]:
    """Store what the reporter wrote, put the case in front of its advisor, and tell them."""
    with transaction.atomic():
        case = cases.reporter_wrote(case=_case(visit), at=timezone.now())
        message = _message(case, visit.report, kind=kind, contents=contents)
        _event(action, case, message)
        notices.notify_advisor(case, message)
    return case, message


def reply(visit: Visit, text: str) -> Message:
    text = text.strip()
    if not text:
        raise NothingWritten("Write your reply.")
    return _from_reporter(
        visit, kind=MessageKind.REPLY, action=Action.REPORTER_REPLIED, contents={"text": text}
    )[1]


def add_information(
    visit: Visit, *, text: str, platforms: list[dict[str, str]], danger_now: str = ""
) -> Message:
    """Add to the report: what they remembered, where online (as the journey asks), and whether
    a child is in danger now. Triaged again with the report's own triage answers: a more
    urgent band raises the case's priority, and the message records it."""
    text = text.strip()
    platforms = [p for p in platforms if p.get("platform") or p.get("usernames")]
    if not text and not platforms and danger_now != "yes":
        raise NothingWritten("Write what you want to add, or where it happened online.")
    contents = {"text": text, "platforms": platforms, "danger_now": danger_now}
    with transaction.atomic():
        case, message = _from_reporter(
            visit,
            kind=MessageKind.ADDED,
            action=Action.REPORTER_ADDED_INFORMATION,
            contents=contents,
        )
        report = visit.report
        raised = cases.raise_priority(
            case=case,
            assessment=assess(
                Inputs(
                    audience=report.audience,
                    concerns=frozenset(report.concerns),
                    danger_now="yes" if danger_now == "yes" else report.danger_now,
                    child_age_band=report.child_age_band,
                    several_children=report.several_children,
                    person_adult=report.person_adult,
                    works_with_children=report.works_with_children,
                    narrative=text,
                )
            ),
        )
        if raised is not None:
            message.raised_from, message.raised_to = raised
            message.save(update_fields=["raised_from", "raised_to"])
        index_added(
            case=case,
            answers={"where": {"platforms": platforms}, "what-happened": {"what_happened": text}},
        )
    return message


def change_contact(visit: Visit, answers: dict[str, Any]) -> Message:
    """The reporter's new contact details, as the journey's contact question cleaned them
    (``questions.ContactQuestion``); choosing not to give any withdraws those given before."""
    contact = {
        name: str(answers.get(name) or "")
        for name in ("contact_choice", "name", "phone", "email", "safe_times", "leave_message")
    }
    with transaction.atomic():
        # What the first-contact rule goes by (``cases.services.message_reporter``).
        Report.objects.filter(pk=visit.report.id).update(
            contactable=contact["contact_choice"] == "yes"
        )
        visit.report.contactable = contact["contact_choice"] == "yes"
        return _from_reporter(
            visit,
            kind=MessageKind.CONTACT,
            action=Action.REPORTER_CONTACT_CHANGED,
            contents={"contact": contact},
        )[1]

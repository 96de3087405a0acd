"""The conversation on the staff case page: shown once, in full, with the chronology pointing to
it, and opened with one reading of the private key however long it is."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from haven.cases.models import Case
from haven.reporting import checking, conversation
from haven.reporting.services import submit_report
from haven.sealing import keystore as keys
from haven.sealing.keystore import KeyUnavailable, keystore
from tests.conftest import text_of
from tests.factories import StaffUserFactory, verified_client

pytestmark = pytest.mark.django_db

QUESTION = "Are you somewhere safe tonight?"
REPLY = "Yes, at home with my mum. He wrote to me again on GameWorld."
ADDED = "He is outside my house"


@pytest.fixture
def advisor() -> Any:
    user = StaffUserFactory()
    user.save()
    return user


def conversation_on_a_case(advisor: Any) -> Case:
    """A child's report with a message, a reply, and an addition that raises the priority."""
    receipt = submit_report(
        audience="child",
        answers={"what-happened": {"what_happened": "Someone online keeps asking for photos."}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    assert receipt.followup_code is not None
    case = Case.objects.select_related("report").get(report_id=receipt.report.id)
    conversation.send_message(case=case, by=advisor, text=QUESTION)
    visit = checking.start_visit(receipt.report, receipt.followup_code, HttpResponse())
    conversation.reply(visit, REPLY)
    conversation.add_information(visit, text=ADDED, platforms=[])
    return Case.objects.get(pk=case.pk)


def test_each_message_is_written_once_and_its_chronology_entry_links_to_it(advisor):
    case = conversation_on_a_case(advisor)

    page = verified_client(advisor).get(reverse("staff:case", args=[case.id]))

    assert page.status_code == 200
    html, text = page.content.decode(), text_of(page)
    # The advisor reads each message in one place, the conversation, not twice on one page.
    for words in (QUESTION, REPLY, ADDED):
        assert text.count(words) == 1, words
    turns = [turn.message for turn in page.context["turns"]]
    about_messages = [entry for entry in page.context["chronology"] if "href" in entry]
    assert [(e["href"], e["what"], e["who"]) for e in about_messages] == [
        (f"#message-{turns[0].id}", "Message to the reporter", advisor.get_username()),
        (f"#message-{turns[1].id}", "Reply from the reporter", "The reporter"),
        (f"#message-{turns[2].id}", "Information added by the reporter", "The reporter"),
    ]
    for number, message in enumerate(turns, start=1):
        assert html.count(f'id="message-{message.id}"') == 1
        assert f'href="#message-{message.id}">See message {number} in the conversation</a>' in html
    # What a message changed on the case is a case event: no other chronology entry records it.
    assert [e["text"] for e in about_messages] == [
        "",
        "",
        "Priority raised from P3 to P1 by what was added.",
    ]


def test_the_case_page_reads_the_private_key_once_for_the_whole_conversation(advisor, monkeypatch):
    case = conversation_on_a_case(advisor)
    client = verified_client(advisor)
    url = reverse("staff:case", args=[case.id])
    client.get(url)
    decoded: list[str] = []
    real = keys._decode

    def counting(raw: str, name: str) -> bytes:
        decoded.append(name)
        return real(raw, name)

    monkeypatch.setattr(keys, "_decode", counting)

    assert client.get(url).status_code == 200
    # No note or decision on the case: the conversation's three messages are all it opens.
    assert [name for name in decoded if name.endswith(".private")] == [
        f"{keystore().current().key_id}.private"
    ]


def test_a_store_keeps_the_keys_it_read_and_a_new_store_reads_the_files_again(key_dir):
    key_id = keystore().current().key_id
    store = keystore()
    kept = store.private_key(key_id)

    (key_dir / f"{key_id}.private").unlink()

    # The page that read it may finish with it; the next one no longer finds it.
    assert store.private_key(key_id) is kept
    with pytest.raises(KeyUnavailable, match="is not on this server"):
        keystore().private_key(key_id)


def test_a_rotated_key_is_read_by_its_own_id_beside_the_old_one(key_dir):
    store = keystore()
    old = store.current()
    new = store.create()

    assert store.private_key(old.key_id).public_key == old.public
    assert store.private_key(new.key_id).public_key == new.public
    assert store.current().key_id == new.key_id

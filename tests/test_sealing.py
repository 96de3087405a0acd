"""Sealing a report's answers, opening them, and the key id kept beside every sealed value."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.reporting.models import Report
from haven.reporting.services import submit_report
from haven.sealing.keystore import FileKeyStore, KeyUnavailable, keystore
from haven.sealing.services import SealBroken, open_sealed, seal

CONTENTS = {"audience": "parent", "answers": {"what-happened": {"what_happened": "Ünïcode ok"}}}


def send(text: str = "Someone asked for photos.", *, minutes_ago: int = 0) -> Report:
    """A report sent through the service, as the journey's send step does."""
    receipt = submit_report(
        audience="parent",
        answers={"what-happened": {"what_happened": text}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return receipt.report


def open_report(report: Report) -> dict:
    report.refresh_from_db()
    return open_sealed(
        record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
    )


def test_a_sealed_value_opens_to_the_contents_it_was_sealed_with():
    record_id = str(uuid.uuid4())
    sealed = seal(record_id=record_id, contents=CONTENTS)

    opened = open_sealed(record_id=record_id, key_id=sealed.key_id, ciphertext=sealed.ciphertext)

    assert opened == CONTENTS


def test_the_ciphertext_does_not_hold_the_contents_in_clear():
    sealed = seal(record_id=str(uuid.uuid4()), contents={"secret": "marker-7c1f"})

    assert b"marker-7c1f" not in sealed.ciphertext


def test_a_sealed_value_opened_as_another_record_is_refused():
    sealed = seal(record_id=str(uuid.uuid4()), contents=CONTENTS)

    with pytest.raises(SealBroken, match="belongs to another record"):
        open_sealed(record_id=str(uuid.uuid4()), key_id=sealed.key_id, ciphertext=sealed.ciphertext)


@pytest.mark.django_db
def test_a_sealed_value_copied_onto_another_reports_row_is_refused():
    first = send("The first report.")
    second = send("The second report.")
    Report.objects.filter(pk=second.pk).update(sealed=bytes(first.sealed))

    with pytest.raises(SealBroken):
        open_report(second)


def test_tampered_ciphertext_is_refused():
    record_id = str(uuid.uuid4())
    sealed = seal(record_id=record_id, contents=CONTENTS)
    tampered = bytearray(sealed.ciphertext)
    tampered[-1] ^= 0x01

    with pytest.raises(SealBroken, match="does not open"):
        open_sealed(record_id=record_id, key_id=sealed.key_id, ciphertext=bytes(tampered))


def test_truncated_ciphertext_is_refused():
    record_id = str(uuid.uuid4())
    sealed = seal(record_id=record_id, contents=CONTENTS)

    with pytest.raises(SealBroken):
        open_sealed(record_id=record_id, key_id=sealed.key_id, ciphertext=sealed.ciphertext[:20])


@pytest.mark.django_db
def test_a_report_stores_the_id_of_the_key_that_sealed_it():
    report = send()

    assert report.sealed_key_id == keystore().current().key_id
    assert len(report.sealed_key_id) == 16


@pytest.mark.django_db
def test_rotating_keys_makes_a_new_current_key():
    before = keystore().current().key_id

    call_command("rotate_keys", stdout=io.StringIO())

    after = keystore().current().key_id
    assert after != before
    assert (keystore().directory / f"{before}.private").exists()


@pytest.mark.django_db
def test_reports_sent_after_a_rotation_are_sealed_with_the_new_key():
    call_command("rotate_keys", stdout=io.StringIO())

    report = send()

    assert report.sealed_key_id == keystore().current().key_id


@pytest.mark.django_db
def test_reports_sealed_before_a_rotation_still_open_with_the_old_key():
    old_key_id = keystore().current().key_id
    old = send("Sent before the rotation.")

    call_command("rotate_keys", stdout=io.StringIO())

    assert old.sealed_key_id == old_key_id
    assert open_report(old)["answers"] == {
        "what-happened": {"what_happened": "Sent before the rotation."}
    }


@pytest.mark.django_db
def test_rotating_keys_writes_an_audit_event_naming_both_keys():
    before = keystore().current().key_id

    call_command("rotate_keys", stdout=io.StringIO())

    event = AuditEvent.objects.get(action="keys.rotated")
    assert event.detail == {"from": before, "to": keystore().current().key_id}
    assert event.actor is None


def test_a_public_key_file_whose_content_does_not_match_its_name_is_refused(key_dir):
    store = FileKeyStore(key_dir)
    current = store.current().key_id
    other = FileKeyStore(key_dir / "other").create()
    (key_dir / f"{current}.public").write_text(
        (key_dir / "other" / f"{other.key_id}.public").read_text()
    )

    assert store.has_current() is False
    with pytest.raises(KeyUnavailable, match="does not match its name"):
        store.current()


def test_a_private_key_file_whose_content_does_not_match_its_name_is_refused(key_dir):
    store = FileKeyStore(key_dir)
    current = store.current().key_id
    other = FileKeyStore(key_dir / "other").create()
    (key_dir / f"{current}.private").write_text(
        (key_dir / "other" / f"{other.key_id}.private").read_text()
    )

    with pytest.raises(KeyUnavailable, match="does not match its name"):
        store.private_key(current)


def test_a_key_file_that_is_not_a_key_is_refused_rather_than_crashing(key_dir):
    store = FileKeyStore(key_dir)
    current = store.current().key_id
    (key_dir / f"{current}.private").write_text("not base64 at all!\n")
    (key_dir / f"{current}.public").write_text("c2hvcnQ=\n")

    with pytest.raises(KeyUnavailable, match="is not a key"):
        store.private_key(current)
    with pytest.raises(KeyUnavailable, match="is not a key"):
        store.current()


def test_a_private_key_that_is_not_on_this_server_is_unavailable(public_only_keys):
    store = FileKeyStore(public_only_keys)

    with pytest.raises(KeyUnavailable, match="is not on this server"):
        store.private_key(store.current().key_id)


def test_a_report_can_be_sent_on_a_server_without_any_private_key(journey, public_only_keys):
    report = journey.submit("parent")

    page = journey.client.get(reverse("reporting:sent"))
    assert page.status_code == 200
    assert report.reference in page.content.decode()
    assert list(public_only_keys.glob("*.private")) == []
    assert Report.objects.count() == 1
    assert report.sealed_key_id == keystore().current().key_id


def test_without_a_current_public_key_nothing_is_sent_and_the_reporter_is_told(journey, key_dir):
    (key_dir / "current").unlink()
    journey.fill("parent")

    response = journey.send()

    assert response.status_code == 503
    assert Report.objects.count() == 0

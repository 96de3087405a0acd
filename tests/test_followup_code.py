"""The follow-up code shown once, the verifier kept instead, the reporter's key pair, references."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from haven.core import crockford
from haven.reporting.models import Report
from haven.reporting.services import followup_verifier, new_followup_code, new_reference
from haven.sealing.services import SealBroken, hkdf_sha256, unwrap_reporter_key

CROCKFORD = "[0-9ABCDEFGHJKMNPQRSTVWXYZ]"
CODE_RE = re.compile(rf"^{CROCKFORD}{{4}}-{CROCKFORD}{{4}}-{CROCKFORD}{{4}}-{CROCKFORD}{{4}}$")
REFERENCE_RE = re.compile(rf"^HVN-{CROCKFORD}{{4}}-{CROCKFORD}{{4}}$")
CODE_ON_PAGE = re.compile(r'<p class="haven-code" id="followup-code">([^<]*)</p>')


def sent_with_code(journey) -> tuple[Report, str]:
    """Send a report and read the follow-up code from the confirmation page, as a person would."""
    report = journey.submit("parent")
    page = journey.client.get(reverse("reporting:sent")).content.decode()
    found = CODE_ON_PAGE.search(page)
    assert found, "the confirmation page shows no follow-up code"
    return report, found.group(1).strip()


def test_a_followup_code_is_sixteen_crockford_characters_in_four_groups():
    for _ in range(200):
        assert CODE_RE.match(new_followup_code())


def test_followup_codes_differ():
    codes = {new_followup_code() for _ in range(1000)}

    assert len(codes) == 1000


def test_the_confirmation_page_shows_the_code_in_four_groups(journey):
    _report, code = sent_with_code(journey)

    assert CODE_RE.match(code)


def test_the_report_stores_the_hmac_of_the_code_under_the_receipt_key(journey, settings):
    report, code = sent_with_code(journey)

    expected = hmac.new(
        settings.HAVEN_RECEIPT_KEY.encode(), code.replace("-", "").encode(), hashlib.sha256
    ).hexdigest()
    assert report.followup_verifier == expected
    assert re.fullmatch(r"[0-9a-f]{64}", report.followup_verifier)


def test_the_report_does_not_store_the_code_itself(journey):
    report, code = sent_with_code(journey)

    stored = [str(getattr(report, f.attname)) for f in Report._meta.concrete_fields]
    assert not [value for value in stored if code.replace("-", "") in value.replace("-", "")]


def test_the_verifier_forgives_how_the_code_is_typed():
    code = "0O1I-L2AB-3CDE-4FGH"

    assert followup_verifier(code.lower().replace("-", " ")) == followup_verifier(code)
    assert followup_verifier(code) == followup_verifier("0011-12AB-3CDE-4FGH")


def test_the_verifier_changes_when_the_receipt_key_changes(settings):
    code = new_followup_code()
    before = followup_verifier(code)

    settings.HAVEN_RECEIPT_KEY = "a-different-receipt-key"

    assert followup_verifier(code) != before


def test_the_reporters_key_unwraps_with_the_code_shown_on_the_confirmation_page(journey):
    report, code = sent_with_code(journey)

    private = unwrap_reporter_key(
        followup_code=code,
        record_id=str(report.id),
        salt=bytes(report.reporter_key_salt),
        wrapped=bytes(report.reporter_key_wrapped),
    )

    assert bytes(private.public_key) == bytes(report.reporter_public_key)


def test_the_reporters_key_unwraps_with_the_code_typed_loosely(journey):
    report, code = sent_with_code(journey)

    private = unwrap_reporter_key(
        followup_code=code.lower().replace("-", " "),
        record_id=str(report.id),
        salt=bytes(report.reporter_key_salt),
        wrapped=bytes(report.reporter_key_wrapped),
    )

    assert bytes(private.public_key) == bytes(report.reporter_public_key)


def test_a_wrong_code_does_not_unwrap_the_reporters_key(journey):
    report, code = sent_with_code(journey)
    wrong = new_followup_code()
    assert wrong != code

    with pytest.raises(SealBroken, match="does not unwrap"):
        unwrap_reporter_key(
            followup_code=wrong,
            record_id=str(report.id),
            salt=bytes(report.reporter_key_salt),
            wrapped=bytes(report.reporter_key_wrapped),
        )


def test_the_code_does_not_unwrap_another_reports_key(journey):
    report, code = sent_with_code(journey)

    with pytest.raises(SealBroken):
        unwrap_reporter_key(
            followup_code=code,
            record_id=str(uuid.uuid4()),
            salt=bytes(report.reporter_key_salt),
            wrapped=bytes(report.reporter_key_wrapped),
        )


def test_hkdf_matches_rfc_5869_test_case_1():
    okm = hkdf_sha256(
        secret=bytes([0x0B] * 22),
        salt=bytes(range(0x00, 0x0D)),
        info=bytes(range(0xF0, 0xFA)),
        length=42,
    )

    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_hkdf_matches_rfc_5869_test_case_3_with_empty_salt_and_info():
    okm = hkdf_sha256(secret=bytes([0x0B] * 22), salt=b"", info=b"", length=42)

    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


def test_a_reference_is_the_prefix_and_eight_crockford_characters():
    for _ in range(200):
        assert REFERENCE_RE.match(new_reference())


def test_the_sent_report_carries_a_well_formed_reference(journey):
    report = journey.submit("parent")

    assert REFERENCE_RE.match(report.reference)
    assert crockford.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _report_with_reference(reference: str) -> Report:
    return Report.objects.create(
        reference=reference,
        received_at=timezone.now(),
        audience="parent",
        sealed_key_id="0123456789abcdef",
        sealed=b"sealed",
        followup_verifier=uuid.uuid4().hex,
        reporter_public_key=b"public",
        reporter_key_wrapped=b"wrapped",
        reporter_key_salt=b"salt",
        submission_key=uuid.uuid4().hex,
    )


@pytest.mark.django_db
def test_two_reports_cannot_share_a_reference():
    _report_with_reference("HVN-AAAA-BBBB")

    with pytest.raises(IntegrityError), transaction.atomic():
        _report_with_reference("HVN-AAAA-BBBB")

    assert Report.objects.filter(reference="HVN-AAAA-BBBB").count() == 1

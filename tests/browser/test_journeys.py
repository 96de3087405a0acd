"""Each audience makes a whole report in Chromium, with JavaScript and without it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from haven.reporting.models import Report
from tests.browser.reporter import BULLYING_ONLY, FOLLOWUP_CODE, REFERENCE, Plan, Reporter

pytestmark = pytest.mark.browser

# Between them the plans take every branch in both modes: the 999 page (child, member of the
# public), the "who can help" page (child, professional), and everyone adds two places and
# removes one.
PLANS = {
    "child": Plan("child", danger="Yes", concerns=BULLYING_ONLY),
    "parent": Plan("parent", danger="No"),
    "member_of_public": Plan("member_of_public", danger="Yes"),
    "professional": Plan("professional", danger="I'm not sure", concerns=BULLYING_ONLY),
}
DANGER_NOW = {"Yes": "yes", "No": "no", "I'm not sure": "unknown"}


@pytest.mark.parametrize("audience", list(PLANS))
def test_each_audience_can_send_a_report_and_gets_a_reference_and_code(
    page: Page, javascript: bool, audience: str
) -> None:
    plan = replace(
        PLANS[audience], platforms=["ExampleChat", "GameWorld"], remove_platform="ExampleChat"
    )
    reporter = Reporter(page, plan, javascript=javascript)
    reporter.answer_everything()

    answers = page.locator(".govuk-summary-list")
    expect(answers.filter(has_text="GameWorld")).to_have_count(1)
    expect(answers.filter(has_text="ExampleChat")).to_have_count(0)
    expect(page.get_by_text("Pat Example")).to_be_visible()

    reference, code = reporter.send()

    assert REFERENCE.fullmatch(reference), reference
    assert FOLLOWUP_CODE.fullmatch(code), code
    report = Report.objects.get()
    assert report.reference == reference
    assert report.audience == audience
    assert report.danger_now == DANGER_NOW[plan.danger]
    assert report.contactable is True

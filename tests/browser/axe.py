"""axe-core (vendored, see vendor/VERSION) run in the page, with its findings made readable."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA. (axe files 2.2 level A rules under wcag22aa too.)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def _is_govuk_conditional_reveal(rule: str, node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's radios with a conditional question: aria-expanded on the radio.

    ARIA 1.2 does not list aria-expanded for the radio role, so axe reports it. GOV.UK Frontend
    sets it on purpose, after research with screen reader users, and the Design System lists
    it as a known issue (alphagov/govuk-frontend#979; proposed for ARIA in w3c/aria#1404). This
    exception is as narrow as it can be: that rule, a GOV.UK radio, and only aria-expanded.
    """
    if rule != "aria-allowed-attr" or 'class="govuk-radios__input' not in node["html"]:
        return False
    messages = [check["message"] for kind in ("any", "all", "none") for check in node[kind]]
    return bool(messages) and all(
        re.fullmatch(r'ARIA attribute is not allowed: aria-expanded="(true|false)"', m)
        for m in messages
    )


def violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG A and AA violations axe finds on the page as it is now.

    The source is evaluated through the DevTools protocol, which the page's Content Security
    Policy does not govern, so the page under test keeps its real policy.
    """
    # The page as a person sees it: once loaded, its stylesheet applied. Checked before, the
    # links measured 17px tall in their unstyled font (target-size), as once under heavy load.
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    result: list[dict[str, Any]] = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
            .then(r => r.violations)""",
        WCAG_TAGS,
    )
    found = []
    for violation in result:
        nodes = [
            n for n in violation["nodes"] if not _is_govuk_conditional_reveal(violation["id"], n)
        ]
        if nodes:
            found.append({**violation, "nodes": nodes})
    return found


def describe(found: list[dict[str, Any]], where: str) -> str:
    """A report a person can act on: each rule, why it matters, and the elements that fail it."""
    lines = [f"{len(found)} accessibility violation(s) on {where}:"]
    for violation in found:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:300]}")
            summary = node.get("failureSummary") or ""
            for detail in summary.splitlines():
                lines.append(f"      {detail.strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str | None = None) -> None:
    found = violations(page)
    assert not found, describe(found, where or page.url)

"""Walk the public report journey with Django's test client, as a person would."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from haven.reporting import journey as steps
from haven.reporting.models import Report

# A complete set of answers per step; tests change what they are about.
ANSWERS: dict[str, dict[str, Any]] = {
    "about-whom": {"about_whom": "me"},
    "safeguarding-policy": {"policy_followed": "yes"},
    "already-told": {"told_statutory": "no"},
    "danger": {"danger_now": "no"},
    "concern": {"concerns": ["asked_for_images", "wants_to_meet"]},
    "what-happened": {"what_happened": "Someone in a game asked for photos and wants to meet."},
    "when": {"when": "ongoing"},
    "where": {"platform": "ExampleChat", "usernames": "@example_person_1", "action": "continue"},
    "child": {
        "child_name": "A.B.",
        "child_age_known": "known",
        "child_age": "14",
        "child_area": "Exampletown",
        "relationship": "my_child",
        "several_children": "no",
    },
    "person": {
        "person_names": "Sam Example",
        "person_adult": "yes",
        "works_with_children": "unknown",
    },
    "your-organisation": {"organisation": "Example School", "role": "Teacher"},
    "contact": {
        "contact_choice": "yes",
        "name": "Pat Example",
        "phone": "07700 900982",
        "email": "pat@example.org",
        "safe_times": "Evenings",
        "leave_message": "yes",
    },
}


def step_url(slug: str, change: bool = False) -> str:
    url = reverse("reporting:step", args=[slug])
    return url + "?change=1" if change else url


class Journey:
    def __init__(self, client: Client) -> None:
        self.client = client

    def choose(self, audience: str) -> Any:
        return self.client.post(reverse("reporting:who"), {"audience": audience})

    def answer(self, slug: str, data: dict[str, Any] | None = None, *, change: bool = False) -> Any:
        payload = dict(ANSWERS[slug] if data is None else data)
        return self.client.post(step_url(slug, change), payload)

    def fill(self, audience: str, overrides: dict[str, dict[str, Any]] | None = None) -> None:
        """Answer every question that applies to ``audience``, ending on check answers."""
        overrides = overrides or {}
        response = self.choose(audience)
        assert response.status_code == 302, response
        for step in steps.STEPS:
            if not step.applies(audience, {}):
                continue
            # A child is not asked how they know the child; a posted answer would be ignored.
            data = dict(overrides.get(step.slug, ANSWERS[step.slug]))
            response = self.answer(step.slug, data)
            assert response.status_code == 302, (step.slug, response.content.decode()[:3000])

    def send(self) -> Any:
        return self.client.post(reverse("reporting:send"))

    def submit(
        self, audience: str = "parent", overrides: dict[str, dict[str, Any]] | None = None
    ) -> Report:
        self.fill(audience, overrides)
        response = self.send()
        assert response.status_code == 302 and response.url == reverse("reporting:sent"), response
        return Report.objects.order_by("-received_at").first()  # type: ignore[return-value]

"""A person making a report in the browser: finds questions by their labels, clicks and types.

Every step finds its controls the way assistive technology does (a radio group by its legend, a
box by its label), so a question that loses its label fails here as well as in axe. Between
steps the reporter calls ``checkpoint(name)`` once the page is filled in (conditional questions
open) and before it moves on: the accessibility tests check each page there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

AUDIENCE_CHOICES = {
    "child": "A child or young person",
    "parent": "A parent or carer",
    "member_of_public": "A member of the public",
    "professional": "A professional who works with children",
}
RELATIONSHIP = {
    "parent": "I am their parent or carer",
    "member_of_public": "I do not know them",
    "professional": "I know them through my work",
}
IN_SCOPE = {
    "child": ["Someone asked me for sexual pictures or videos", "Someone wants to meet me"],
    "child_friend": [
        "Someone asked my friend for sexual pictures or videos",
        "Someone wants to meet my friend",
    ],
    "adult": [
        "Someone asked the child for sexual pictures or videos",
        "Someone wants to meet the child",
    ],
}
BULLYING_ONLY = ["Bullying or unkind messages"]
REFERENCE = re.compile(r"HVN-[0-9A-Z]{4}-[0-9A-Z]{4}")
FOLLOWUP_CODE = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}")


@dataclass(frozen=True)
class Plan:
    """What one person answers, including which branches of the journey they go down."""

    audience: str
    danger: str = "No"
    concerns: list[str] | None = None  # None: the usual in-scope concerns for the audience
    platforms: list[str] = field(default_factory=lambda: ["ExampleChat"])
    remove_platform: str | None = None
    policy_followed: str = "Yes"  # professionals; "Not yet" leads to the policy-first page
    told_statutory: str = "No"  # professionals; "Yes" leads to the already-reported page
    about_friend: bool = False  # children; the report is about a friend, not themself
    # Make the usual mistakes first (nothing in what happened, an impossible date, a bad email).
    mistakes: bool = False

    @property
    def is_child(self) -> bool:
        return self.audience == "child"

    @property
    def is_professional(self) -> bool:
        return self.audience == "professional"

    @property
    def voice(self) -> str:
        """Whose words the questions are in: a child's, a child's about a friend, an adult's."""
        if self.is_child:
            return "child_friend" if self.about_friend else "child"
        return "adult"

    @property
    def chosen_concerns(self) -> list[str]:
        if self.concerns is not None:
            return self.concerns
        return IN_SCOPE[self.voice]


class Reporter:
    def __init__(
        self,
        page: Page,
        plan: Plan,
        *,
        javascript: bool = True,
        checkpoint: Callable[[str], None] | None = None,
    ) -> None:
        self.page = page
        self.plan = plan
        self.javascript = javascript
        self.checkpoint = checkpoint or (lambda name: None)

    # -- finding things ---------------------------------------------------------------------

    def heading(self, text: str | re.Pattern[str]) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(text)

    def group(self, legend: str | re.Pattern[str]) -> Locator:
        """A radio or checkbox group (a fieldset), found by its legend."""
        return self.page.get_by_role("group", name=legend, exact=isinstance(legend, str))

    def choose(self, legend: str | re.Pattern[str], option: str) -> None:
        self.group(legend).get_by_label(option, exact=True).check()

    def field(self, label: str | re.Pattern[str]) -> Locator:
        return self.page.get_by_label(label, exact=isinstance(label, str))

    def type(self, label: str | re.Pattern[str], text: str) -> None:
        self.field(label).fill(text)

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def follow(self, name: str) -> None:
        """A link, or a link styled as a button (the GOV.UK start and continue buttons)."""
        self.page.get_by_role("link", name=name, exact=True).or_(
            self.page.get_by_role("button", name=name, exact=True)
        ).first.click()

    def expect_error(self, message: str, about: Locator) -> None:
        """The page shows the error in its summary, and says it to whoever reaches the field."""
        summary = self.page.get_by_role("alert")
        expect(summary).to_contain_text("There is a problem")
        expect(summary.get_by_role("link", name=message)).to_be_visible()
        expect(self.page).to_have_title(re.compile(r"^Error: "))
        if self.javascript:
            # GOV.UK Frontend moves focus to the summary, so a screen reader announces it.
            expect(self.page.locator(".govuk-error-summary")).to_be_focused()
        expect(about).to_have_accessible_description(re.compile(rf"Error:\s+{re.escape(message)}"))

    # -- the journey ------------------------------------------------------------------------

    def begin(self) -> None:
        self.page.goto("/")
        self.heading("Report online sexual abuse or grooming of a child")
        self.checkpoint("start")
        self.follow("Start now")
        self.heading("Who are you?")
        self.choose("Who are you?", AUDIENCE_CHOICES[self.plan.audience])
        self.checkpoint("who are you")
        self.press("Continue")
        self.heading("What happens when you make a report")
        self.checkpoint(f"what happens ({self.plan.audience})")
        self.follow("Start your report")

    def policy_checks(self) -> None:
        """The two questions only a professional is asked before anything else."""
        question = "Have you followed your organisation's safeguarding policy?"
        self.heading(question)
        self.choose(question, self.plan.policy_followed)
        self.checkpoint("safeguarding-policy")
        self.press("Continue")
        if self.plan.policy_followed == "Not yet":
            self.heading("Follow your safeguarding policy too")
            self.checkpoint("policy-first")
            self.follow("Continue")
        question = "Have you already told local children's social care or the police?"
        self.heading(question)
        self.choose(question, self.plan.told_statutory)
        if self.plan.told_statutory == "Yes":
            self.type("Who did you tell? (optional)", "Exampleshire children's services")
            self.type("Their reference number (optional)", "REF-123")
        self.checkpoint("already-told")
        self.press("Continue")
        if self.plan.told_statutory == "Yes":
            self.heading("You do not need to report to us as well")
            self.checkpoint("already-reported")
            self.follow("Continue with the report")

    def about_whom(self) -> None:
        """The question only a child is asked first: is it about them or a friend?"""
        question = "Is this about you or a friend?"
        self.heading(question)
        self.choose(question, "A friend" if self.plan.about_friend else "Me")
        self.checkpoint("about-whom")
        self.press("Continue")

    def danger(self) -> None:
        question = {
            "child": "Are you in danger right now?",
            "child_friend": "Is your friend in danger right now?",
            "adult": "Is a child in danger right now?",
        }[self.plan.voice]
        self.heading(question)
        self.choose(question, self.plan.danger)
        self.checkpoint("danger")
        self.press("Continue")
        if self.plan.danger in ("Yes", "I'm not sure"):
            # Not being sure is reason enough for the 999 advice (journey.py).
            self.heading(re.compile(r"Call \d+ now|If you are not sure, call \d+"))
            self.checkpoint("call-emergency")
            self.follow("Continue with the report")

    def concern(self) -> None:
        question = "What has happened?" if self.plan.voice == "child" else "What is worrying you?"
        self.heading(question)
        for concern in self.plan.chosen_concerns:
            self.choose(question, concern)
        self.checkpoint("concern")
        self.press("Continue")
        if self.plan.chosen_concerns == BULLYING_ONLY:
            self.heading("Who can help with this")
            expect(self.page.get_by_role("heading", name="Bullying", exact=True)).to_be_visible()
            self.checkpoint("other-help")
            self.follow("Continue with the report")

    def what_happened(self) -> None:
        label = "What happened?"
        self.heading(label)
        if self.plan.mistakes:
            self.press("Continue")
            self.expect_error(
                "Tell us what happened, even if you only know a little", self.field(label)
            )
            self.checkpoint("what-happened, left empty")
        self.type(label, "Someone in a game asked for photos.\nNow they want to meet.")
        self.checkpoint("what-happened")
        self.press("Continue")

    def when(self) -> None:
        question = "When did it happen?"
        self.heading(question)
        if self.plan.mistakes:
            self.choose(question, "I know the month")
            expect(self.field("Day")).to_have_count(0)
            self.type("Month", "13")
            self.type("Year", "2024")
            self.press("Continue")
            self.expect_error(
                "Enter a real month and year, like 3 2026", self.group("Month and year")
            )
            self.checkpoint("when, impossible month")
            self.type("Month", "2")
        else:
            self.choose(question, "It is still happening")
        self.checkpoint("when")
        self.press("Continue")

    def where(self) -> None:
        self.heading("Where did it happen online?")
        self.checkpoint("where, nothing added")
        for count, platform in enumerate(self.plan.platforms, start=1):
            self.type("Name of the app, website or game", platform)
            self.type(re.compile(r"The usernames or profile links"), f"@{platform.lower()}_person")
            self.press("Save and add another")
            self.expect_places_added(count)
        self.checkpoint("where, places added")
        if self.plan.remove_platform:
            self.press(f"Remove {self.plan.remove_platform}")
            kept = [p for p in self.plan.platforms if p != self.plan.remove_platform]
            self.expect_places_added(len(kept))
            expect(self.page.get_by_role("term")).to_have_text(kept)
        self.press("Continue")

    def expect_places_added(self, count: int) -> None:
        places = "place" if count == 1 else "places"
        heading = self.page.get_by_role("heading", name=f"You have added {count} {places}")
        expect(heading).to_be_visible()

    def child(self) -> None:
        if self.plan.voice == "child":
            self.heading("About you")
            self.type("Your first name or initials (optional)", "A.B.")
            # A child gives their age as a number: no "I don't know" to contradict it.
            expect(self.group("How old are you?")).to_have_count(0)
            self.type("How old are you?", "14")
            self.type("Town or area where you live (optional)", "Exampletown")
            expect(self.group("How do you know the child?")).to_have_count(0)
            self.choose("Is this happening to other children too?", "No")
        elif self.plan.voice == "child_friend":
            self.heading("About your friend")
            self.type("Your friend's first name or initials (optional)", "A.B.")
            self.choose("How old is your friend?", "I know how old they are")
            self.type("Age", "14")
            self.type("Town or area where your friend lives (optional)", "Exampletown")
            expect(self.group("How do you know the child?")).to_have_count(0)
            self.choose("Is this happening to other children too?", "No")
        else:
            self.heading("About the child")
            self.type("The child's first name or initials (optional)", "A.B.")
            self.choose("How old is the child?", "I know how old they are")
            self.type("Age", "14")
            self.type("Town or area where the child lives (optional)", "Exampletown")
            self.choose("How do you know the child?", RELATIONSHIP[self.plan.audience])
            self.choose("Is this happening to more than one child?", "No")
        self.checkpoint("child")
        self.press("Continue")

    def person(self) -> None:
        self.heading(re.compile(r"About the person"))
        self.type("Their names or usernames, if you know any (optional)", "Sam Example")
        self.choose("Do they seem to be an adult?", "Yes")
        self.choose("Do they work or volunteer with children?", "I don't know")
        self.checkpoint("person")
        self.press("Continue")

    def organisation(self) -> None:
        self.heading("About your organisation")
        self.type("Organisation (optional)", "Example School")
        self.type("Your role (optional)", "Teacher")
        self.checkpoint("your-organisation")
        self.press("Continue")

    def contact(self) -> None:
        self.heading("How can we contact you?")
        phone = self.field("Phone number")
        if self.javascript:
            # The details are asked only once the person says they can give them.
            expect(phone).to_be_hidden()
        self.choose("How can we contact you?", "I can give contact details")
        expect(phone).to_be_visible()
        self.type("Your name (optional)", "Pat Example")
        phone.fill("07700 900982")
        if self.plan.mistakes:
            self.type("Email address", "pat@example")
            self.press("Continue")
            self.expect_error(
                "Enter an email address in the right format, like name@example.com",
                self.field("Email address"),
            )
            self.checkpoint("contact, bad email")
        self.type("Email address", "pat@example.org")
        self.type("When is it safe to contact you? (optional)", "Evenings")
        self.choose("Can we leave a message?", "Yes")
        self.checkpoint("contact")
        self.press("Continue")

    def answer_everything(self) -> None:
        """From the start page to check your answers, every question this person is asked."""
        self.begin()
        if self.plan.is_child:
            self.about_whom()
        if self.plan.is_professional:
            self.policy_checks()
        self.danger()
        self.concern()
        self.what_happened()
        self.when()
        self.where()
        self.child()
        self.person()
        if self.plan.is_professional:
            self.organisation()
        self.contact()
        self.heading("Check your answers before sending your report")
        self.checkpoint("check answers")

    def send(self) -> tuple[str, str]:
        """Send the report; the reference and follow-up code the confirmation page shows."""
        self.press("Send report")
        expect(self.page.locator(".govuk-panel__title")).to_have_text("Report sent")
        reference = self.page.locator(".govuk-panel__body strong").inner_text()
        code = self.page.locator("#followup-code").inner_text()
        self.checkpoint("sent")
        return reference, code

"""No input gives a 5xx: every form on every public and staff page, fuzzed.

The forms are not listed here. Each test walks the pages a person would see (the whole public
journey for each audience; the staff queue, a case, the team, audit and account pages), reads
every <form> on them, and posts hostile values into every field (and no answer may show one of
Django's default messages instead of ours): first a fixed grid (each field
in turn gets a non-ASCII digit, a NUL byte, 300 characters, a 40-digit number, markup, an
invalid choice…, the others keeping a plausible value), then hypothesis draws random mixtures.
A new form is fuzzed as soon as a page shows it.

The test client re-raises a view's exception, so a crash fails the test as surely as a 500.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.reporting import journey as steps
from haven.reporting.models import Draft
from tests.factories import StaffUserFactory, add_totp, verified_client
from tests.journey import Journey

HOSTILE = [
    "²",
    "١٢",
    "\x00",
    "a\x00b",
    "x" * 300,
    "9" * 40,
    "-1",
    "0",
    "1e9",
    "",
    " ",
    "<b>x</b>",
    "remove-²",
    "remove-99999999999999999999",
    "Ä" * 2001,
    "\u202e\ufeff",
    "'; DROP TABLE x; --",
]
PAGE_VALUES = ["²", "0", "-5", str(10**30), "1e3", "\x00", "x" * 300]

# Forms that end the session they are fuzzed in; their own tests cover them.
SKIP_ACTIONS = ("sign-out", "/exit/")


@dataclass
class Form:
    page: str
    action: str
    method: str
    # name -> values seen on the page (hidden values, options, radio and button values)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def plausible(self) -> dict[str, str]:
        return {name: values[0] if values else "" for name, values in self.fields.items()}


class _FormReader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = Form(self.page, action, (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag in ("input", "button", "textarea") and name:
            values = self._form.fields.setdefault(name, [])
            if a.get("value"):
                values.append(a["value"])
        if tag == "select" and name:
            self._select = name
            self._form.fields.setdefault(name, [])
        if tag == "option" and self._select and a.get("value"):
            self._form.fields[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def _read(client: Client, url: str) -> _FormReader:
    response = client.get(url, follow=True)
    assert response.status_code < 500, url
    final = response.request["PATH_INFO"]
    query = response.request.get("QUERY_STRING", "")
    reader = _FormReader(final + (f"?{query}" if query else ""))
    reader.feed(response.content.decode())
    return reader


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _forms(client: Client, pages: list[str]) -> list[Form]:
    found: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for page in pages:
        for form in _read(client, page).forms:
            action = _local(form.action)
            if action is None or any(skip in action for skip in SKIP_ACTIONS):
                continue
            form.action = action
            found.setdefault((form.action, form.method, tuple(sorted(form.fields))), form)
    return list(found.values())


def _hostile_grid(form: Form) -> Iterator[dict[str, str]]:
    base = form.plausible()
    for name in form.fields:
        for value in HOSTILE:
            yield {**base, name: value}
    yield {**base, "page": str(10**30), "unexpected": "\x00"}


# Django's own messages: a page must only ever show ours, in GOV.UK words.
DJANGO_DEFAULTS = (
    "Ensure this value",
    "Select a valid choice",
    "is not one of the available choices",
    "Enter a whole number",
    "Enter a number",
    "This field is required",
    "Enter a valid",
    "Null characters are not allowed",
)


def _send(client: Client, form: Form, data: dict[str, Any]) -> int:
    if form.method == "post":
        response = client.post(form.action, data)
    else:
        response = client.get(urlsplit(form.action).path, data)
    html = response.content.decode(errors="replace")
    shown = [words for words in DJANGO_DEFAULTS if words in html]
    assert not shown, (form.action, data, shown)
    return int(response.status_code)


RANDOM = settings(max_examples=60, deadline=None, database=None)

hostile_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


def _draw(data: Any, forms: list[Form]) -> tuple[Form, dict[str, str]]:
    form = data.draw(st.sampled_from(forms))
    values = data.draw(
        st.fixed_dictionaries(
            {
                name: st.one_of(st.sampled_from(seen or [""]), hostile_values)
                for name, seen in form.fields.items()
            }
        )
    )
    return form, values


# --- The public journey ----------------------------------------------------------------------


class PublicDraft:
    """A filled draft that every example starts from again (its row is put back each time)."""

    def __init__(self, client: Client, audience: str) -> None:
        self.client = client
        Journey(client).fill(audience)
        self.cookies = client.cookies
        draft_id = client.cookies["haven_draft"].value.partition(".")[0]
        self.row = Draft.objects.get(pk=draft_id)
        self.saved = (bytes(self.row.ciphertext), self.row.created_at)

    def restore(self) -> None:
        from django.utils import timezone

        ciphertext, created = self.saved
        Draft.objects.update_or_create(
            pk=self.row.pk,
            defaults={
                "ciphertext": ciphertext,
                "created_at": created,
                "updated_at": timezone.now(),
            },
        )
        self.client.cookies = self.cookies


def _public_pages(audience: str) -> list[str]:
    pages = [
        reverse("reporting:start"),
        reverse("reporting:who"),
        reverse("reporting:what_happens"),
    ]
    pages += [
        reverse("reporting:step", args=[s.slug]) for s in steps.STEPS if s.applies(audience, {})
    ]
    pages += [reverse("reporting:check_answers"), reverse("reporting:check")]
    return pages


PUBLIC_AUDIENCES = ["child", "parent", "member_of_public", "professional"]


@pytest.mark.django_db
@pytest.mark.parametrize("audience", PUBLIC_AUDIENCES)
def test_no_hostile_value_in_any_public_form_gives_a_5xx(audience: str) -> None:
    client = Client()
    draft = PublicDraft(client, audience)
    forms = _forms(client, _public_pages(audience))
    assert len(forms) >= 8, [f.action for f in forms]
    for form in forms:
        for data in _hostile_grid(form):
            draft.restore()
            status = _send(client, form, data)
            assert status < 500, (form.action, data)


@pytest.mark.django_db
@pytest.mark.parametrize("audience", PUBLIC_AUDIENCES)
def test_random_mixtures_in_public_forms_give_no_5xx(audience: str) -> None:
    client = Client()
    draft = PublicDraft(client, audience)
    forms = _forms(client, _public_pages(audience))

    @RANDOM
    @given(data=st.data())
    def one_example(data: Any) -> None:
        form, values = _draw(data, forms)
        draft.restore()
        assert _send(client, form, values) < 500, (form.action, values)

    one_example()


# --- A reporter checking on their report --------------------------------------------------------


class ReporterVisit:
    """A reporter past the check, on a report with a message waiting; signed in again whenever
    an example ended the visit (its sign-out form, say)."""

    def __init__(self, client: Client) -> None:
        from haven.reporting import conversation
        from haven.reporting.services import submit_report

        receipt = submit_report(
            audience="child",
            answers={"what-happened": {"what_happened": "Someone keeps asking for photos."}},
            submission_key=uuid.uuid4().hex,
            received_at=timezone.now(),
        )
        self.client, self.report, self.code = client, receipt.report, receipt.followup_code
        advisor = StaffUserFactory()
        conversation.send_message(case=self.report.case, by=advisor, text="Are you safe?")
        self.restore()

    def restore(self) -> None:
        from haven.reporting.models import ReporterSession

        if not ReporterSession.objects.filter(report=self.report).exists():
            answer = self.client.post(
                reverse("reporting:check"),
                {"reference": self.report.reference, "code": self.code},
            )
            assert answer.status_code == 302


REPORTER_PAGES = ["/check/your-report/", "/check/your-report/add/", "/check/your-report/contact/"]


@pytest.mark.django_db
def test_no_hostile_value_in_any_form_of_a_reporters_visit_gives_a_5xx() -> None:
    client = Client()
    visit = ReporterVisit(client)
    forms = _forms(client, REPORTER_PAGES)
    actions = {f.action for f in forms}
    assert {"/check/your-report/reply/", "/check/your-report/add/"} <= actions, actions
    for form in forms:
        for data in _hostile_grid(form):
            visit.restore()
            assert _send(client, form, data) < 500, (form.action, data)


@pytest.mark.django_db
def test_random_mixtures_in_a_reporters_forms_give_no_5xx() -> None:
    client = Client()
    visit = ReporterVisit(client)
    forms = _forms(client, REPORTER_PAGES)

    @RANDOM
    @given(data=st.data())
    def one_example(data: Any) -> None:
        form, values = _draw(data, forms)
        visit.restore()
        assert _send(client, form, values) < 500, (form.action, values)

    one_example()


# --- The staff side --------------------------------------------------------------------------


def _a_case() -> Any:
    from tests.test_accounts_access_walk import _case

    return _case()


def _staff_pages(case: Any) -> list[str]:
    return [
        reverse("staff:reports"),
        reverse("staff:queue"),
        reverse("staff:case", args=[case.id]),
        reverse("staff:case_message", args=[case.id]),
        reverse("staff:report", args=[case.report_id]),
        reverse("staff:team"),
        reverse("staff:audit"),
        reverse("staff:account:home"),
    ]


def _supervisor() -> Client:
    user = StaffUserFactory(role="supervisor")
    user.save()  # the factory sets the password after saving: store it, or sessions drop
    StaffUserFactory(role="advisor").save()
    return verified_client(user)


@pytest.mark.django_db
def test_no_hostile_value_in_any_staff_form_or_list_gives_a_5xx() -> None:
    client = _supervisor()
    case = _a_case()
    pages = _staff_pages(case)
    forms = _forms(client, pages)
    assert len(forms) >= 8, [f.action for f in forms]
    for form in forms:
        for data in _hostile_grid(form):
            assert _send(client, form, data) < 500, (form.action, data)
    for page, value in itertools.product(pages, PAGE_VALUES):
        assert client.get(page, {"page": value}).status_code < 500, (page, value)


@pytest.mark.django_db
def test_random_mixtures_in_staff_forms_give_no_5xx() -> None:
    client = _supervisor()
    forms = _forms(client, _staff_pages(_a_case()))

    @RANDOM
    @given(data=st.data())
    def one_example(data: Any) -> None:
        form, values = _draw(data, forms)
        assert _send(client, form, values) < 500, (form.action, values)

    one_example()


@pytest.mark.django_db
@pytest.mark.parametrize("has_app", [True, False], ids=["verify", "enrol"])
def test_no_hostile_value_in_any_second_factor_form_gives_a_5xx(has_app: bool) -> None:
    user = StaffUserFactory()
    user.save()
    if has_app:
        add_totp(user)
    client = Client()
    client.force_login(user)
    pages = (
        [reverse("staff:account:verify"), reverse("staff:account:recovery")]
        if has_app
        else [reverse("staff:account:enrol")]
    )
    forms = _forms(client, pages)
    assert forms, pages
    for form in forms:
        for data in _hostile_grid(form):
            assert _send(client, form, data) < 500, (form.action, data)


def test_the_staff_sign_in_form_survives_hostile_values(db: None) -> None:
    client = Client()
    form = _forms(client, [reverse("staff:login")])[0]
    for data in _hostile_grid(form):
        assert _send(client, form, data) < 500, data


# --- Referrals, from the advisor's side ----------------------------------------------------------


def _referral_pages() -> tuple[Client, list[str]]:
    """A supervisor with a draft referral of their own and another advisor's waiting for them."""
    from haven.cases.lifecycle import Status
    from haven.referrals import services as referrals
    from tests.factories import CaseFactory, PartnerAgencyFactory

    supervisor = StaffUserFactory(role="supervisor")
    supervisor.save()
    advisor = StaffUserFactory()
    agency = PartnerAgencyFactory()
    mine = CaseFactory(audience="child", priority="P1", status=Status.NEW, assigned_to=supervisor)
    theirs = CaseFactory(
        audience="parent", priority="P2", status=Status.PLANNING, assigned_to=advisor
    )
    draft = referrals.draft_referral(case=mine, agency=agency, by=supervisor)
    waiting = referrals.draft_referral(case=theirs, agency=agency, by=advisor)
    words = referrals.open_draft(waiting)
    words.no_consent_reason = "Risk to the child."
    referrals.save_draft(
        referral=waiting, by=advisor, draft=words, lawful_basis="safeguarding", urgent=False
    )
    referrals.send_referral(referral=waiting, by=advisor)
    pages = [
        reverse("staff:case_refer", args=[mine.id]) + "?area=Example+Borough",
        reverse("staff:referral", args=[draft.id]),
        reverse("staff:referral", args=[waiting.id]),
    ]
    return verified_client(supervisor), pages


@pytest.mark.django_db
def test_random_mixtures_in_referral_forms_give_no_5xx() -> None:
    # Random mixtures only: the draft form's twenty fields make the whole grid costly, and
    # tests/test_staff_referrals.py posts the hostile values into its fields by name.
    client, pages = _referral_pages()
    forms = _forms(client, pages)
    assert len(forms) >= 4, [f.action for f in forms]

    @RANDOM
    @given(data=st.data())
    def one_example(data: Any) -> None:
        form, values = _draw(data, forms)
        assert _send(client, form, values) < 500, (form.action, values)

    one_example()

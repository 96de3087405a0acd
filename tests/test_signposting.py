"""Where the pages send people: every organisation a link, every number a tel: link, no dead end.

The confirmation page also offers the help that fits what was reported (Report Remove for a
child whose pictures are shared, the services for a report triaged out of scope), from flags
kept in the receipt, since the answers leave the draft when the report is sent.
"""

import dataclasses
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from haven.reporting import services
from tests.conftest import text_of as page_text
from tests.journey import step_url

ORGANISATIONS = [
    "Childline",
    "NSPCC helpline",
    "Internet Watch Foundation",
    "Report Harmful Content",
    "Action Fraud",
    "Report Remove",
    "NAPAC",
    "Revenge Porn Helpline",
]
NUMBERS = ["999", "101", "0808 800 5000", "0800 1111", "0808 801 0331", "0345 6000 459"]
LINKS = {
    "Childline": "https://www.childline.org.uk/",
    "Report Remove": (
        "https://www.childline.org.uk/info-advice/bullying-abuse-safety/"
        "online-mobile-safety/report-remove/"
    ),
    "Internet Watch Foundation": "https://report.iwf.org.uk/",
    "Report Harmful Content": "https://reportharmfulcontent.com/",
    "Action Fraud": "https://www.actionfraud.police.uk/",
    "NAPAC (the National Association for People Abused in Childhood)": "https://napac.org.uk/",
    "Revenge Porn Helpline": "https://revengepornhelpline.org.uk/",
}


def text_of(response) -> str:
    """The page's text, without the space a link's end leaves before punctuation."""
    return re.sub(r" ([,.:;])", r"\1", page_text(response))


def outside_links(html: str) -> str:
    """The page's visible text in the body, leaving out everything inside a link."""
    body = html.split("<body", 1)[1]
    body = re.sub(r"<script\b.*?</script>", " ", body, flags=re.S)
    body = re.sub(r"<a\b[^>]*>.*?</a>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def assert_everything_named_is_a_link(response) -> None:
    html = response.content.decode()
    loose = outside_links(html)
    for name in ORGANISATIONS:
        assert name not in loose, f"{name} is named without a link: {loose}"
    for number in NUMBERS:
        assert not re.search(rf"(?<![\w-]){re.escape(number)}(?![\w-])", loose), (
            f"{number} is not a tel: link: {loose}"
        )
    for href in re.findall(r'href="tel:([^"]*)"', html):
        assert re.fullmatch(r"\+?[0-9]+", href), href


def links_on(response) -> dict[str, str]:
    """Each link's text and where it goes."""
    found = re.findall(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', response.content.decode(), re.S)
    return {" ".join(re.sub(r"<[^>]+>", "", text).split()): href for href, text in found}


def out_of_scope_as(monkeypatch, category: str) -> None:
    """Triage every report sent from now on as out of scope in ``category``."""
    original = services.assess_answers

    def assess(**kwargs):
        return dataclasses.replace(original(**kwargs), scope="out", out_category=category)

    monkeypatch.setattr(services, "assess_answers", assess)


def confirmation(journey, audience="parent", overrides=None):
    report = journey.submit(audience, overrides)
    return report, journey.client.get(reverse("reporting:sent"))


# -- every signposting page --------------------------------------------------------------


def signposting_pages(journey, monkeypatch):
    client = journey.client
    yield "start", Client().get(reverse("reporting:start"))
    yield "staying safe", Client().get(reverse("reporting:staying_safe"))
    yield "not ready", Client().get(reverse("reporting:not_ready"))
    yield "not found", Client().get("/no-such-page/")
    yield "wrong method", Client().get("/staff/sign-out/")
    journey.choose("child")
    yield "not ready, child", client.get(reverse("reporting:not_ready"))
    journey.answer("danger", {"danger_now": "unknown"})
    yield "call 999, not sure", client.get(step_url("call-emergency"))
    journey.answer("danger", {"danger_now": "yes"})
    yield "call 999", client.get(step_url("call-emergency"))
    journey.answer("concern", {"concerns": ["bullying", "fake_account"]})
    yield "other help", client.get(step_url("other-help"))
    client.post(reverse("reporting:finish"))
    for category in ("bullying", "fake_account", "adult", "adult_survivor", "adult_images"):
        out_of_scope_as(monkeypatch, category)
        _report, page = confirmation(journey, "child", {"concern": {"concerns": ["images_shared"]}})
        yield f"sent, {category}", page
        client.post(reverse("reporting:finish"))
    journey.fill("parent")
    client.cookies["haven_draft"] = "x.y"
    yield "timed out", client.get(reverse("reporting:timed_out"))


def test_every_organisation_named_is_a_link_and_every_number_a_tel_link(journey, monkeypatch):
    seen = set()
    for name, response in signposting_pages(journey, monkeypatch):
        assert response.status_code < 500, name
        try:
            assert_everything_named_is_a_link(response)
        except AssertionError as problem:
            raise AssertionError(f"{name}: {problem}") from problem
        seen.update(links_on(response))
    for text in LINKS:
        assert text in seen, text
    assert {"999", "101", "0808 800 5000", "0800 1111", "0808 801 0331", "0345 6000 459"} <= seen


def test_phone_links_have_no_spaces(client, db):
    html = client.get(reverse("reporting:not_ready")).content.decode()
    assert '<a class="govuk-link haven-phone" href="tel:08088005000">0808 800 5000</a>' in html
    assert '<a class="govuk-link haven-phone" href="tel:08001111">0800 1111</a>' in html


def test_the_organisations_addresses_and_numbers_are_configuration(client, db, settings):
    settings.HAVEN_CHILDLINE_URL = "https://children.example/"
    settings.HAVEN_CHILDLINE_PHONE = "+44 800 000 111"
    settings.HAVEN_HELPLINE_URL = "https://helpline.example/"
    links = links_on(client.get(reverse("reporting:not_ready")))
    assert links["Childline"] == "https://children.example/"
    assert links["+44 800 000 111"] == "tel:+44800000111"
    assert links["NSPCC helpline"] == "https://helpline.example/"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HAVEN_REPORT_REMOVE_URL", "javascript:alert(1)", "must be a web address"),
        ("HAVEN_IWF_URL", "report.iwf.org.uk", "must be a web address"),
        ("HAVEN_NAPAC_PHONE", "call us", "must be a phone number"),
        ("HAVEN_POLICE_NON_EMERGENCY_NUMBER", "1O1", "must be a phone number"),
    ],
)
def test_a_bad_address_or_number_stops_the_server_with_a_clear_message(
    monkeypatch, name, value, message
):
    from haven.settings import envphone, envurl

    monkeypatch.setenv(name, value)
    read = envphone if message.endswith("phone number") else envurl
    with pytest.raises(ImproperlyConfigured, match=f"{name} {message}"):
        read(name, "https://example.org/")


# -- not ready, and not sure ---------------------------------------------------------------


def test_not_ready_puts_childline_first_for_a_child(journey):
    text = text_of(journey.client.get(reverse("reporting:not_ready")))
    assert text.index("NSPCC helpline Call") < text.index("Childline If you are under 18")
    journey.choose("child")
    text = text_of(journey.client.get(reverse("reporting:not_ready")))
    assert text.index("Childline Call") < text.index("NSPCC helpline Call")
    assert "to talk to a counsellor about anything that is worrying you" in text


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("parent", "If you think a child might be in danger right now, call 999"),
        ("child", "If you think you might be in danger right now, call 999"),
    ],
)
def test_not_being_sure_about_danger_shows_the_999_advice_too(journey, audience, expected):
    journey.choose(audience)
    response = journey.answer("danger", {"danger_now": "unknown"})
    assert response.url == step_url("call-emergency")
    page = journey.client.get(response.url)
    text = text_of(page)
    assert "If you are not sure, call 999" in text
    assert expected in text
    assert "You do not need to be sure" in text
    assert page.context["continue_url"] == step_url("concern")


def test_a_child_not_sure_about_a_friend_is_told_about_the_friend(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "friend"})
    response = journey.answer("danger", {"danger_now": "unknown"})
    text = text_of(journey.client.get(response.url))
    assert "If you think your friend might be in danger right now, call 999" in text


NOT_SURE_LINES = {
    "parent": (
        "If you think a child might be in danger right now, call 999 and ask for the police. You do"
        " not need to be sure: they will help you decide what to do."
    ),
    "child": (
        "If you think you might be in danger right now, call 999 and ask for the police. You do not"
        " need to be sure. It is free, and they will help you."
    ),
    "friend": (
        "If you think your friend might be in danger right now, call 999 and ask for the police."
        " You do not need to be sure. It is free, and they will help."
    ),
}
IN_DANGER_LINES = {
    "parent": "If a child is in danger right now, call 999 and ask for the police.",
    "child": (
        "If you are in danger right now, call 999 and ask for the police. It is free, and they will"
        " help you."
    ),
    "friend": (
        "If your friend is in danger right now, call 999 and ask for the police. It is free, and"
        " they will help."
    ),
}
NEXT_STEP = {
    "parent": (
        "The police can act straight away. We read every report quickly, but we cannot send help"
        " to a child in an emergency."
    ),
    "child": "If you can, go to a safe place or a trusted adult first.",
    "friend": "You could also tell a trusted adult straight away.",
}


@pytest.mark.parametrize("danger_now", ["yes", "unknown"])
@pytest.mark.parametrize("who", ["parent", "child", "friend"])
def test_the_999_page_says_what_fits_the_voice_and_whether_the_person_is_sure(
    journey, who, danger_now
):
    journey.choose("parent" if who == "parent" else "child")
    if who == "friend":
        journey.answer("about-whom", {"about_whom": "friend"})
    journey.answer("danger", {"danger_now": danger_now})
    page = journey.client.get(step_url("call-emergency"))
    html = page.content.decode()
    heading = "If you are not sure, call 999" if danger_now == "unknown" else "Call 999 now"
    assert re.search(r"<title>\s*" + re.escape(heading) + " \u2013 ", html), html[:300]
    h1 = re.search(r'<h1 class="govuk-heading-xl">(.*?)</h1>', html, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", h1).split()) == heading
    assert 'href="tel:999"' in h1
    lines = NOT_SURE_LINES if danger_now == "unknown" else IN_DANGER_LINES
    text = text_of(page)
    assert lines[who] in text
    assert NEXT_STEP[who] in text
    said = [
        line
        for table in (NOT_SURE_LINES, IN_DANGER_LINES, NEXT_STEP)
        for voice, line in table.items()
        if line in text
    ]
    assert said == [lines[who], NEXT_STEP[who]]
    assert "Do not wait to finish this report before you call." in text


# -- the confirmation page -----------------------------------------------------------------

REPORT_REMOVE_FOR_ME = "If nude or sexual pictures or videos of you are online, Report Remove"
REPORT_REMOVE_FOR_A_FRIEND = "your friend can use Report Remove to get them taken down"


@pytest.mark.parametrize(
    ("audience", "concerns", "about_whom", "expected", "not_expected"),
    [
        ("child", ["images_shared"], "me", REPORT_REMOVE_FOR_ME, REPORT_REMOVE_FOR_A_FRIEND),
        ("child", ["images_shared"], "friend", REPORT_REMOVE_FOR_A_FRIEND, REPORT_REMOVE_FOR_ME),
        ("child", ["asked_for_images"], "me", None, "Report Remove"),
        ("parent", ["images_shared"], None, None, "Report Remove"),
    ],
)
def test_a_child_whose_pictures_are_shared_is_offered_report_remove(
    journey, audience, concerns, about_whom, expected, not_expected
):
    overrides = {"concern": {"concerns": concerns}}
    if about_whom:
        overrides["about-whom"] = {"about_whom": about_whom}
    _report, page = confirmation(journey, audience, overrides)
    text = text_of(page)
    if expected:
        assert expected in text
        assert links_on(page)["Report Remove"] == LINKS["Report Remove"]
    assert not_expected not in text
    # From the receipt, not the answers: those left the draft when the report was sent.
    assert page.context["signposts"]["report_remove"] in ("self", "friend", "")


def draft_on_the_device(journey):
    """What the draft this client's cookie opens holds now, decrypted."""
    from django.test import RequestFactory

    from haven.reporting import drafts

    request = RequestFactory().get("/")
    request.COOKIES["haven_draft"] = journey.client.cookies["haven_draft"].value
    return drafts.load(request).data


GENERAL_REPORT_REMOVE = (
    "If a nude or sexual picture of someone under 18 is online, Report Remove can help get it"
    " taken down."
)
SAID_BY_THE_CHILD = ("of you", "your friend", "Childline: call", "Action Fraud", "Revenge Porn")


@pytest.mark.parametrize(
    ("category", "overrides"),
    [
        ("", {"concern": {"concerns": ["images_shared"]}}),
        ("", {"concern": {"concerns": ["images_shared"]}, "about-whom": {"about_whom": "friend"}}),
        ("bullying", {"concern": {"concerns": ["images_shared"]}}),
        ("fake_account", None),
        ("adult_images", None),
    ],
)
def test_once_the_code_is_kept_the_page_no_longer_says_what_the_child_told_us(
    journey, monkeypatch, category, overrides
):
    if category:
        out_of_scope_as(monkeypatch, category)
    _report, before = confirmation(journey, "child", overrides)
    assert any(said in text_of(before) for said in SAID_BY_THE_CHILD)
    journey.client.post(reverse("reporting:sent"))
    after = journey.client.get(reverse("reporting:sent"))
    text = text_of(after)
    for said in SAID_BY_THE_CHILD:
        assert said not in text, said
    # Only help that names nobody, and that every report's page shows alike.
    assert GENERAL_REPORT_REMOVE in text
    assert links_on(after)["Report Remove"] == LINKS["Report Remove"]
    receipt = draft_on_the_device(journey)["sent"]
    assert "signposts" not in receipt
    assert set(receipt) == {"reference", "code_kept"}


def test_once_the_code_is_kept_every_childs_page_reads_the_same(journey, monkeypatch):
    pages = []
    for overrides in ({"concern": {"concerns": ["images_shared"]}}, None):
        confirmation(journey, "child", overrides)
        journey.client.post(reverse("reporting:sent"))
        page = journey.client.get(reverse("reporting:sent"))
        pages.append(text_of(page).replace(page.context["reference"], "REF"))
        journey.client.post(reverse("reporting:finish"))
    assert pages[0] == pages[1]


@pytest.mark.parametrize(
    ("audience", "answers", "out_category", "expected"),
    [
        (
            "child",
            {"concern": {"concerns": ["images_shared"]}, "about-whom": {"about_whom": "me"}},
            "",
            {"report_remove": "self", "out_category": ""},
        ),
        (
            "child",
            {"concern": {"concerns": ["images_shared"]}, "about-whom": {"about_whom": "friend"}},
            "bullying",
            {"report_remove": "friend", "out_category": "bullying"},
        ),
        (
            "child",
            {"concern": {"concerns": ["asked_for_images"]}},
            "",
            {"report_remove": "", "out_category": ""},
        ),
        (
            "parent",
            {"concern": {"concerns": ["images_shared"]}},
            "adult",
            {"report_remove": "", "out_category": "adult"},
        ),
    ],
)
def test_the_confirmation_offers_help_decided_from_the_answers_and_triage(
    audience, answers, out_category, expected
):
    assert (
        services.confirmation_signposts(
            audience=audience, answers=answers, out_category=out_category
        )
        == expected
    )


@pytest.mark.parametrize(
    ("audience", "school"),
    [
        ("child", "a teacher you trust at your school, if it involves other pupils"),
        ("parent", "the child's school, if it involves other pupils"),
    ],
)
def test_the_help_with_bullying_reads_the_same_before_and_after_sending(
    journey, monkeypatch, audience, school
):
    journey.choose(audience)
    journey.answer("concern", {"concerns": ["bullying"]})
    info = text_of(journey.client.get(step_url("other-help")))
    journey.client.post(reverse("reporting:finish"))
    out_of_scope_as(monkeypatch, "bullying")
    _report, sent = confirmation(journey, audience)
    for text in (info, text_of(sent)):
        assert school in text
        assert "Childline: call 0800 1111 free, any time" in text
        assert "Report Harmful Content, for harmful posts that a website has not removed" in text


def test_report_remove_is_offered_whether_or_not_the_report_is_in_scope(journey, monkeypatch):
    out_of_scope_as(monkeypatch, "bullying")
    _report, page = confirmation(journey, "child", {"concern": {"concerns": ["images_shared"]}})
    text = text_of(page)
    assert REPORT_REMOVE_FOR_ME in text
    assert "Childline: call 0800 1111 free" in text


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("bullying", ["Childline: call 0800 1111", "Report Harmful Content, for harmful posts"]),
        ("fake_account", ["own reporting tools", "Action Fraud, if money has been taken"]),
        ("hacked_account", ["own reporting tools", "Action Fraud, if money has been taken"]),
        ("adult", ["Call 101, the police non-emergency number"]),
        (
            "adult_survivor",
            [
                "Call 101, the police non-emergency number",
                "supports adults who were abused as children. Call them free on 0808 801 0331",
            ],
        ),
        ("adult_images", ["Revenge Porn Helpline can help", "Call them on 0345 6000 459"]),
    ],
)
def test_a_report_out_of_scope_is_thanked_and_shown_who_else_can_help(
    journey, monkeypatch, category, expected
):
    out_of_scope_as(monkeypatch, category)
    report, page = confirmation(journey)
    assert report.case.out_category == category
    text = text_of(page)
    assert "Report sent" in text
    assert "We have your report and an advisor will read it." in text
    for phrase in expected:
        assert phrase in text, phrase
    for wasted in ("cannot help", "not for us", "wrong service", "should not have"):
        assert wasted not in text.lower()


def test_a_report_in_scope_shows_no_other_services(journey):
    _report, page = confirmation(journey)
    text = text_of(page)
    assert "Other help you can get" not in text
    assert "Action Fraud" not in text


def test_a_real_triage_out_of_scope_reaches_the_confirmation_page(journey):
    _report, page = confirmation(
        journey,
        "parent",
        {
            "concern": {"concerns": ["bullying"]},
            "what-happened": {"what_happened": "Children in the class post unkind messages."},
        },
    )
    assert page.context["signposts"]["out_category"] == "bullying"
    assert "Report Harmful Content" in text_of(page)


# -- staying safe online -------------------------------------------------------------------


def test_the_cover_your_tracks_page_says_what_haven_keeps_on_the_device(client, db):
    text = text_of(client.get(reverse("reporting:staying_safe")))
    assert "Staying safe online: cover your tracks" in text
    for phrase in (
        "press the Shift key 3 times",
        "one cookie (a tiny file)",
        "deleted when you close your browser, when you press Exit this page",
        "If you stop for 60 minutes, we delete your answers.",
        "not to save copies of our pages",
        "Remove this website from your history",
        "Use a private window next time",
        "If you share a device",
    ):
        assert phrase in text, phrase


@pytest.mark.parametrize("where", ["start", "sent", "footer"])
def test_the_cover_your_tracks_page_is_linked_from_the_start_the_confirmation_and_the_footer(
    journey, where
):
    url = reverse("reporting:staying_safe")
    if where == "sent":
        journey.submit("parent")
        html = journey.client.get(reverse("reporting:sent")).content.decode()
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        assert f'href="{url}"' in main
    elif where == "start":
        html = journey.client.get(reverse("reporting:start")).content.decode()
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        assert f'href="{url}"' in main
    else:
        html = journey.client.get(reverse("reporting:who")).content.decode()
        footer = html.split("<footer", 1)[1]
        assert f'href="{url}"' in footer

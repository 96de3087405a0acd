"""The question pages and their branches: audiences, danger now, scope, professional pre-checks."""

import pytest
from django.urls import reverse

from haven.reporting.models import Draft
from tests.conftest import text_of
from tests.journey import step_url


def order_for(journey, audience):
    """The slugs a person is sent through, following each redirect from the first question."""
    journey.choose(audience)
    page = journey.client.get(reverse("reporting:what_happens"))
    slugs = []
    url = page.context["continue_url"]
    while url.startswith("/report/") and "check-answers" not in url:
        slug = url.split("/")[2]
        slugs.append(slug)
        journey.client.get(url)
        response = journey.answer(slug)
        url = response.url
    return slugs, url


@pytest.mark.parametrize("audience", ["child", "parent", "member_of_public"])
def test_non_professionals_answer_the_questions_in_order(journey, audience):
    slugs, end = order_for(journey, audience)
    assert slugs == [
        *(["about-whom"] if audience == "child" else []),
        "danger",
        "concern",
        "what-happened",
        "when",
        "where",
        "child",
        "person",
        "contact",
    ]
    assert end == reverse("reporting:check_answers")


def test_professionals_answer_the_pre_checks_first_and_about_their_organisation(journey):
    slugs, end = order_for(journey, "professional")
    assert slugs == [
        "safeguarding-policy",
        "already-told",
        "danger",
        "concern",
        "what-happened",
        "when",
        "where",
        "child",
        "person",
        "your-organisation",
        "contact",
    ]
    assert end == reverse("reporting:check_answers")


def test_a_question_page_without_a_draft_sends_you_to_choose_who_you_are(client, db):
    response = client.get(step_url("danger"))
    assert response.status_code == 302
    assert response.url == reverse("reporting:who")


def test_professional_steps_are_not_found_for_other_audiences(journey):
    journey.choose("parent")
    assert journey.client.get(step_url("safeguarding-policy")).status_code == 404
    assert journey.client.get(step_url("your-organisation")).status_code == 404


def test_an_unknown_step_is_not_found(journey):
    journey.choose("parent")
    assert journey.client.get(step_url("no-such-step")).status_code == 404


def test_a_child_is_asked_about_themself(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "me"})
    assert "Are you in danger right now?" in text_of(journey.client.get(step_url("danger")))
    about = text_of(journey.client.get(step_url("child")))
    assert "About you" in about
    assert "How old are you?" in about
    assert "How do you know the child?" not in about
    assert "Someone asked me for sexual pictures or videos" in text_of(
        journey.client.get(step_url("concern"))
    )
    assert "it is not your fault" in text_of(journey.client.get(step_url("what-happened")))


def test_a_parent_is_asked_about_the_child(journey):
    journey.choose("parent")
    assert "Is a child in danger right now?" in text_of(journey.client.get(step_url("danger")))
    about = text_of(journey.client.get(step_url("child")))
    assert "About the child" in about
    assert "How old is the child?" in about
    assert "How do you know the child?" in about
    assert "Someone asked the child for sexual pictures or videos" in text_of(
        journey.client.get(step_url("concern"))
    )


def test_danger_now_shows_the_emergency_advice_first_then_lets_you_continue(journey):
    journey.choose("parent")
    response = journey.answer("danger", {"danger_now": "yes"})
    assert response.url == step_url("call-emergency")
    page = journey.client.get(response.url)
    text = text_of(page)
    assert "Call 999 now" in text
    assert "Do not wait to finish this report before you call." in text
    assert page.context["continue_url"] == step_url("concern")


def test_not_in_danger_goes_straight_on(journey):
    journey.choose("parent")
    assert journey.answer("danger", {"danger_now": "no"}).url == step_url("concern")


@pytest.mark.parametrize(
    ("concerns", "expected_heading"),
    [
        (["bullying"], "Bullying"),
        (["fake_account"], "Fake or hacked accounts"),
        (["hacked_account", "bullying"], "Fake or hacked accounts"),
    ],
)
def test_only_out_of_scope_concerns_show_where_to_get_help_and_still_allow_continuing(
    journey, concerns, expected_heading
):
    journey.choose("parent")
    response = journey.answer("concern", {"concerns": concerns})
    assert response.url == step_url("other-help")
    page = journey.client.get(response.url)
    text = text_of(page)
    assert "Who can help with this" in text
    assert expected_heading in text
    assert "Continue with the report" in text
    assert page.context["continue_url"] == step_url("what-happened")


def test_a_sexual_concern_alongside_bullying_stays_in_scope(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "me"})
    response = journey.answer("concern", {"concerns": ["bullying", "sexual_messages"]})
    assert response.url == step_url("what-happened")


def test_no_concern_ticked_is_allowed(journey):
    journey.choose("member_of_public")
    assert journey.answer("concern", {}).url == step_url("what-happened")


def test_a_professional_who_has_not_followed_their_policy_is_told_to_and_may_continue(journey):
    journey.choose("professional")
    response = journey.answer("safeguarding-policy", {"policy_followed": "not_yet"})
    assert response.url == step_url("policy-first")
    page = journey.client.get(response.url)
    assert "Follow your safeguarding policy too" in text_of(page)
    assert page.context["continue_url"] == step_url("already-told")


def test_a_professional_who_already_told_statutory_services_need_not_report_but_may(journey):
    journey.choose("professional")
    response = journey.answer(
        "already-told",
        {
            "told_statutory": "yes",
            "statutory_agency": "Example council",
            "statutory_reference": "REF-1",
        },
    )
    assert response.url == step_url("already-reported")
    page = journey.client.get(response.url)
    assert "You do not need to report to us as well" in text_of(page)
    assert page.context["continue_url"] == step_url("danger")


def test_the_statutory_reference_is_dropped_when_they_did_not_tell_anyone(journey):
    journey.choose("professional")
    journey.answer("already-told", {"told_statutory": "no", "statutory_reference": "REF-1"})
    page = journey.client.get(step_url("already-told"))
    assert 'value="REF-1"' not in page.content.decode()


def test_answers_are_kept_when_going_back_to_a_question(journey):
    journey.choose("parent")
    journey.answer("what-happened", {"what_happened": "A unique narrative 4412"})
    page = journey.client.get(step_url("what-happened"))
    assert "A unique narrative 4412" in page.content.decode()


def test_back_links_follow_the_journey(journey):
    journey.choose("parent")
    assert journey.client.get(step_url("danger")).context["back_url"] == reverse(
        "reporting:what_happens"
    )
    assert journey.client.get(step_url("concern")).context["back_url"] == step_url("danger")
    assert journey.client.get(step_url("contact")).context["back_url"] == step_url("person")


def remove_button(journey, platform):
    """The value of the Remove button beside ``platform`` on the "where" page."""
    import re

    html = journey.client.get(step_url("where")).content.decode()
    found = re.search(
        r'value="([^"]*)"[^>]*>\s*Remove<span class="govuk-visually-hidden"> '
        + re.escape(platform)
        + "</span>",
        html,
    )
    assert found, html
    return found.group(1)


def test_where_adds_several_platforms_and_removes_one(journey):
    journey.choose("parent")
    url = step_url("where")
    assert (
        journey.client.post(url, {"platform": "AppOne", "usernames": "one", "action": "add"}).url
        == url
    )
    assert (
        journey.client.post(url, {"platform": "AppTwo", "usernames": "two", "action": "add"}).url
        == url
    )
    text = text_of(journey.client.get(url))
    assert "You have added 2 places" in text
    assert "AppOne" in text and "AppTwo" in text
    assert journey.client.post(url, {"action": remove_button(journey, "AppOne")}).url == url
    text = text_of(journey.client.get(url))
    assert "You have added 1 place" in text
    assert "AppOne" not in text
    assert journey.client.post(url, {"action": "continue"}).url == step_url("child")


def test_where_can_be_skipped(journey):
    journey.choose("parent")
    assert journey.client.post(step_url("where"), {"action": "continue"}).url == step_url("child")


def test_where_needs_a_platform_name_for_usernames(journey):
    journey.choose("parent")
    response = journey.client.post(step_url("where"), {"usernames": "someone", "action": "add"})
    assert response.status_code == 200
    assert "Enter the name of the app, website or game" in text_of(response)


def test_where_ignores_a_remove_of_an_item_that_does_not_exist(journey):
    journey.choose("parent")
    assert journey.client.post(step_url("where"), {"action": "remove-7"}).status_code == 302
    assert journey.client.post(step_url("where"), {"action": "remove-x"}).status_code == 302


@pytest.mark.parametrize("removed", ["AppOne", "AppTwo", "AppThree"])
def test_where_removes_the_place_whose_button_was_pressed(journey, removed):
    journey.choose("parent")
    names = ["AppOne", "AppTwo", "AppThree"]
    for name in names:
        journey.client.post(step_url("where"), {"platform": name, "action": "add"})
    journey.client.post(step_url("where"), {"action": remove_button(journey, removed)})
    platforms = journey.client.get(step_url("where")).context["platforms"]
    assert [p["platform"] for p in platforms] == [n for n in names if n != removed]


@pytest.mark.parametrize("old_value", ["remove-0", "remove-1", "remove-2"])
def test_a_remove_button_from_a_page_of_the_last_release_removes_nothing(journey, old_value):
    # Those buttons counted from 0: read as today's numbers, each would remove the wrong place.
    journey.choose("parent")
    for name in ("AppOne", "AppTwo", "AppThree"):
        journey.client.post(step_url("where"), {"platform": name, "action": "add"})
    response = journey.client.post(step_url("where"), {"action": old_value})
    assert response.url == step_url("where")
    assert len(journey.client.get(step_url("where")).context["platforms"]) == 3


def test_where_asks_a_child_about_a_friend_in_the_friends_voice(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "friend"})
    assert journey.client.get(step_url("where")).context["form"].voice == "child_friend"
    response = journey.client.post(step_url("where"), {"usernames": "x", "action": "add"})
    assert response.context["form"].voice == "child_friend"


def test_where_stops_at_ten_platforms(journey):
    journey.choose("parent")
    for n in range(10):
        journey.client.post(step_url("where"), {"platform": f"App{n}", "action": "add"})
    response = journey.client.post(step_url("where"), {"platform": "App11", "action": "add"})
    assert response.status_code == 200
    assert "You can add up to 10" in text_of(response)


def test_the_draft_row_never_holds_the_answers_in_plaintext(journey):
    journey.choose("parent")
    journey.answer("what-happened", {"what_happened": "plaintext-canary-93"})
    row = Draft.objects.get()
    assert b"plaintext-canary-93" not in bytes(row.ciphertext)
    assert b"parent" not in bytes(row.ciphertext)

"""One normal form per identifier: the ways people write a username, an email address, a phone
number or a profile link come out equal, and different ones stay different."""

import pytest

from haven.linking import normalise
from haven.linking.normalise import EMAIL, PHONE, URL, USERNAME, Identifier


def fullwidth(text):
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def one(written, **kwargs):
    found = normalise.in_list(written, **kwargs)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "written",
    [
        "example_user",
        "Example_User",
        "@Example_User",
        "  @example_user  ",
        "@@example_user,",
        fullwidth("@Example_User"),  # as some phone keyboards type it
    ],
)
def test_a_handle_written_differently_is_one_username(written):
    assert normalise.username(written) == "example_user"


@pytest.mark.parametrize(
    "written",
    [
        "https://www.instagram.com/example_user/",
        "http://instagram.com/Example_User",
        "instagram.com/Example_User?igsh=xyz",
        "www.instagram.com/example_user/?hl=en#top",
        "https://m.instagram.com/example_user",
        "HTTPS://WWW.INSTAGRAM.COM/EXAMPLE_USER",
        "https://www.instagram.com/stories/example_user/3141592653/",
    ],
)
def test_an_instagram_profile_link_is_the_username_it_names(written):
    assert one(written) == Identifier(USERNAME, "example_user", "instagram")


@pytest.mark.parametrize(
    ("written", "platform"),
    [
        ("https://www.tiktok.com/@Example_User?lang=en", "tiktok"),
        ("https://m.tiktok.com/@example_user/video/123", "tiktok"),
        ("https://x.com/Example_User", "x"),
        ("https://twitter.com/example_user/status/123", "x"),
        ("https://mobile.twitter.com/example_user", "x"),
        ("https://www.snapchat.com/add/example_user", "snapchat"),
        ("snapchat.com/add/Example_User?share_id=abc", "snapchat"),
        ("https://www.snapchat.com/@example_user", "snapchat"),
        ("https://www.facebook.com/example_user", "facebook"),
        ("https://m.facebook.com/Example_User/", "facebook"),
        ("https://www.youtube.com/@Example_User", "youtube"),
        ("https://www.youtube.com/user/example_user", "youtube"),
        ("https://www.twitch.tv/example_user", "twitch"),
        ("https://t.me/example_user", "telegram"),
        ("https://www.reddit.com/user/example_user/", "reddit"),
        ("https://old.reddit.com/u/example_user", "reddit"),
        ("https://www.threads.net/@example_user", "threads"),
        ("https://onlyfans.com/example_user", "onlyfans"),
        ("https://steamcommunity.com/id/example_user", "steam"),
        ("https://www.linkedin.com/in/example_user/", "linkedin"),
        ("https://kik.me/example_user", "kik"),
    ],
)
def test_profile_links_of_each_platform_name_their_handle(written, platform):
    assert one(written) == Identifier(USERNAME, "example_user", platform)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("https://www.facebook.com/profile.php?id=100012345", ("100012345", "facebook")),
        ("https://www.facebook.com/people/Sam-Example/100012345/", ("100012345", "facebook")),
        ("https://discord.com/users/80351110224678912", ("80351110224678912", "discord")),
        ("https://www.roblox.com/users/123456/profile", ("123456", "roblox")),
        ("https://www.youtube.com/channel/UCabcdef", ("ucabcdef", "youtube")),
    ],
)
def test_profile_links_by_number_name_the_account_number(written, expected):
    assert one(written) == Identifier(USERNAME, *expected)


@pytest.mark.parametrize(
    "written",
    [
        "https://www.instagram.com/p/Cabc123/",
        "https://www.instagram.com/reel/Cabc123/",
        "https://www.tiktok.com/discover/something",
        "https://x.com/i/status/123",
        "https://www.facebook.com/groups/123456/",
        "https://www.youtube.com/watch?v=abc",
    ],
)
def test_a_site_page_that_is_not_a_profile_is_kept_as_a_link_not_a_username(written):
    assert one(written).kind == URL


def test_a_link_on_another_site_is_its_host_and_path_without_www_query_or_slash():
    expected = Identifier(URL, "forum.example/members/bob")
    assert one("https://www.forum.example/members/Bob/?ref=1") == expected
    assert one("http://m.forum.example/members/bob") == expected
    assert one("forum.example/members/bob#posts") == expected


@pytest.mark.parametrize(
    "written", ["https://example.com", "https://www.instagram.com/", "instagram.com", "www.x.com"]
)
def test_a_bare_site_names_nobody(written):
    assert normalise.in_list(written) == []


def test_a_whatsapp_chat_link_is_the_phone_number():
    assert one("https://wa.me/447700900982") == Identifier(PHONE, "+447700900982")
    assert one("https://api.whatsapp.com/send?phone=447700900982") == Identifier(
        PHONE, "+447700900982"
    )


def test_different_handles_stay_different():
    assert normalise.username("example_user") != normalise.username("example_user2")
    assert normalise.username("example.user") != normalise.username("example_user")
    assert one("instagram.com/example_user") != one("instagram.com/example_usr")


@pytest.mark.parametrize(
    "written",
    ["", "  ", "@", "ab", "unknown", "Don't know", "I don't know", "n/a", "none", "Instagram", "?"],
)
def test_answers_that_name_nobody_are_not_handles(written):
    assert normalise.username(written) is None


@pytest.mark.parametrize(
    "written",
    [
        "07700 900982",
        "07700900982",
        "07700-900-982",
        "(07700) 900982",
        "+44 7700 900982",
        "+447700900982",
        "+44 (0)7700 900982",
        "+44 07700 900982",
        "0044 7700 900982",
        "00447700900982",
        "447700900982",
        "+44.7700.900.982",
    ],
)
def test_a_uk_mobile_written_in_any_format_is_one_phone_number(written):
    assert normalise.phone(written) == "+447700900982"


def test_a_london_number_with_its_area_code_is_one_phone_number():
    assert normalise.phone("020 7946 0958") == "+442079460958"
    assert normalise.phone("+44 (0)20 7946 0958") == "+442079460958"


def test_an_international_number_keeps_its_country_code():
    assert normalise.phone("+1 (555) 010-9999") == "+15550109999"
    assert normalise.phone("001 555 010 9999") == "+15550109999"


@pytest.mark.parametrize(
    "written",
    ["7700900982", "0800 1111", "999", "12/03/2024", "07700 900", "+44 7700 900982 1234", "abc"],
)
def test_digits_that_are_not_a_phone_number_are_not_taken_for_one(written):
    assert normalise.phone(written) is None


def test_different_phone_numbers_stay_different():
    assert normalise.phone("07700 900982") != normalise.phone("07700 900983")


@pytest.mark.parametrize(
    "written",
    ["sam.example@example.org", "Sam.Example@Example.ORG", " SAM.EXAMPLE@example.org. "],
)
def test_an_email_address_in_any_letter_case_is_one(written):
    assert normalise.email(written) == "sam.example@example.org"


def test_gmail_dots_and_tags_and_googlemail_are_one_mailbox():
    for written in [
        "sam.example@gmail.com",
        "SamExample+x@gmail.com",
        "sam.ex.ample@googlemail.com",
    ]:
        assert normalise.email(written) == "samexample@gmail.com"


def test_a_plus_tag_is_kept_where_the_provider_is_not_known_to_ignore_it():
    assert normalise.email("sam+work@example.org") == "sam+work@example.org"
    assert normalise.email("sam.example@example.org") != normalise.email("samexample@example.org")


def test_an_outlook_plus_tag_is_dropped_but_its_dots_are_kept():
    assert normalise.email("Sam.Example+kids@outlook.com") == "sam.example@outlook.com"


@pytest.mark.parametrize("written", ["sam@", "@example.org", "sam@example", "sam example@x.org"])
def test_what_is_not_an_email_address_is_not_taken_for_one(written):
    assert normalise.email(written) is None


@pytest.mark.parametrize(
    ("written", "platform"),
    [
        ("Instagram", "instagram"),
        ("insta", "instagram"),
        ("IG", "instagram"),
        ("instagram.com", "instagram"),
        ("Tik Tok", "tiktok"),
        ("TikTok", "tiktok"),
        ("X (Twitter)", "x"),
        ("twitter", "x"),
        ("Snap chat", "snapchat"),
        ("Snap", "snapchat"),
        ("Facebook Messenger", "facebook"),
        ("Roblox game", "roblox"),
        ("ExampleChat", ""),
        ("Instagram and Snapchat", ""),
        ("", ""),
    ],
)
def test_platform_names_are_canonical_when_known_and_blank_when_not(written, platform):
    assert normalise.platform_name(written) == platform


def test_a_list_takes_one_identifier_per_line_comma_or_semicolon():
    found = normalise.in_list(
        "@one_user\nhttps://www.instagram.com/two_user/\r\nthree@example.org, 07700 900982; four_user",
        platform="snapchat",
    )
    assert found == [
        Identifier(USERNAME, "one_user", "snapchat"),
        Identifier(USERNAME, "two_user", "instagram"),
        Identifier(EMAIL, "three@example.org"),
        Identifier(PHONE, "+447700900982"),
        Identifier(USERNAME, "four_user", "snapchat"),
    ]


def test_in_names_a_plain_first_name_is_not_a_handle_but_a_handle_shaped_word_is():
    found = normalise.in_list(
        "Sam Example\nSam\ndave\nDarkWolf\nwolf_99\nsam.example\n@sammy\n@sam_99 on snap",
        names_too=True,
    )
    assert [i.value for i in found] == ["darkwolf", "wolf_99", "sam.example", "sammy", "sam_99"]


def test_free_text_gives_its_emails_links_phones_and_at_handles_but_no_plain_words():
    text = (
        "He said his snap is @Dark_Wolf99, his email is Dark.Wolf@Example.org and to call "
        "+44 7700 900982. His page is https://www.instagram.com/DarkWolf99/?hl=en. We met at "
        "10.30 on 12.03.2024 and I rang 0800 1111. Sam Example is his name."
    )
    assert normalise.in_text(text) == [
        Identifier(EMAIL, "dark.wolf@example.org"),
        Identifier(USERNAME, "darkwolf99", "instagram"),
        Identifier(PHONE, "+447700900982"),
        Identifier(USERNAME, "dark_wolf99", ""),
    ]

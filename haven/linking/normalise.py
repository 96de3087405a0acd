"""One normal form for each identifier of the person of concern, so that two ways of writing the
same one compare equal. Pure functions: no database, no settings, no keys.

Kinds:
- ``username``: a handle, lower case, without a leading "@". A profile link on a platform whose
  link shapes are known (``instagram.com/<handle>``, ``tiktok.com/@<handle>``,
  ``snapchat.com/add/<handle>``...) is turned into the handle it names, so "@Example_User" and
  "https://www.instagram.com/example_user/?igsh=xyz" are the same username. Each username may
  carry the canonical name of its platform, when it is one of the platforms listed here.
- ``email``: lower case; Gmail's dots and the "+tag" of providers that deliver "name+tag@" to
  "name@" are removed (see ``email``).
- ``phone``: "+" and the digits of the international number; a national number starting with 0 is
  taken to be a UK one (the service is the UK's).
- ``url``: any other link that points inside a site (host and path, lower case, no "www.", no
  query string): a post, a page on an unknown site. A bare site ("https://example.com") is not an
  identifier of anyone and is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

USERNAME = "username"
EMAIL = "email"
PHONE = "phone"
URL = "url"
KINDS = (USERNAME, EMAIL, PHONE, URL)

# Shorter handles match too much by chance ("jo", "ab"); the platforms that allow them are few.
MIN_HANDLE_LENGTH = 3


@dataclass(frozen=True, order=True)
class Identifier:
    kind: str
    value: str
    # The canonical platform of a username ("instagram"), or "" when it is not known.
    platform: str = ""


# --- Platforms ---------------------------------------------------------------------------------

# Canonical platform → the words people write for it. A platform a person names that is not
# here is "not known": free-text names of smaller apps are spelt too many ways to compare.
PLATFORM_WORDS: dict[str, frozenset[str]] = {
    "instagram": frozenset({"instagram", "insta", "ig"}),
    "tiktok": frozenset({"tiktok"}),
    "x": frozenset({"x", "twitter"}),
    "snapchat": frozenset({"snapchat", "snap"}),
    "facebook": frozenset({"facebook", "fb", "messenger"}),
    "youtube": frozenset({"youtube", "yt"}),
    "twitch": frozenset({"twitch"}),
    "discord": frozenset({"discord"}),
    "reddit": frozenset({"reddit"}),
    "telegram": frozenset({"telegram"}),
    "whatsapp": frozenset({"whatsapp"}),
    "roblox": frozenset({"roblox"}),
    "kik": frozenset({"kik"}),
    "threads": frozenset({"threads"}),
    "onlyfans": frozenset({"onlyfans"}),
    "steam": frozenset({"steam"}),
    "linkedin": frozenset({"linkedin"}),
    "xbox": frozenset({"xbox"}),
    "playstation": frozenset({"playstation", "psn"}),
    "minecraft": frozenset({"minecraft"}),
    "fortnite": frozenset({"fortnite"}),
    "yubo": frozenset({"yubo"}),
    "wizz": frozenset({"wizz"}),
    "omegle": frozenset({"omegle"}),
    "signal": frozenset({"signal"}),
}
_PLATFORM_BY_WORD = {word: name for name, words in PLATFORM_WORDS.items() for word in words}


def _fold(text: str) -> str:
    """Compatibility-normalised and case-folded: full-width and styled letters become plain."""
    return unicodedata.normalize("NFKC", text).casefold()


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", _fold(text))


def platform_name(written: str) -> str:
    """The canonical platform a person's words name ("Insta" → "instagram"), or "" if unsure.

    The words of the name are looked up one by one and joined ("Tik Tok"), so "Snap chat",
    "snapchat.com" and "X (Twitter)" are found; a name that mentions two platforms ("Instagram
    and Snapchat") is not known.
    """
    words = [w for w in re.split(r"[\W_]+", _fold(written)) if w]
    found = {_PLATFORM_BY_WORD[w] for w in [*words, "".join(words)] if w in _PLATFORM_BY_WORD}
    return found.pop() if len(found) == 1 else ""


# --- Usernames ---------------------------------------------------------------------------------

# What people write when they do not know the username; indexing these would link every report
# that says so. Compared squashed (letters and digits only).
NOT_A_HANDLE = frozenset(
    {
        "unknown",
        "none",
        "na",
        "idk",
        "nil",
        "null",
        "nope",
        "notsure",
        "unsure",
        "dontknow",
        "donotknow",
        "idontknow",
        "idonotknow",
        "notknown",
        "dunno",
        "anonymous",
        "anon",
        "unknownuser",
        "nousername",
        "noname",
        "notgiven",
        "notapplicable",
        "deleted",
        "deletedaccount",
        "deleteduser",
        "various",
        "someone",
        "them",
    }
)
# Quotes (straight and curly), brackets and sentence punctuation around a word.
_EDGE_PUNCTUATION = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb<>()[]{}.,;:!?*"


def username(written: str) -> str | None:
    """A handle as compared: "@Example_User" and "example_user" → "example_user".

    Rules: compatibility-normalised and case-folded; surrounding quotes, brackets and sentence
    punctuation and any leading "@" removed. Not a handle (None): empty, containing a space,
    shorter than MIN_HANDLE_LENGTH, a "don't know" answer, or the name of a platform itself.
    """
    text = _fold(written).strip().strip(_EDGE_PUNCTUATION).lstrip("@").strip(_EDGE_PUNCTUATION)
    if not text or any(ch.isspace() for ch in text) or len(text) < MIN_HANDLE_LENGTH:
        return None
    squashed = _squash(text)
    if not squashed or squashed in NOT_A_HANDLE or squashed in _PLATFORM_BY_WORD:
        return None
    return text


# --- Email addresses ---------------------------------------------------------------------------

EMAIL_PATTERN = (
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_EMAIL_RE = re.compile(EMAIL_PATTERN, re.IGNORECASE)

# Providers that deliver "name+anything@" to "name@". Elsewhere "+" may be a real part of the
# name, so it is kept: a missed link can be found by an advisor, a false one misleads.
PLUS_ADDRESSING = frozenset(
    {
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
        "fastmail.com",
    }
)


def email(written: str) -> str | None:
    """An email address as compared, or None if ``written`` is not one.

    Rules: surrounding space and a trailing dot removed; lower case throughout (the local part is
    case-sensitive in the standard, but no large provider treats it so); googlemail.com is
    gmail.com; for the providers in PLUS_ADDRESSING a "+tag" is dropped; for Gmail the dots of
    the local part are dropped, because Gmail ignores them. Throwaway variants of one mailbox
    ("n.ame+x@gmail.com") are cheap to make, so linking them is worth a provider list.
    """
    text = unicodedata.normalize("NFKC", written).strip().strip(_EDGE_PUNCTUATION).lower()
    if not _EMAIL_RE.fullmatch(text):
        return None
    local, _, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in PLUS_ADDRESSING:
        local = local.split("+", 1)[0]
    if domain == "gmail.com":
        local = local.replace(".", "")
    if not local:
        return None
    return f"{local}@{domain}"


# --- Phone numbers -----------------------------------------------------------------------------

UK = "44"
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]+")


def phone(written: str) -> str | None:
    """A phone number as "+<country code><number>", or None if ``written`` is not one.

    Rules: spaces, brackets, dots, dashes and slashes are ignored, and so is the "(0)" written
    inside an international number ("+44 (0)20 ..."). "+" or "00" starts an international number;
    a leading 0 is a UK national number (+44 and the rest); "44" followed by ten digits is a UK
    number written without its "+". A UK number must then have 9 or 10 digits after +44, any
    other 8 to 15 digits in all (E.164). Digits with none of these prefixes are not taken for a
    phone number: they may be an id or a reference.
    """
    text = unicodedata.normalize("NFKC", written).strip().replace("(0)", "")
    if not _PHONE_CHARS.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        number = digits
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0"):
        number = UK + digits[1:]
    elif digits.startswith(UK) and len(digits) == 12:
        number = digits
    else:
        return None
    if number.startswith(UK + "0"):
        number = UK + number[3:]
    if number.startswith(UK):
        if not 9 <= len(number) - len(UK) <= 10:
            return None
    elif not 8 <= len(number) <= 15 or number.startswith("0"):
        return None
    return "+" + number


# --- Links -------------------------------------------------------------------------------------

Rule = Callable[[list[str], dict[str, list[str]]], str | None]


def _first(*reserved: str) -> Rule:
    """The handle is the first segment of the path, unless it is one of the site's own pages."""
    return lambda parts, query: parts[0] if parts[0] not in reserved else None


def _after(*prefixes: str) -> Rule:
    """The handle follows a fixed segment: ``/add/<handle>``, ``/users/<id>``."""
    return lambda parts, query: parts[1] if len(parts) > 1 and parts[0] in prefixes else None


def _at() -> Rule:
    """The handle is the first segment, written with "@": ``/@handle``."""
    return lambda parts, query: parts[0][1:] if parts[0].startswith("@") else None


def _either(*rules: Rule) -> Rule:
    def rule(parts: list[str], query: dict[str, list[str]]) -> str | None:
        for each in rules:
            found = each(parts, query)
            if found:
                return found
        return None

    return rule


def _facebook_id(parts: list[str], query: dict[str, list[str]]) -> str | None:
    if parts[0] == "profile.php":
        return query.get("id", [None])[0]
    if parts[0] == "people" and len(parts) > 2:
        return parts[2]
    return None


def _instagram_story(parts: list[str], query: dict[str, list[str]]) -> str | None:
    return parts[1] if parts[0] == "stories" and len(parts) > 1 else None


# Host → (canonical platform, how to find the handle in the path). A host also matches its
# subdomains (m.facebook.com, vm.tiktok.com, old.reddit.com). The reserved words are the
# sites' own pages, which are not people.
PROFILE_LINKS: dict[str, tuple[str, Rule]] = {
    "instagram.com": (
        "instagram",
        _either(
            _instagram_story,
            _first("p", "reel", "reels", "tv", "explore", "accounts", "direct", "stories"),
        ),
    ),
    "instagr.am": ("instagram", _first("p", "reel", "tv")),
    "threads.net": ("threads", _at()),
    "threads.com": ("threads", _at()),
    "tiktok.com": ("tiktok", _at()),
    "x.com": (
        "x",
        _first(
            "i",
            "home",
            "search",
            "hashtag",
            "intent",
            "share",
            "explore",
            "messages",
            "notifications",
            "settings",
            "compose",
            "login",
            "signup",
        ),
    ),
    "twitter.com": ("x", _first("i", "home", "search", "hashtag", "intent", "share", "explore")),
    "snapchat.com": ("snapchat", _either(_after("add"), _at())),
    "facebook.com": (
        "facebook",
        _either(
            _facebook_id,
            _first(
                "profile.php",
                "people",
                "groups",
                "pages",
                "events",
                "watch",
                "share",
                "story.php",
                "photo.php",
                "photo",
                "permalink.php",
                "marketplace",
                "messages",
                "login",
                "reel",
                "videos",
                "hashtag",
                "help",
                "gaming",
            ),
        ),
    ),
    "fb.com": ("facebook", _first("groups", "pages", "events", "watch", "share")),
    "fb.me": ("facebook", _first()),
    "m.me": ("facebook", _first()),
    "messenger.com": ("facebook", _after("t")),
    "youtube.com": ("youtube", _either(_at(), _after("c", "user", "channel"))),
    "twitch.tv": ("twitch", _first("videos", "directory", "p", "search", "settings")),
    "discord.com": ("discord", _after("users")),
    "discordapp.com": ("discord", _after("users")),
    "reddit.com": ("reddit", _after("user", "u")),
    "t.me": ("telegram", _first("joinchat", "s", "addstickers", "share", "c")),
    "telegram.me": ("telegram", _first("joinchat", "s", "addstickers", "share", "c")),
    "roblox.com": ("roblox", _after("users")),
    "kik.me": ("kik", _first()),
    "onlyfans.com": ("onlyfans", _first()),
    "steamcommunity.com": ("steam", _after("id", "profiles")),
    "linkedin.com": ("linkedin", _after("in")),
}
# wa.me/<number> is a WhatsApp chat with a phone number: it is indexed as that number.
WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com"})
_LINK_START = re.compile(
    r"^(?:https?://|www\.|(?:[a-z0-9-]+\.)*("
    + "|".join(re.escape(h) for h in PROFILE_LINKS)
    + r")(?=[/?#]|$))",
    re.IGNORECASE,
)
_SCHEMELESS_LINK = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,63}/\S*$", re.IGNORECASE)


def looks_like_link(written: str) -> bool:
    """A link with a scheme or "www.", a known platform's host, or any "host.tld/path"."""
    text = written.strip()
    return bool(_LINK_START.match(text) or _SCHEMELESS_LINK.match(text))


def _known_host(host: str) -> str | None:
    for known in PROFILE_LINKS:
        if host == known or host.endswith("." + known):
            return known
    return None


def link(written: str) -> Identifier | None:
    """The identifier a link names: a username for a profile link on a known platform, a phone
    number for a WhatsApp chat link, otherwise the link itself (kind ``url``) if it points inside
    a site. Query strings and fragments are ignored (except Facebook's ``profile.php?id=``)."""
    text = unicodedata.normalize("NFKC", written).strip().rstrip(_EDGE_PUNCTUATION)
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if "." not in host:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host in WHATSAPP_HOSTS:
        number = parse_qs(parts.query).get("phone", [""])[0] or (segments or [""])[0]
        found = phone("+" + number.lstrip("+")) if number else None
        return Identifier(PHONE, found) if found else None
    known = _known_host(host)
    if known is not None and segments:
        platform, rule = PROFILE_LINKS[known]
        handle = rule(segments, parse_qs(parts.query))
        name = username(handle) if handle else None
        if name is not None:
            return Identifier(USERNAME, name, platform)
    if not segments:
        return None
    site = re.sub(r"^(?:www|m|mobile)\.(?=.+\.)", "", host)
    return Identifier(URL, _fold("/".join([site, *segments])))


# --- Lists and free text -----------------------------------------------------------------------

_TEXT_EMAIL = re.compile(r"(?<![\w.+-])" + EMAIL_PATTERN + r"(?![\w-])", re.IGNORECASE)
_TEXT_LINK = re.compile(
    r"(?<![\w@/.])(?:https?://\S+|www\.\S+|(?:[a-z0-9-]+\.)*(?:"
    + "|".join(re.escape(h) for h in [*PROFILE_LINKS, *WHATSAPP_HOSTS])
    + r")/\S+)",
    re.IGNORECASE,
)
_TEXT_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \-.()]{6,18}\d(?![\w])")
_TEXT_HANDLE = re.compile(r"(?<![\w@.])@[\w.]+")


def in_text(text: str, *, platform: str = "") -> list[Identifier]:
    """Every identifier written inside free text: email addresses, links, phone numbers, and
    handles written with "@" ("he is @sam_99 on there"), which are usernames on ``platform``.
    A bare word is never taken for a username here: in sentences most words are not handles.
    """
    found: list[Identifier] = []
    rest = _fold(text)
    for pattern in (_TEXT_EMAIL, _TEXT_LINK):
        for match in pattern.finditer(rest):
            written = match.group(0)
            identifier = _email_identifier(written) if pattern is _TEXT_EMAIL else link(written)
            if identifier is not None:
                found.append(identifier)
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    for match in _TEXT_PHONE.finditer(rest):
        number = phone(match.group(0))
        if number is not None:
            found.append(Identifier(PHONE, number))
    for match in _TEXT_HANDLE.finditer(rest):
        name = username(match.group(0))
        if name is not None:
            found.append(Identifier(USERNAME, name, platform))
    return found


def _email_identifier(written: str) -> Identifier | None:
    address = email(written)
    return Identifier(EMAIL, address) if address else None


def looks_like_handle(word: str) -> bool:
    """Whether a single word someone gave as "names or usernames" is more likely a handle than a
    first name: it starts with "@", or has a digit, "_" or ".", or a capital after its first
    letter ("DarkWolf"). "Sam" or "dave" is taken for a name: names are shared by thousands of
    people, so linking on them would flag unrelated reports."""
    body = word.strip().strip(_EDGE_PUNCTUATION)
    return (
        body.startswith("@")
        or any(ch.isdigit() or ch in "_." for ch in body)
        or any(ch.isupper() for ch in body[1:])
    )


def in_list(text: str, *, platform: str = "", names_too: bool = False) -> list[Identifier]:
    """Every identifier in a "one per line" answer (commas and semicolons also separate).

    A line that is one word is an email address, a link, a phone number or else a username on
    ``platform`` (with ``names_too``, only if it ``looks_like_handle``: the "person" step asks for
    "names or usernames"). A line of several words ("Sam Example", "07700 900 982",
    "@sam on snap") is read as free text (``in_text``); a personal name in it is not indexed.
    """
    found: list[Identifier] = []
    for line in re.split(r"[\n\r,;]+", text):
        line = line.strip()
        if not line:
            continue
        if any(ch.isspace() for ch in line):
            found.extend(in_text(line, platform=platform))
            continue
        identifier = _one_word(line, platform=platform, names_too=names_too)
        if identifier is not None:
            found.append(identifier)
    return found


def _one_word(word: str, *, platform: str, names_too: bool) -> Identifier | None:
    if "@" in word.lstrip("@") and (address := email(word)) is not None:
        return Identifier(EMAIL, address)
    if looks_like_link(word):
        return link(word)
    if (number := phone(word)) is not None:
        return Identifier(PHONE, number)
    if names_too and not looks_like_handle(word):
        return None
    name = username(word)
    return Identifier(USERNAME, name, platform) if name is not None else None

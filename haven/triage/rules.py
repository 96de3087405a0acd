"""The triage policy, as data: what raises a report's priority, and how fast it must be seen.

Defaults follow DOMAIN.md §4. Each rule is one plain sentence an advisor reads as its reason. The
narrative rules look for signs in the reporter's own words that the ticked answers may have
missed; they are read by ``narrative.says`` (clauses, negation, a co-occurring time expression)
and the patterns here are written against its normalised text (lower case, single spaces,
straight apostrophes). Bands and time targets can be overridden by configuration
(HAVEN_TRIAGE_BANDS, HAVEN_TIME_TARGETS, HAVEN_BANK_HOLIDAYS), which settings.py parses at
start-up with the ``parse_*`` functions at the end of this module; the rules themselves change
only here. This module must import nothing that needs settings, since settings.py imports it.

Where the lines are drawn (each has cases in tests/data/triage-narratives.json):

- A *meeting soon* (P1) is a meeting or a collection of the child ("meet", "pick her up", "come
  to his flat", "see her") with a time expression or a named place in the same sentence, an
  arrangement ("he has arranged to collect me"), or someone on the way ("he's coming to get her",
  "on his way"). It is not a meeting when the clause names a professional or institution being
  met or talked to ("we are meeting at the weekend to talk to his school"), or family as the one
  meeting or collecting the child ("her dad is picking her up tomorrow"), nor, for an adult
  reporter, when the one meeting is the reporter ("we will see her tomorrow", "I have a meeting
  tomorrow"): the child's meeting with the person is what matters. A wish to meet without time or
  place is P2 (*wants to meet*). "Met", "seen" and "last week" are the past and count for neither.
- *Sextortion without money* (P2): a threat to show, send or post images to family, friends,
  school, followers or online, or a demand for more images under a threat ("unless", "or she'll
  post"). Threats and money demands of any kind stay the separate "threats" rule.
- *Images already shared* (P2): images posted, passed round or sent on to others, in the past or
  now ("he posted my pictures", "they've been sent round the school group", "everyone has seen
  them"). Not: a request to share, a threat to share ("will be shared"), or a child sending a
  picture to the person ("I shared a picture with him").
- *An adult asking for images* (P2) counts a request told in the narrative ("he keeps asking for
  nudes") as well as the ticked box, when the reporter says the person is an adult; the request
  needs something sexual, not negated, in the same sentence.
- *With the person* (P1): staying, living or sleeping at the person's place or with them, with
  them now, gone to be with them, with "a man she met online"; staying with a parent, relative
  or friend is not. *Missing* (P1): missing, run away, left home, not come home, "nobody has
  seen her since"; "missing me", "has come home" and "she has not seen him since" are not.
- *An adult writing about themself* (out of scope, P4): the reporter is not the child, the child's
  age is 18 or over or not known, and the narrative, in the first person, places the abuse in
  the reporter's own childhood ("when I was 12", "as a teenager"; category ``adult_survivor``)
  or says the reporter's own images are shared or threatened ("my ex posted photos of me";
  ``adult_images``). A child at risk now keeps it in scope: danger now, any life-safety sign,
  the person works with children, or the narrative speaks of a child now ("my daughter", "he
  still coaches girls", "other children"). A sign in a sentence an adult sets in their own
  childhood ("I ran away when I was 15") is that childhood, not now, except self-harm, which is
  always now.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.triage.narrative import TIME, Reading, compile_words, read, says


class Priority(models.TextChoices):
    P1 = "P1", _("P1 immediate")
    P2 = "P2", _("P2 urgent")
    P3 = "P3", _("P3 standard")
    P4 = "P4", _("P4 below threshold")


class Audience(models.TextChoices):
    """Who sends a report. Triage reads it (``Inputs.audience``); the report and its case both
    store it, so it lives here, below both (the cases app may not import reporting)."""

    CHILD = "child", _("a child or young person")
    PARENT = "parent", _("a parent or carer")
    PUBLIC = "member_of_public", _("a member of the public")
    PROFESSIONAL = "professional", _("a professional who works with children")


IN_SCOPE_CONCERNS = frozenset(
    {
        "asked_for_images",
        "sexual_messages",
        "threats_or_money",
        "wants_to_meet",
        "images_shared",
        "something_else",
    }
)
# Out-of-scope concerns in the order their signposting is preferred when several are ticked.
OUT_OF_SCOPE_CONCERNS = ("bullying", "fake_account", "hacked_account")


# Short names of the concerns a reporter can tick, for staff pages.
CONCERN_LABELS: dict[str, str | Promise] = {
    "asked_for_images": _("Asked for images"),
    "sexual_messages": _("Sexual messages"),
    "threats_or_money": _("Threats or money"),
    "wants_to_meet": _("Wants to meet"),
    "images_shared": _("Images shared"),
    "something_else": _("Something else"),
    "bullying": _("Bullying"),
    "fake_account": _("Fake account"),
    "hacked_account": _("Hacked account"),
}


@dataclass(frozen=True)
class Inputs:
    """What triage reads: the report's plaintext triage columns and, at submission, the narrative."""

    audience: str
    concerns: frozenset[str]
    danger_now: str = "unknown"
    child_age_band: str = "unknown"
    several_children: str = "unknown"
    person_adult: str = "unknown"
    works_with_children: str = "unknown"
    narrative: str = ""

    @cached_property
    def reading(self) -> Reading:
        # Read once per assessment and kept on these inputs, never in a module-level cache, so
        # no narrative outlives the inputs it came with.
        return read(self.narrative)


# --- Signs in the narrative ------------------------------------------------------------------
# Word-start matches, so "suicid" finds "suicidal" and "suicide". Every repeat is bounded and
# none is nested, so a hostile narrative costs time linear in its length.


def _alt(*patterns: str) -> str:
    return "(?:" + "|".join(patterns) + ")"


# Up to n words (lazily), inside a phrase: "will send [the ones he has] to her friends".
_GAP1, _GAP2, _GAP3 = (r"(?:[\w']+ ){0," + str(n) + "}?" for n in (1, 2, 3))
# "her" is an object ("meet her") only when no noun follows it ("meet her friends").
_HER = (
    r"her(?=$|[^\w' ]| $| (?:now|tomorrow|tonight|today|on|at|after|before|this|next|in|again|"
    r"soon|later|alone|there|outside|when|from|and|up|for|to|somewhere|near|by|off|round|over|"
    r"or|if|because|so|home|back|instead|sometime|one)\b)"
)
_OBJ = _alt("him", "them", "me", "you", "us", _HER) + r"\b"
_RELATIVES = (
    r"(?:mum|mom|mother|dad|father|parents?|nan|nana|gran|granny|grandma|grandad|grandpa|"
    r"grandparents|aunt|auntie|aunty|uncle|cousins?|brothers?|sisters?|friends?|mates?|family|"
    r"own|carers?|foster)\b"
)
IMAGES = (
    r"(?:pictures?|pics?|piccies|photos?|photographs?|images?|nudes?|nudies|videos?|vids?|"
    r"selfies?|snaps|screenshots?|recordings?|clips?)\b"
)
_AGE = (
    r"(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen)\b"
)

SELF_HARM = compile_words(
    r"self[- ]?harm",
    r"suicid",
    r"overdos",
    r"kill (?:my|him|her|them)sel",
    r"hurt(?:ing)? (?:my|him|her|them)sel",
    r"cutting (?:my|him|her|them)sel",
    r"(?:end|ending|ended|take|taking) (?:my|his|her|their) (?:own )?life",
    r"(?:don't|doesn't|dont|doesnt) want to (?:live|be alive|be here any ?more)",
)
MISSING = compile_words(
    r"(?:is|are|'s|was|were|been|gone|went|go|goes|going|reported (?:her|him|them|as)|still|now)"
    r" missing\b(?! (?:school|lessons?|class(?:es)?|out|her|him|you|me|them|it|the|my|his|their|"
    r"our|a|an|meals?|home|someone|somebody)\b)",
    r"missing (?:since|person|overnight|for (?:hours|days|a day|a week|the night|two|three))",
    r"(?:ran|run|running|runs) (?:away|off)\b",
    r"(?:hasn't|has not|hasnt|hadn't|had not|hadnt|didn't|did not|didnt|won't|wont|not|never)"
    r" (?:been|come|came|gone|got|returned|come back|came back|gone back) home",
    r"(?:hasn't|has not|hasnt) (?:come|been|got) back",
    r"not been seen since",
    r"left home\b(?! (?:for|at|to go to|this morning for)\b)",
    r"can'?t find (?:her|him|them)\b",
    r"(?:nobody|no one|no-one) has (?:seen|heard from) (?:her|him|them) since",
    r"(?:hasn't|has not|hasnt) been (?:seen|heard from) since",
    r"(?:nobody|no one|no-one|don't|dont|do not) knows? where (?:she|he|they) (?:is|are)\b",
)
WITH_THEM_NOW = compile_words(
    r"(?:is|'s|are|'re|was|been) (?:still )?with " + _alt("him", "them", _HER) + r"\b",
    r"(?:is|'s|are|'re|been) (?:still )?with (?:a|an|the|this|that|some) (?:older )?(?:man|woman|"
    r"guy|boy|person|adult|stranger)\b",
    r"(?:staying|sleeping|living|stopping|stayed|slept|lives|moved in|spending (?:the night|"
    r"nights|weekends)|spent the night|stay|stays) (?:at|with|in|round at|round|over at) "
    + _alt(
        r"(?:his|their)\b(?! " + _RELATIVES + ")",
        r"(?:him|them)\b",
        _HER,
        r"(?:her|his) (?:boyfriend|girlfriend)",
        r"(?:a|the|this|that) (?:man|woman|guy|boy|person|adult)'?s?\b",
    ),
    r"(?:to|and) (?:be|stay|live|sleep) with (?:him|them)\b",
    r"(?:ran|run|gone|went|going) off with",
    r"(?:gone|went) (?:off )?to (?:meet|see|stay with) " + _alt("him", "them", _HER),
    r"(?:is|'s|are|'re) (?:at|in) (?:his|their) (?:flat|house|place|home|car|room|hotel)",
    # Outside the child's home or school now: "he is outside my house", "she's at our door".
    r"(?:is|'s|are|'re) (?:waiting )?outside (?:my|our|her|his|their|the) (?:house|home|door|"
    r"front door|flat|window|school|gate)\b",
    r"(?:is|'s|are|'re) waiting (?:for (?:me|her|him|them) )?(?:at|by) (?:my|our|her|his|their|"
    r"the) (?:house|home|door|front door|flat|school|gate)\b",
    r"(?:is|'s|are|'re) at (?:my|our) (?:front )?door\b",
)

# Meetings. _MEET is the verb, not "a meeting" or "the meeting".
_MEET = r"(?<!\ba )(?<!\bthe )(?<!\ban )(?:meet(?:s|ing)?(?: up)?|meetup)\b"
_COLLECT = _alt(
    r"pick(?:ing|s)? " + _OBJ + " up",
    r"pick(?:ing|s)? up " + _OBJ,
    r"collect(?:ing|s)? " + _OBJ,
    r"fetch(?:ing|es)? " + _OBJ,
    r"tak(?:e|es|ing) " + _OBJ + r" (?:out|away|to (?:his|their|a hotel|a party))",
)
_VISIT = _alt(
    r"see(?:ing)? " + _OBJ,
    r"visit(?:ing|s)? " + _OBJ,
    r"(?:come|coming|go|going) (?:round|over)\b",
    r"(?:come|coming|go|going) to (?:his|their) (?:flat|house|home|place|room|car|hotel)",
    r"hang(?:ing)? out with " + _OBJ,
)
MEET_OR_COLLECT = compile_words(_MEET, _COLLECT)
VISIT = compile_words(_VISIT)
PLACE = compile_words(
    r"(?:at|outside|near|by|behind|in|from|to) (?:the |a |his |her |their |my |our )?(?:park|"
    r"school gates?|school|station|train station|bus station|bus stop|shops?|shopping centre|"
    r"mall|library|cinema|leisure centre|sports centre|centre|cafe|mcdonald'?s|canal|beach|woods|"
    r"field|playground|corner|garage|car park|hotel|flat|house|place|car)\b"
)
MEETING_ARRANGED = compile_words(
    r"(?:arranged|arranging|arrange|planned|planning|plans|plan|organised|organized|organising|"
    r"organizing|agreed|agreeing|set up|setting up|booked|sorted|fixed) "
    + _GAP3
    + _alt(_MEET, _COLLECT, _VISIT, r"a meet(?:ing| ?up)\b"),
    r"(?:a |the )?meet(?:ing| ?up) " + _GAP2 + r"(?:has been |have been |was |is |been |got )?"
    r"(?:arranged|planned|organised|organized|set up|booked|agreed)",
)
MEETING_UNDER_WAY = compile_words(
    r"on (?:his|her|their) way\b(?! (?:home|to school|to work|back|from)\b)",
    r"coming (?:to|and) (?:get|collect|fetch|pick up|see|meet|take) " + _OBJ,
    r"coming for " + _OBJ,
    r"coming to (?:my|our|her|his|their|the) (?:house|home|school|flat|door|address)",
    r"(?:is|are|'s|'re|am|'m) "
    + _alt(
        r"picking " + _OBJ + " up",
        r"picking up " + _OBJ,
        r"collecting " + _OBJ,
        r"fetching " + _OBJ,
        r"meeting (?:up with )?" + _OBJ,
        r"meeting up\b",
    ),
)
WANTS_TO_MEET = compile_words(
    r"(?:want|wants|wanted|wanting|keeps? asking|kept asking|asked|asking|asks|begging|begged|"
    r"pushing|pressuring|pressured|trying|tried|tries|offered|offering|suggested|suggesting|"
    r"invited|inviting|invites|persuad\w*|pester\w*|nagging)"
    r"(?: (?:him|her|them|me|you|us))?(?: to)? "
    + _alt(
        _MEET,
        r"a meet(?:ing| ?up)\b",
        r"come (?:round|over|to (?:his|their))",
        r"visit\b",
        r"hang out",
        r"go (?:round|over|out) (?:to|with)",
        r"pick " + _OBJ + " up",
        r"collect " + _OBJ,
        r"see " + _OBJ,
    ),
)
# The near misses: the clause is about meeting or talking to a professional or institution.
MEETS_A_PROFESSIONAL = compile_words(
    r"(?:(?:meet|meeting|met|see|seeing)(?: up)? with|meet|meeting|see|seeing|a meeting (?:with|at)"
    r"|(?:talk|talking|talked|speak|speaking|spoke|report|reporting|reported|go|going|went|"
    r"complain|complaining|complained) to) (?:the |his |her |their |our |my |a |an )?(?:school|"
    r"college|nursery|teachers?|head ?teacher|head of year|headmaster|headmistress|head|principal|"
    r"police|officers?|pc|social workers?|social services|social care|gp|doctor|nurse|counsellor|"
    r"therapist|solicitor|lawyer|council|safeguarding (?:lead|team)|dsl|senco|camhs|youth worker)\b"
)
# ... or, from an adult reporter, the one meeting is the reporter ("we are meeting", "I'll see her").
_REPORTER_MEETS = (
    r"(?:we|i)(?:'re|'m|'ll|'d|'ve| are| am| will| would| shall| were| was| have| had| can|"
    r" could)?(?: (?:all|both|also|now|then|going to|gonna|hoping to|planning to|due to|want to|"
    r"need to|have to|got|had|will|be|arranged to|agreed to|planned to|plan to)){0,2} (?:meet|"
    r"meeting|see|seeing|visit|visiting|collect|collecting|pick|picking|fetch|fetching|a meeting)\b"
)
# ... or the one meeting or collecting the child is family ("her dad is picking her up").
_FAMILY_MEETS = (
    r"(?:her|his|their|my|our) (?:(?:friend|mate|best friend)'s )?"
    + _RELATIVES
    + r"(?: (?:is|'s|are|'re|will|'ll|can|could|would|was going to|is going to))?(?: be)? "
    r"(?:meet|meeting|see|seeing|collect|collecting|pick|picking|fetch|fetching|tak(?:e|ing))\b"
)
MEETING_NEAR_MISS_FROM_A_CHILD = compile_words(MEETS_A_PROFESSIONAL.pattern, _FAMILY_MEETS)
MEETING_NEAR_MISS_FROM_AN_ADULT = compile_words(
    MEETS_A_PROFESSIONAL.pattern, _FAMILY_MEETS, _REPORTER_MEETS
)

# Threats and money, of any kind.
MONEY_THREATS = compile_words(
    r"pay (?:him|her|them|me|us|up|\d|£)",
    r"payment",
    r"money",
    r"bitcoin|crypto",
    r"gift ?cards?",
    r"(?:£|\$|€) ?\d",
    r"\d+ ?(?:pounds|quid|dollars|euros)\b",
    r"blackmail",
    r"threaten",
    r"extort",
    r"ransom",
)
# Sextortion, with or without money: images will be shown or sent to others, or more demanded.
_SHARE_VERB = r"(?:show|send|share|post|leak|forward|put|upload|spread|expose|tag)\b"
_AUDIENCE = (
    r"(?:(?:to|with|on|in|round|around) (?:all |all of |everyone (?:in|at) )?(?:her |his |my |your |"
    r"their |the |our )?(?:whole |entire )?(?:family|families|mum|mom|dad|parents|brothers?|"
    r"sisters?|nan|gran|grandparents|friends|mates|school|class|classmates|teachers?|year group|"
    r"year|followers|contacts|everyone|everybody|internet|social media|boyfriend|girlfriend|"
    r"college|work|church|group chats?|groups?|story|page|insta\w*|snap\w*|tiktok|facebook|"
    r"twitter|whatsapp|website|online)\b|online\b|everywhere\b)"
)
_WILL = r"(?:will|'ll|would|'d|going to|gonna|is going to|are going to)"
SEXTORTION = compile_words(
    r"threat\w* (?:to )?" + _GAP1 + _SHARE_VERB,
    _WILL
    + " "
    + _SHARE_VERB
    + " "
    + _GAP3
    + r"(?:them|it|those|these|the ones?|the last one|"
    + IMAGES
    + ") "
    + _GAP3
    + _AUDIENCE,
    r"or (?:else )?(?:he|she|they|i)(?:'ll| will| would|'d| is going to|'s going to| are going to|"
    r"'re going to) (?:" + _SHARE_VERB + r"|tell|expose)",
)
SEND_MORE = compile_words(
    r"send(?:s|ing)? (?:him |her |them |me |us )?(?:more|another|some more|new ones|(?:a )?(?:new|"
    r"better|different) (?:one|" + IMAGES + "))"
)
UNDER_THREAT = compile_words(
    r"unless",
    r"or (?:else|he|she|they|i|you)\b",
    r"threat",
    r"blackmail",
    r"expose",
    r"leak",
    r"if (?:she|he|i|you|they) (?:doesn't|don't|doesnt|dont|won't|wont|refuses?|stops?|blocks?)",
)
# Images already shared onward (not a threat to share: "will be shared" is the future).
_SHARED_VERB = (
    r"(?<!\bbe )(?<!\bget )(?:posted|shared|leaked|uploaded|spread|forwarded|circulated|distributed"
)
_SHARED = (
    _SHARED_VERB + r"|put|sent|passed|showed|shown)(?: (?:them|it|those|these))? (?:a?round|about|"
    r"online|everywhere|up online|on (?:the )?(?:internet|web|social media)|on (?:a |the |his |"
    r"her |their )?(?:group|chat|group chat|website|site|page|story|account|insta\w*|snap\w*|"
    r"tiktok|facebook|twitter|x|whatsapp|telegram|discord|reddit|onlyfans)|to (?:everyone|"
    r"everybody|people|others|other people|all|loads|the whole|his friends|her friends|their "
    r"friends|his mates|her mates|the group|the class|the year|the school|a group|the group chat|"
    r"a group chat)|in (?:the |a )?(?:group|group chat|chat|class chat))\b",
    _SHARED_VERB + r"|screenshotted|screenshot|put up|put out) " + _GAP2 + IMAGES,
    IMAGES + " " + _GAP3 + r"(?:have|has|had|were|was|are|is|got|'ve|'s|'re)"
    r"(?: (?:been|being|now|already|all|apparently|still)){0,3} (?:posted|shared|leaked|"
    r"uploaded|spread|forwarded|circulated|sent|passed|put|shown|seen|going|out there|online|"
    r"everywhere|on)\b",
    r"everyone(?: (?:at|in) (?:her|his|my|the) (?:school|class|year))? (?:has|have|'s) (?:now |"
    r"already )?seen (?:them|it|the \w+|her \w+|his \w+|my \w+)",
    r"(?:going|gone|went|doing the rounds|done the rounds) (?:a?round )?(?:the |his |her |their |"
    r"my )?(?:school|class|year|group|chat|estate|town|internet|whatsapp|snapchat|everyone)\b",
)
IMAGES_SHARED = compile_words(*_SHARED)
# Giving one picture to the person is not sharing onward.
SHARED_WITH_THE_PERSON = compile_words(
    r"with (?:him|her|them|someone|somebody|a (?:man|boy|girl|woman|person|stranger)|this (?:man|"
    r"boy|girl|woman|person)|an adult)\b(?! (?:friends|mates)\b)"
)
SEXUAL = compile_words(
    r"sex",
    r"nude",
    r"naked",
    r"topless",
    r"underwear",
    r"lingerie",
    r"explicit",
    r"intimate",
    r"porn",
    r"masturbat",
    r"rape",
    r"molest",
    r"private (?:pictures|photos|pics|parts|images|videos)",
    r"send (?:me )?(?:pics|pictures|photos|nudes)",
    r"groom",
)
IMAGE_REQUEST = compile_words(
    r"(?:ask\w*|keeps? asking|begg\w*|pressur\w*|push\w*|demand\w*|want(?:s|ed)?|wanting|tell\w*|"
    r"told|get(?:s|ting)?|got|make|made|persuad\w*|pester\w*) (?:(?:her|him|them|me|you) )?(?:for|"
    r"to send|to take|to share|to show|to make|send) " + _GAP3 + IMAGES,
    r"send (?:me |him |us )?(?:pics|pictures|photos|nudes)",
)

# An adult writing about themself.
CHILDHOOD = compile_words(
    r"when i was (?:only |just |still )?(?:a |an )?(?:child|kid|little|young|younger|small|teen|"
    r"teenager|girl|boy|minor|schoolgirl|schoolboy|in (?:primary|secondary|junior|high|middle) "
    r"school|at (?:primary |secondary |junior |high |middle )?school|in year (?:[1-9]|1[0-3])\b|"
    r"in (?:the )?(?:sixth form|juniors|infants)|under (?:age|18|16|13|the age)|aged? "
    + _AGE
    + "|"
    + _AGE
    + ")",
    r"as a (?:child|kid|young (?:girl|boy|child|teenager|teen)|teenager|teen|little (?:girl|boy)|"
    r"girl|boy|minor|schoolgirl|schoolboy)\b",
    r"(?:in|during|throughout) my (?:childhood|teens|teenage years|school days|school years|youth)",
    r"growing up",
    r"i was (?:only |just )?" + _AGE + r"(?: years? old)? (?:when|at the time|and|then)\b",
    r"(?:from|between|since) the ages? of " + _AGE,
    r"since i was " + _AGE,
)
CHILD_NOW = compile_words(
    r"my (?:own )?(?:daughters?|sons?|child|children|kids?|step-?(?:daughter|son|child)\w*|nieces?|"
    r"nephews?|granddaughters?|grandsons?|grandchild(?:ren)?|grandkids?|pupils?|students?|foster "
    r"(?:child|children|daughter|son)|little (?:sister|brother)|younger (?:sister|brother)|baby)\b",
    r"(?:still|now|currently|again) " + _GAP2 + r"(?:works?|working|coach\w*|teach\w*|"
    r"volunteer\w*|babysit\w*|looks? after|looking after|lives? with|living with|has access to|"
    r"tutor\w*|runs?|running|helps? (?:out )?(?:at|with))",
    r"(?:access to|around|near|lives with|living with|works with|working with|alone with) "
    r"(?:young |small |little )?(?:children|kids|girls|boys|a child|young people|minors)",
    r"(?:other|more) (?:children|kids|girls|boys|young people|victims)\b",
    r"(?:doing|does|do|did) (?:it|this|the same)(?: thing)? to (?:other|another|more|his|her|their)",
    r"at risk",
)
OWN_IMAGES = compile_words(
    r"my (?:(?!(?:daughter|son|child|children|kids?|niece|nephew|sister|brother|grand\w*|step\w*|"
    r"pupils?|students?|girl|boy|baby|friends?)\b)[\w']+ ){0,2}" + IMAGES,
    IMAGES + r" (?:of|with) me\b",
    r"me (?:naked|nude|topless|undressed)",
)
SHARED_OR_THREATENED = compile_words(*_SHARED, SEXTORTION.pattern, MONEY_THREATS.pattern)


def _adult_reporter(i: Inputs) -> bool:
    return i.audience != "child"


def _childhood_for(i: Inputs) -> re.Pattern[str] | None:
    return CHILDHOOD if _adult_reporter(i) else None


def _meeting_near_miss(i: Inputs) -> re.Pattern[str]:
    if _adult_reporter(i):
        return MEETING_NEAR_MISS_FROM_AN_ADULT
    return MEETING_NEAR_MISS_FROM_A_CHILD


TIME_OR_PLACE = compile_words(TIME.pattern, PLACE.pattern)


def _meeting_soon(i: Inputs) -> bool:
    def said(sign: re.Pattern[str], when: re.Pattern[str] | None = None) -> bool:
        return says(
            i.reading,
            sign,
            when=when,
            unless_clause=_meeting_near_miss(i),
            unless_sentence=_childhood_for(i),
        )

    return (
        said(MEET_OR_COLLECT, TIME_OR_PLACE)
        or said(VISIT, TIME)
        or said(MEETING_ARRANGED)
        or said(MEETING_UNDER_WAY)
    )


@dataclass(frozen=True)
class Rule:
    code: str
    priority: Priority
    reason: str | Promise
    applies: Callable[[Inputs], bool]


def _ticked(concern: str) -> Callable[[Inputs], bool]:
    return lambda i: concern in i.concerns


# The rules, most urgent first. A report takes the most urgent band among the rules that apply.
RULES: tuple[Rule, ...] = (
    Rule(
        "danger_now",
        Priority.P1,
        _("The reporter says a child is in danger right now"),
        lambda i: i.danger_now == "yes",
    ),
    Rule(
        "narrative_self_harm",
        Priority.P1,
        _("The narrative mentions self-harm or suicidal feelings"),
        lambda i: says(i.reading, SELF_HARM),
    ),
    Rule(
        "narrative_missing",
        Priority.P1,
        _("The narrative mentions a child who is missing or has run away"),
        lambda i: says(i.reading, MISSING, unless_sentence=_childhood_for(i)),
    ),
    Rule(
        "narrative_with_them",
        Priority.P1,
        _("The narrative says the child may be with the person now"),
        lambda i: says(i.reading, WITH_THEM_NOW, unless_sentence=_childhood_for(i)),
    ),
    Rule(
        "narrative_meeting_soon",
        Priority.P1,
        _("The narrative says a meeting has been arranged or may happen soon"),
        _meeting_soon,
    ),
    Rule(
        "threats_or_money",
        Priority.P2,
        _("Someone is threatening the child or demanding money (possible sextortion)"),
        _ticked("threats_or_money"),
    ),
    Rule(
        "narrative_threats",
        Priority.P2,
        _("The narrative mentions threats or demands for money"),
        lambda i: says(i.reading, MONEY_THREATS),
    ),
    Rule(
        "narrative_sextortion",
        Priority.P2,
        _("The narrative says someone is threatening to share images of the child (sextortion)"),
        lambda i: says(i.reading, SEXTORTION) or says(i.reading, SEND_MORE, when=UNDER_THREAT),
    ),
    Rule(
        "images_shared",
        Priority.P2,
        _("Sexual images of the child have already been shared"),
        _ticked("images_shared"),
    ),
    Rule(
        "narrative_images_shared",
        Priority.P2,
        _("The narrative says images of the child have already been shared"),
        lambda i: says(i.reading, IMAGES_SHARED, unless_clause=SHARED_WITH_THE_PERSON),
    ),
    Rule(
        "wants_to_meet", Priority.P2, _("Someone wants to meet the child"), _ticked("wants_to_meet")
    ),
    Rule(
        "narrative_wants_to_meet",
        Priority.P2,
        _("The narrative says someone wants to meet the child"),
        lambda i: says(
            i.reading,
            WANTS_TO_MEET,
            unless_clause=_meeting_near_miss(i),
            unless_sentence=_childhood_for(i),
        ),
    ),
    Rule(
        "under_13",
        Priority.P2,
        _("The child is under 13"),
        lambda i: i.child_age_band == "under_13",
    ),
    Rule(
        "several_children",
        Priority.P2,
        _("More than one child may be involved"),
        lambda i: i.several_children == "yes",
    ),
    Rule(
        "works_with_children",
        Priority.P2,
        _("The person of concern works with children (consider the LADO)"),
        lambda i: i.works_with_children == "yes",
    ),
    Rule(
        "adult_asked_for_images",
        Priority.P2,
        _("An adult has asked the child for sexual images"),
        lambda i: (
            i.person_adult == "yes"
            and ("asked_for_images" in i.concerns or says(i.reading, IMAGE_REQUEST, when=SEXUAL))
        ),
    ),
)

# Rules that keep their band even when the report is out of scope: a child's immediate safety.
LIFE_SAFETY = frozenset(
    {"danger_now", "narrative_self_harm", "narrative_missing", "narrative_with_them"}
)


def child_at_risk_now(i: Inputs) -> bool:
    """Whether anything says a child is at risk now: what keeps an adult's report in scope."""
    return (
        i.works_with_children == "yes"
        or any(rule.applies(i) for rule in RULES if rule.code in LIFE_SAFETY)
        or says(i.reading, CHILD_NOW)
    )


# An adult writing about themself, not about a child now: out of scope, with signposting.
ADULT_ABOUT_THEMSELF: tuple[Rule, ...] = (
    Rule(
        "adult_survivor",
        Priority.P4,
        _(
            "An adult describes abuse in their own childhood, and nothing says a child is at risk now"
        ),
        lambda i: says(i.reading, CHILDHOOD),
    ),
    Rule(
        "adult_images",
        Priority.P4,
        _("An adult says their own images are shared or threatened, and no child is mentioned"),
        lambda i: says(i.reading, OWN_IMAGES, when=SHARED_OR_THREATENED),
    ),
)


def adult_about_themself(i: Inputs) -> Rule | None:
    """The rule that puts an adult's report about themself out of scope, if one applies."""
    if not _adult_reporter(i) or i.child_age_band not in ("18_plus", "unknown"):
        return None
    rule = next((r for r in ADULT_ABOUT_THEMSELF if r.applies(i)), None)
    if rule is None or child_at_risk_now(i):
        return None
    return rule


@dataclass(frozen=True)
class Target:
    """How soon something must happen: minutes, or working days (weekends and holidays skipped)."""

    minutes: int = 0
    working_days: int = 0

    @classmethod
    def parse(cls, text: object) -> Target:
        match = re.fullmatch(r"\s*(\d+)\s*(m|h|wd)\s*", text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"time target {text!r} must look like 15m, 4h or 2wd")
        number, unit = int(match.group(1)), match.group(2)
        if number < 1:
            raise ValueError(f"time target {text!r} must be at least 1")
        if unit == "wd":
            return cls(working_days=number)
        return cls(minutes=number * (60 if unit == "h" else 1))

    @property
    def delta(self) -> timedelta | None:
        return timedelta(minutes=self.minutes) if not self.working_days else None


class TargetName(models.TextChoices):
    """The time targets of a case, in the order its work meets them when two fall due together."""

    FIRST_READ = "first_read", _("First read")
    THRESHOLD_DECISION = "threshold_decision", _("Threshold decision")
    FIRST_CONTACT = "first_contact", _("First contact")
    # The reporter replied or added information through their report's page.
    REPLY = "reply", _("Answer the reporter")


TARGET_NAMES = tuple(TargetName.values)
# Every case is read and every case is decided; only first contact may be switched off.
REQUIRED_TARGETS = frozenset({TargetName.FIRST_READ.value, TargetName.THRESHOLD_DECISION.value})

# First read by an advisor, the threshold decision (meets or below), first contact with the
# reporter (None: no contact target), and answering what the reporter sent later (a reply or
# added information: they are waiting, and may be in danger; it counts from its arrival).
# The decision falls due with first contact for P1 and P2: at that urgency the call is often where it is made, and a reporter should not be rung before
# anyone has weighed the report. For P3 and P4 it is due one working day after the first read,
# as Working Together to Safeguard Children 2023 gives a local authority one working day from a
# referral to decide its next steps; a P4 is answered with signposting, which waits on it.
TIME_TARGETS: dict[str, dict[str, Target | None]] = {
    Priority.P1: {
        "first_read": Target(minutes=15),
        "threshold_decision": Target(minutes=60),
        "first_contact": Target(minutes=60),
        "reply": Target(minutes=30),
    },
    Priority.P2: {
        "first_read": Target(minutes=60),
        "threshold_decision": Target(minutes=240),
        "first_contact": Target(minutes=240),
        "reply": Target(minutes=120),
    },
    Priority.P3: {
        "first_read": Target(working_days=1),
        "threshold_decision": Target(working_days=2),
        "first_contact": Target(working_days=2),
        "reply": Target(working_days=1),
    },
    Priority.P4: {
        "first_read": Target(working_days=2),
        "threshold_decision": Target(working_days=3),
        "first_contact": None,
        "reply": Target(working_days=2),
    },
}


# --- Parsing the configuration (settings.py calls these at start-up) -------------------------


def parse_bank_holidays(text: str) -> frozenset[datetime.date]:
    """Comma-separated ISO dates ("2026-12-25,2026-12-28"); empty items are ignored."""
    days = set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
                raise ValueError(item)
            days.add(datetime.date.fromisoformat(item))
        except ValueError:
            raise ValueError(
                f"{item!r} is not a date: write dates as YYYY-MM-DD, separated by commas"
            ) from None
    return frozenset(days)


def _json_object(text: str) -> dict[str, object]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("is not valid JSON") from None
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value


_BANDS = ", ".join(Priority.values)


def parse_time_targets(text: str) -> dict[str, dict[str, Target | None]]:
    """Overrides of TIME_TARGETS, as JSON: {"P1": {"first_read": "10m"}, "P4": {"first_contact": "5wd"}}.

    A target is minutes ("15m"), hours ("4h") or working days ("2wd"); null or "" removes a
    first-contact target. Every band keeps its first-read and threshold-decision targets.
    """
    overrides: dict[str, dict[str, Target | None]] = {}
    for band, values in _json_object(text).items():
        if band not in Priority.values:
            raise ValueError(f"unknown band {band!r} (the bands are {_BANDS})")
        if not isinstance(values, dict):
            raise ValueError(f'{band} must be an object such as {{"first_read": "15m"}}')
        for name, target in values.items():
            if name not in TARGET_NAMES:
                raise ValueError(
                    f"unknown target {name!r} for {band} (the targets are {', '.join(TARGET_NAMES)})"
                )
            if target is None or target == "":
                if name in REQUIRED_TARGETS:
                    raise ValueError(
                        f"{band} {name} cannot be switched off: every report is read and decided"
                    )
                overrides.setdefault(band, {})[name] = None
            else:
                overrides.setdefault(band, {})[name] = Target.parse(target)
    return overrides


def parse_triage_bands(text: str) -> dict[str, str]:
    """Overrides of the rules' bands, as JSON: {"under_13": "P1"}."""
    codes = [rule.code for rule in RULES]
    overrides: dict[str, str] = {}
    for code, band in _json_object(text).items():
        if code not in codes:
            raise ValueError(f"unknown rule {code!r} (the rules are {', '.join(codes)})")
        if band not in Priority.values:
            raise ValueError(f"unknown band {band!r} for {code} (the bands are {_BANDS})")
        overrides[code] = str(band)
    return overrides

"""Reading a narrative as an advisor would: sentences, clauses, negation and time. Pure functions.

The narrative is where a frightened person says what the boxes missed, in ordinary writing. The
signs themselves (what counts as a meeting, a threat, images shared) are data in ``rules.py``;
this module is the reading machinery they share. It is deliberately explainable: no score and no
model, only patterns an advisor could read, applied with the few rules below.

**Normalising.** Unicode NFKC (full-width letters become plain ones), case folded, curly
apostrophes made straight, invisible characters (zero-width spaces, soft hyphens, direction
marks) removed so they cannot split a word, control characters including NUL made spaces, any
"word" longer than 40 characters dropped (nobody writes one; it only costs time), and runs of
spaces collapsed to one, so patterns can rely on single spaces between words.

**Sentences and clauses.** A sentence ends at ``.``, ``!`` or ``?`` followed by a space, or at a
line break or ``;``. A clause ends at a comma, colon, bracket or dash, or before "but",
"however", "although", "though", "whereas", "except" or "instead". Negation never crosses a
clause; a co-occurring sign (a time expression for a meeting, a threat for "send more") is looked
for in the whole sentence.

**Negation.** A match is negated when one of the five words before it, in its clause, is a
negator ("not", "never", "no", "nothing", "nobody", "without", and the "n't" forms, with or
without the apostrophe: "hasn't", "hasnt"). Where the line is drawn:

- the nearest word decides: reading back from the match, a *breaker* met before any negator ends
  the search, because the negation belongs to another verb or is doubt, not denial. Breakers are
  words of knowing and telling ("know", "sure", "think", "if", "whether", "tell", "told"),
  persisting ("stop", "stops") and "only"/"just": "I'm not sure if she is self-harming", "he
  told her not to tell anyone they are meeting", "he never stops asking for photos" and "not
  only did he ask" are all signs;
- a negator right after "if" or "unless" is a condition, not a denial: "if she doesn't send more"
  is a threat;
- "can't" and "cannot" are not negators: "I can't believe he asked for photos" is a sign;
- a negator more than five words back does not reach: "he did not reply for a week and then he
  asked for photos" is a sign. So in doubt the sign stays: a missed denial costs an advisor a
  minute, a missed sign can cost a child.

**Time.** ``time_expressions`` finds the phrases that make a meeting soon: "today", "tonight",
"tomorrow" (and "tmrw", "2moro"), "this evening", "this weekend", "next week", "at the weekend",
weekday names ("on Friday"), "after school", "before school", "later today", "soon", "in an
hour", clock times ("at 4pm", "at 7:30", "6 o'clock") and dates ("on the 14th", "14/12",
"14th December", "December 14", "2026-12-14"). Not time expressions: a weekday after "last",
"since", "every" or "until" ("last Friday", "since Tuesday"), "as soon as", and a bare number
("when she was 13"). Months that are also ordinary words ("may", "march") count only with a day
number next to them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORD = 40
WINDOW = 5  # words before a match that a negator may stand in

# Zero-width and direction marks, soft hyphens and the like: removed, so they cannot split a word.
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2065),
        *range(0x2066, 0x206A),
    ]
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# Control characters become spaces, except the line break, which ends a sentence.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_LONG_WORD = re.compile(r"[\w']{" + str(MAX_WORD + 1) + ",}")
_SPACES = re.compile(r"[^\S\n]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|[\n;]+")
_CLAUSE_END = re.compile(
    r"[,:()\[\]]|\s[-\u2013\u2014]+\s|\s(?=(?:but|however|although|though|whereas|except|instead)\b)"
)
_WORD = re.compile(r"[\w']+")

NEGATORS = frozenset(
    """not never no nothing nobody none neither nor without
    hasn't haven't hadn't didn't doesn't don't isn't aren't wasn't weren't won't wouldn't shouldn't
    hasnt havent hadnt didnt doesnt dont isnt arent wasnt werent wont wouldnt shouldnt""".split()
)
BREAKERS = frozenset(
    """know knows knew sure certain think thinks thought believe believes remember realise
    realised realize realized notice noticed if whether tell tells told telling
    stop stops stopped stopping quit only just""".split()
)
CONDITIONS = frozenset({"if", "unless"})


def compile_words(*patterns: str) -> re.Pattern[str]:
    """One pattern matching any of ``patterns`` from the start of a word.

    Patterns are written against normalised text: lower case, single spaces, straight apostrophes.
    Keep them linear: bounded repeats of words (``{0,3}``), never a repeat inside a repeat.
    """
    return re.compile(r"\b(?:" + "|".join(patterns) + r")")


def normalise(text: str) -> str:
    """The narrative as the patterns read it (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = text.translate(_APOSTROPHES).casefold()
    text = _CONTROL.sub(" ", text)
    text = _LONG_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Sentence:
    text: str
    clauses: tuple[str, ...]


Reading = tuple[Sentence, ...]


def read(text: str) -> Reading:
    """The narrative cut into sentences, each cut into clauses."""
    sentences = []
    for part in _SENTENCE_END.split(normalise(text)):
        part = part.strip()
        if not part:
            continue
        clauses = tuple(c.strip() for c in _CLAUSE_END.split(part) if c.strip())
        sentences.append(Sentence(part, clauses))
    return tuple(sentences)


def negated(clause: str, start: int) -> bool:
    """Whether the match at ``start`` in ``clause`` is denied by a negator just before it."""
    # Only a bounded stretch before the match is read, so a long clause costs no more per match.
    words = _WORD.findall(clause[max(0, start - WINDOW * (MAX_WORD + 1)) : start])[-WINDOW:]
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if word in BREAKERS:
            return False
        if word in NEGATORS:
            return not CONDITIONS.intersection(words[max(0, index - 2) : index])
    return False


def says(
    reading: Reading,
    sign: re.Pattern[str],
    *,
    when: re.Pattern[str] | None = None,
    unless_clause: re.Pattern[str] | None = None,
    unless_sentence: re.Pattern[str] | None = None,
) -> bool:
    """Whether the narrative says ``sign``: a match in a clause that is not negated.

    Rules:
    - ``when``: the match's sentence must also say this, not negated (a time expression, a
      threat);
    - ``unless_clause``: a match whose clause also contains this does not count (the near
      misses, such as a parent meeting a school);
    - ``unless_sentence``: likewise for the whole sentence (a sign told as part of the
      reporter's own childhood is in the past).
    """
    for sentence in reading:
        if unless_sentence is not None and unless_sentence.search(sentence.text):
            continue
        for clause in sentence.clauses:
            if unless_clause is not None and unless_clause.search(clause):
                continue
            if _found(clause, sign):
                if when is None or any(_found(c, when) for c in sentence.clauses):
                    return True
                break  # the sentence lacks what must go with the sign; try the next sentence
    return False


def _found(clause: str, pattern: re.Pattern[str]) -> bool:
    return any(not negated(clause, m.start()) for m in pattern.finditer(clause))


# --- Time expressions ----------------------------------------------------------------------

_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTHS = (
    r"(?:january|february|april|june|july|august|september|october|november|december"
    r"|jan|feb|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_AMBIGUOUS_MONTHS = r"(?:march|mar|may)"
_DAY_NUMBER = r"(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
# A weekday after these words is past or habitual, not a time something will happen.
_NOT_SOON = r"(?<!last )(?<!since )(?<!every )(?<!until )"

TIME = compile_words(
    r"today",
    r"tonight|tonite|2nite",
    r"tomorrow|tomorow|tmrw|tmr|tomoz|2moro|2morrow",
    r"this (?:morning|afternoon|evening|weekend|week)",
    r"this " + _DAYS,
    r"next (?:week|weekend|month|few days|" + _DAYS + r")",
    r"(?:at|on|over) the weekend",
    _NOT_SOON + r"(?:on )?" + _DAYS + r"(?!s\b)",
    r"(?:after|before) (?:school|college|work|class|practice|training|club)",
    r"later (?:today|on|tonight)",
    r"(?<!as )soon(?! as)",
    r"in (?:an|a|one|two|three|a few|a couple of|\d{1,2}) (?:minutes?|mins?|hours?|hrs?|days?)",
    r"right now",
    r"(?:at )?(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)? ?(?:am|pm)\b",
    r"at (?:[01]?\d|2[0-3])[:.][0-5]\d\b",
    r"(?:1[0-2]|0?[1-9]) o'?clock",
    r"on the " + _DAY_NUMBER + r"\b",
    _DAY_NUMBER + r" (?:of )?(?:" + _MONTHS + r"|" + _AMBIGUOUS_MONTHS + r")\b",
    r"(?:" + _MONTHS + r")\w* " + _DAY_NUMBER + r"\b",
    _AMBIGUOUS_MONTHS + r" " + _DAY_NUMBER + r"\b",
    r"(?:[12]\d|3[01]|0?[1-9])/(?:1[0-2]|0?[1-9])(?:/\d{2,4})?\b",
    r"\d{4}-\d{2}-\d{2}\b",
)


def time_expressions(text: str) -> list[str]:
    """The time expressions in ``text`` that can make a meeting soon, in order."""
    return [m.group(0) for m in TIME.finditer(normalise(text))]

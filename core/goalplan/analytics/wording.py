"""Word lists behind the Specific and positive-framing rules: plain heuristics, documented as such.

They look for a concrete action verb, for a vague aim said on its own, and for wording that only
removes something. They are deliberately small and readable; a practice that wants stricter
wording checks adds its own rule through the plugin hook instead of editing these lists.
"""

from __future__ import annotations

import re

from goalplan.analytics.smart import contains_phrase

VAGUE_AIMS = (
    "feel better",
    "feel good",
    "feel happier",
    "feel happy",
    "feel okay",
    "feel ok",
    "feel normal",
    "be happier",
    "be happy",
    "be better",
    "be okay",
    "be ok",
    "be normal",
    "get better",
    "improve myself",
    "better myself",
    "sort myself out",
    "get my life together",
    "be a better person",
)

# Removal words: a statement built only on these says what goes, not what comes instead.
REMOVAL_MARKERS = (
    "stop",
    "stops",
    "stopping",
    "quit",
    "quits",
    "quitting",
    "never",
    "no more",
    "no longer",
    "avoid",
    "avoids",
    "avoiding",
    "give up",
    "cut out",
    "not",
    "don't",
    "won't",
)
# How many words after a removal marker it governs ("stop drinking alcohol", "avoid going out"),
# cut short at a word that starts a new clause ("stop drinking and call a friend").
REMOVAL_REACH = 3
CLAUSE_BREAKS = frozenset({"and", "but", "instead", "then", "so", "while", "by", "when"})

_REMOVAL_VERBS = ("stop", "quit", "avoid")

# Concrete things a person can be seen doing. "be", "feel", "get", "have", "do", "make" and
# "improve" are left out on purpose: they carry vague aims ("get better", "do better").
ACTION_VERBS = (
    "add", "answer", "apply", "ask", "attend", "begin", "breathe", "budget", "call", "challenge",
    "chat", "check", "clean", "climb", "complete", "contact", "cook", "count", "cycle", "dance",
    "decrease", "drink", "drive", "eat", "email", "engage", "exercise", "finish", "follow", "garden",
    "go", "greet", "help", "hike", "identify", "increase", "invite", "jog", "join", "journal",
    "keep", "learn", "leave", "limit", "list", "listen", "log", "meditate", "meet", "message",
    "name", "notice", "paint", "pay", "phone", "plan", "play", "practise", "practice", "pray",
    "prepare", "read", "reach", "record", "reduce", "rehearse", "reply", "respond", "rest",
    "return", "ride", "run", "save", "say", "schedule", "send", "set", "share", "shop", "sing",
    "sit", "sleep", "smoke", "speak", "spend", "stand", "start", "stay", "stretch", "study",
    "swim", "take", "talk", "teach", "tell", "text", "track", "try", "use", "visit", "volunteer",
    "wake", "walk", "wash", "watch", "work", "write", "yell", "stop", "quit", "avoid",
)  # fmt: skip

_IRREGULAR = {
    "begin": ("began", "begun"),
    "drink": ("drank", "drunk"),
    "drive": ("drove", "driven"),
    "eat": ("ate", "eaten"),
    "go": ("went", "gone", "goes"),
    "keep": ("kept",),
    "leave": ("left",),
    "meet": ("met",),
    "pay": ("paid",),
    "ride": ("rode", "ridden"),
    "run": ("ran",),
    "say": ("said",),
    "send": ("sent",),
    "sing": ("sang", "sung"),
    "sit": ("sat",),
    "sleep": ("slept",),
    "speak": ("spoke", "spoken"),
    "spend": ("spent",),
    "stand": ("stood",),
    "swim": ("swam", "swum"),
    "take": ("took", "taken"),
    "teach": ("taught",),
    "tell": ("told",),
    "wake": ("woke", "woken"),
    "write": ("wrote", "written"),
}


def _forms(verb: str) -> set[str]:
    forms = {verb, verb + "s", verb + "es", verb + "ed", verb + "ing", verb + verb[-1] + "ing"}
    forms.add(verb + verb[-1] + "ed")
    if verb.endswith("e"):
        forms |= {verb + "d", verb[:-1] + "ing"}
    if verb.endswith("y"):
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    forms |= set(_IRREGULAR.get(verb, ()))
    return forms


_VERB_OF = {form: verb for verb in ACTION_VERBS for form in _forms(verb)}


def action_verbs(tokens: list[str]) -> list[tuple[int, str]]:
    """(position, base verb) of every action verb in the words."""
    return [(i, _VERB_OF[t]) for i, t in enumerate(tokens) if t in _VERB_OF]


def vague_aims(tokens: list[str]) -> list[str]:
    return [phrase for phrase in VAGUE_AIMS if contains_phrase(tokens, phrase) >= 0]


def removal_spans(tokens: list[str]) -> list[tuple[str, int, int]]:
    """(marker, start, end) of each removal marker and the words it governs."""
    spans = []
    for marker in REMOVAL_MARKERS:
        size = len(marker.split())
        start = 0
        while True:
            at = contains_phrase(tokens[start:], marker)
            if at < 0:
                break
            begin = start + at
            end = begin + size
            while end < min(len(tokens), begin + size + REMOVAL_REACH) and tokens[end] not in CLAUSE_BREAKS:
                end += 1
            spans.append((marker, begin, end))
            start = begin + size
    return sorted(spans, key=lambda s: s[1])


def additive_actions(tokens: list[str]) -> list[str]:
    """Action verbs that add something: not a removal verb, not governed by a removal marker."""
    spans = removal_spans(tokens)
    return [
        verb
        for i, verb in action_verbs(tokens)
        if verb not in _REMOVAL_VERBS and not any(start <= i < end for _, start, end in spans)
    ]


# Efforts and means that can hide the aim: "I will try to...", "work on my anxiety", "keep
# feeling calm", "attend therapy". What follows them must still say what will be done.
HIDDEN_AIMS = (
    "try to",
    "trying to",
    "try and",
    "work on",
    "working on",
    "keep feeling",
    "keep on feeling",
    "attend therapy",
    "attend my therapy",
    "attend sessions",
    "attend my sessions",
    "attend counselling",
    "attend counseling",
    "go to therapy",
    "come to therapy",
    "continue therapy",
)


def hidden_aims(tokens: list[str]) -> list[tuple[str, int, int]]:
    """(phrase, start, end) of each effort or means phrase in the words."""
    found = []
    for phrase in HIDDEN_AIMS:
        at = contains_phrase(tokens, phrase)
        if at >= 0:
            found.append((phrase, at, at + len(phrase.split())))
    return sorted(found, key=lambda f: f[1])


def actions_outside(tokens: list[str], spans: list[tuple[str, int, int]]) -> list[str]:
    """Action verbs that are not part of any of ``spans``."""
    return [verb for i, verb in action_verbs(tokens) if not any(s <= i < e for _, s, e in spans)]


# Whether a statement reads as English, so the English word lists may judge it. A statement
# with many letters outside ASCII, or none of these common words, is left unjudged.
ENGLISH_MARKERS = frozenset(
    {
        "i", "i'll", "i'm", "me", "my", "we", "our", "will", "would", "to", "the", "a", "an", "and",
        "or", "of", "in", "on", "at", "for", "with", "by", "from", "each", "every", "per", "week",
        "weeks", "day", "days", "month", "months", "times", "more", "less", "than", "be", "feel",
        "get", "have", "when", "who", "so", "that", "it", "is", "am", "are", "once", "twice",
    }
)  # fmt: skip
NON_ASCII_SHARE = 0.15


def reads_as_english(text: str, tokens: list[str]) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    if sum(1 for c in letters if not c.isascii()) / len(letters) > NON_ASCII_SHARE:
        return False
    return bool(ENGLISH_MARKERS & set(tokens)) or bool(action_verbs(tokens))


# A statement that carries its own measure ("30 minutes 5 days a week") or date ("by June 1").
_UNIT_WORDS = (
    r"minutes?|mins?|hours?|hrs?|times?|days?|nights?|evenings?|mornings?|weeks?|months?|sessions?|"
    r"steps?|pages?|km|kilometres?|kilometers?|miles?|cups?|drinks?|glasses?|units?|attacks?|"
    r"hours? of sleep|percent|%|out of \d+|/\s*10|gatherings?|calls?|meals?|servings?"
)
STATED_MEASURE = re.compile(rf"\b\d+(?:[.,]\d+)?\s*(?:{_UNIT_WORDS})\b", re.I)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
STATED_DATE = re.compile(
    rf"\b(?:by|before|until|within|in the next|in)\s+(?:(?:{_MONTHS})\b|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}[/.]\d{{1,2}}|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
    rf"(?:days?|weeks?|months?|years?)\b|the end of)",
    re.I,
)


def stated_measure(text: str) -> str | None:
    found = STATED_MEASURE.search(text)
    return found.group(0) if found else None


def stated_date(text: str) -> str | None:
    found = STATED_DATE.search(text)
    return found.group(0) if found else None

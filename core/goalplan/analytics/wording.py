"""Word lists behind the Specific and positive-framing rules: plain heuristics, documented as such.

They look for a concrete action verb, for a vague aim said on its own, and for wording that only
removes something. They are deliberately small and readable; a practice that wants stricter
wording checks adds its own rule through the plugin hook instead of editing these lists.
"""

from __future__ import annotations

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

"""A finding's words as the terms that carry its ask.

Inspectorates re-raise an ask in other words: "effective external scrutiny on stop and search"
comes back as "its use of stop and search is scrutinised externally". What survives rewording is
the ask's content words, in any order and any inflection, so a finding becomes a bag of word
stems with the report's boilerplate ("the force should make sure…") removed. Stems are cut to
a few letters because English nominalises freely (scrutiny / scrutinised / scrutinise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Letters a stem keeps: long enough to tell "record" from "recruit", short enough for
#: "scrutiny"/"scrutinised" and "safeguard"/"safeguarding" to meet. Chosen on the dev set
#: (benchmarks/repeat_matching.py).
STEM_LETTERS = 6

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

#: Inspectorates' abbreviations, spelled out so either form of a finding meets the other.
_ABBREVIATIONS = {
    "acct": "self-harm assessment care in custody",
    "asb": "antisocial behaviour",
    "bame": "black asian minority ethnic",
    "cla": "children looked after",
    "lac": "children looked after",
    "cse": "child sexual exploitation",
    "cpd": "professional development",
    "da": "domestic abuse",
    "ehcp": "education health care plan",
    "ehcps": "education health care plans",
    "hfsc": "home fire safety check",
    "hfscs": "home fire safety checks",
    "iep": "incentives earned privileges",
    "iom": "integrated offender management",
    "lado": "local authority designated officer allegations",
    "mash": "multi-agency safeguarding hub",
    "neet": "not in education employment training",
    "pep": "personal education plan",
    "peps": "personal education plans",
    "rhi": "return home interview",
    "rhis": "return home interviews",
    "send": "special educational needs disabilities",
    "vawg": "violence against women girls",
}
#: Words inspectorates use for one another when they re-raise an ask; each group reads as its
#: first word. Only plain synonyms: a group must never join two different asks.
_SYNONYMS = (
    ("enough", "sufficient", "sufficiently", "adequate", "adequately"),
    ("qualified", "registered"),
    ("staff", "staffing", "workforce", "employees", "personnel"),
    ("pupils", "pupil", "students", "student", "learners", "learner"),
    ("promptly", "timely", "timeliness", "quickly", "swiftly", "delay", "delays", "delayed"),
    ("fair", "fairly", "equitable", "equitably", "fairness"),
    ("plans", "plan", "planning"),
    ("aware", "awareness", "know", "knows", "understand", "understands", "understanding"),
)
_SYNONYM_OF = {word: group[0] for group in _SYNONYMS for word in group}
#: Phrases that name one thing; kept whole so their words do not read as the template's.
_PHRASES = {
    "use of force": "useofforce",
    "looked after children": "lookedafter children",
    "children looked after": "lookedafter children",
    "care leavers": "careleavers",
    "young people leaving care": "careleavers",
    "stop and search": "stopsearch",
}
_PHRASE = re.compile(r"\b(?:" + "|".join(map(re.escape, _PHRASES)) + r")\b")
_NEGATIONS = {"n't": " not", "can't": "cannot", "won't": "will not"}

#: Words that every finding of every report uses: grammar, and the inspectorates' templates
#: ("The force should make sure that it…", "The local authority must improve…").
_STOPWORDS = frozenset(
    """
    a about above after again all also an and any are as at be because been being both but by
    can cannot could did do does doing done each either for from further had has have having he
    her here hers him his how i if in into is it its itself just may me might more most must my
    no nor not now of off on once only or other our ours out over own per same shall she should
    so some such than that the their theirs them themselves then there these they this those
    through to too under until up upon very was we were what when where whether which while who
    whom why will with within would yet you your us
    force forces constabulary police service services council authority authorities local
    organisation provider trust school prison establishment home board partnership partners
    make makes making sure ensure ensures ensuring improve improves improved improving
    improvement improvements better effective effectively effectiveness appropriate
    appropriately way ways consider continue develop developing needs need needed take
    taking action actions approach arrangements place put good well including include includes
    use used using level levels sufficient sufficiently fully clear clearly consistent
    consistently properly
    """.split()  # noqa: SIM905 - a word list reads best as words
)


def words(text: str) -> list[str]:
    """Lower-case words, abbreviations spelled out, synonyms and set phrases made one."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for contraction, expansion in _NEGATIONS.items():
        lowered = lowered.replace(contraction, expansion)
    found = [w.split("'")[0] for w in _WORD.findall(lowered)]
    joined = " ".join(_ABBREVIATIONS.get(w, w) for w in found)
    joined = _PHRASE.sub(lambda m: _PHRASES[m.group(0)], joined)
    return [_SYNONYM_OF.get(w, w) for w in joined.split()]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem: plural and inflection endings off, then the first letters."""
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:STEM_LETTERS]


def terms(text: str, extra_stopwords: Iterable[str] = ()) -> list[str]:
    """The content terms of ``text`` in order (repeats kept: weights count them)."""
    extra = frozenset(extra_stopwords)
    return [
        stem(w)
        for w in words(text)
        if w not in _STOPWORDS and w not in extra and len(w) > 1 and not w.isdigit()
    ]


def body_words(body: str) -> set[str]:
    """The inspected body's own name ("Northamptonshire Police") says nothing about the ask."""
    return set(words(body))

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

#: Letters a stem keeps: long enough to tell "record" from "recruit", short enough for
#: "scrutiny"/"scrutinised" and "safeguard"/"safeguarding" to meet. Chosen on the dev set
#: (benchmarks/repeat_matching.py).
STEM_LETTERS = 6

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
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
    consistently properly timely
    """.split()  # noqa: SIM905 - a word list reads best as words
)


def words(text: str) -> list[str]:
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for contraction, expansion in _NEGATIONS.items():
        lowered = lowered.replace(contraction, expansion)
    return [w.split("'")[0] for w in _WORD.findall(lowered)]


def stem(word: str) -> str:
    """A crude stem: plural and inflection endings off, then the first letters."""
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:STEM_LETTERS]


def terms(text: str, extra_stopwords: Iterable[str] = ()) -> list[str]:
    """The content terms of ``text`` in order (repeats kept: weights count them)."""
    ignore = _STOPWORDS | {w for w in extra_stopwords}
    return [stem(w) for w in words(text) if w not in ignore and not w.isdigit() and len(w) > 1]


def body_words(body: str) -> set[str]:
    """The inspected body's own name ("Northamptonshire Police") says nothing about the ask."""
    return set(words(body))

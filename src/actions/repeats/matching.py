"""Pair each new finding with the earlier action whose ask it repeats, if any.

Pure and set-based: TF-IDF weighted term vectors (``features``), cosine similarity through an
inverted index (only pairs that share a term are ever scored, so 100 findings against 10,000
earlier actions cost milliseconds), then a one-to-one assignment best pair first. A pair is
**linked** when it is clearly the best on both sides; **suggested** for a person to confirm when it
is plausible but close to another candidate or not similar enough to be sure; otherwise the
finding is new. The thresholds were chosen on a labelled development set and measured on a
held-out one (``benchmarks/repeat_matching.py``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from actions.repeats.features import body_words, terms


@dataclass(frozen=True)
class Thresholds:
    #: At or above this similarity, and clear of rivals, a pair is linked without asking.
    link: float = 0.5
    #: Between this and ``link`` (or when a rival is close) the pair is suggested.
    suggest: float = 0.3
    #: How far ahead of the next candidate, on either side, a link must be.
    margin: float = 0.1


@dataclass(frozen=True)
class Candidate:
    """An earlier action a new finding may repeat."""

    key: int
    text: str


@dataclass(frozen=True)
class Match:
    new_index: int
    earlier_key: int
    similarity: float
    #: True: linked; False: shown for a person to confirm.
    certain: bool


Vector = dict[str, float]


def match(
    new_texts: Sequence[str],
    earlier: Sequence[Candidate],
    *,
    body: str = "",
    thresholds: Thresholds = Thresholds(),
) -> list[Match]:
    """The repeat links and suggestions between ``new_texts`` and ``earlier``, by new index."""
    if not new_texts or not earlier:
        return []
    ignore = body_words(body)
    new_terms = [terms(text, ignore) for text in new_texts]
    old_terms = [terms(c.text, ignore) for c in earlier]
    idf = _idf(new_terms + old_terms)
    new_vectors = [_vector(t, idf) for t in new_terms]
    index = _inverted(_vector(t, idf) for t in old_terms)
    scores = [_scores(vector, index) for vector in new_vectors]
    return _assign(scores, earlier, thresholds)


def _idf(documents: list[list[str]]) -> dict[str, float]:
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(set(document))
    n = len(documents)
    return {term: math.log((n + 1) / (df + 0.5)) for term, df in frequency.items()}


def _vector(document: list[str], idf: dict[str, float]) -> Vector:
    counts = Counter(document)
    weights = {t: (1 + math.log(c)) * idf[t] for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def _inverted(vectors: Iterable[Vector]) -> dict[str, list[tuple[int, float]]]:
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for position, vector in enumerate(vectors):
        for term, weight in vector.items():
            index[term].append((position, weight))
    return index


def _scores(vector: Vector, index: dict[str, list[tuple[int, float]]]) -> dict[int, float]:
    totals: dict[int, float] = defaultdict(float)
    for term, weight in vector.items():
        for position, other in index.get(term, ()):
            totals[position] += weight * other
    return totals


def _assign(
    scores: list[dict[int, float]], earlier: Sequence[Candidate], thresholds: Thresholds
) -> list[Match]:
    """Best pairs first, each finding and each earlier action used once.

    A pair is certain only if neither side has a rival within the margin: a finding close to two
    earlier asks, or an earlier ask close to two findings (an ask split in two), goes to a person.
    """
    pairs = sorted(
        (
            (score, new, old)
            for new, row in enumerate(scores)
            for old, score in row.items()
            if score >= thresholds.suggest
        ),
        reverse=True,
    )
    best_for_old: dict[int, list[float]] = defaultdict(list)
    for score, _, old in pairs:
        best_for_old[old].append(score)
    matches: list[Match] = []
    used_new: set[int] = set()
    used_old: set[int] = set()
    for score, new, old in pairs:
        if new in used_new or old in used_old:
            continue
        used_new.add(new)
        used_old.add(old)
        rival_old = max((s for o, s in scores[new].items() if o != old), default=0.0)
        rival_new = _second(best_for_old[old])
        clear = score - max(rival_old, rival_new) >= thresholds.margin
        certain = score >= thresholds.link and clear
        matches.append(Match(new, earlier[old].key, round(score, 3), certain))
    return sorted(matches, key=lambda m: m.new_index)


def _second(descending: list[float]) -> float:
    return descending[1] if len(descending) > 1 else 0.0

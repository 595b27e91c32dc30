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

import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from actions.repeats.features import body_words, stem, terms

BACKGROUND = Path(__file__).with_name("background.json")


@dataclass(frozen=True)
class Thresholds:
    #: At or above this similarity, and clear of rivals, a pair is linked without asking.
    link: float = 0.45
    #: How far ahead of the next candidate, on either side, a link must be.
    margin: float = 0.1
    #: From this similarity up, a pair not certain enough to link is suggested.
    suggest: float = 0.15
    #: A finding's other candidates this close to its best are suggested beside it.
    also: float = 0.1
    #: A link needs this many shared terms: one shared topic ("stop and search") is not one ask.
    shared_terms: int = 2
    #: At most this many candidates are shown for one finding.
    shown: int = 3


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
    ignore = frozenset(body_words(body))
    new_terms = [terms(text, ignore) for text in new_texts]
    old_terms = [terms(c.text, ignore) for c in earlier]
    idf = _idf(new_terms + old_terms)
    new_vectors = [_vector(t, idf) for t in new_terms]
    index = _inverted(_vector(t, idf) for t in old_terms)
    scored = [_scores(vector, index) for vector in new_vectors]
    scores = [row for row, _ in scored]
    shared = [counts for _, counts in scored]
    return _assign(scores, shared, earlier, thresholds)


def _idf(documents: list[list[str]]) -> dict[str, float]:
    """Rarity over these findings plus the background sentences: a handful of findings alone
    cannot tell "pain" (says a lot) from "recorded" (says little)."""
    background, sentences = _background()
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(set(document))
    n = len(documents) + sentences
    return {
        term: math.log((n + 1) / (df + background.get(term, 0) + 0.5))
        for term, df in frequency.items()
    }


@cache
def _background() -> tuple[dict[str, int], int]:
    """Document frequency of each stem over the bundled report sentences (see
    scripts/build_repeat_background.py), and how many sentences there were."""
    data = json.loads(BACKGROUND.read_text(encoding="utf-8"))
    sentences: int = data["sentences"]
    frequency: Counter[str] = Counter()
    for word, count in data["df"].items():
        frequency[stem(word)] += count
    return {t: min(n, sentences) for t, n in frequency.items()}, sentences


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


def _scores(
    vector: Vector, index: dict[str, list[tuple[int, float]]]
) -> tuple[dict[int, float], dict[int, int]]:
    """Cosine similarity with every earlier finding sharing a term, and how many terms."""
    totals: dict[int, float] = defaultdict(float)
    shared: dict[int, int] = defaultdict(int)
    for term, weight in vector.items():
        for position, other in index.get(term, ()):
            totals[position] += weight * other
            shared[position] += 1
    return totals, shared


def _assign(
    scores: list[dict[int, float]],
    shared: list[dict[int, int]],
    earlier: Sequence[Candidate],
    thresholds: Thresholds,
) -> list[Match]:
    """Best pairs first, each finding and each earlier action paired once.

    A pair is certain only if neither side has a rival within the margin: a finding close to two
    earlier asks, or an earlier ask close to two findings (an ask split in two), goes to a person,
    who is also shown the finding's other candidates nearly as close as its best.
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
    top_two = [heapq.nlargest(2, row.values()) for row in scores]
    matches: list[Match] = []
    used_new: set[int] = set()
    used_old: set[int] = set()
    for score, new, old in pairs:
        if new in used_new or old in used_old:
            continue
        used_new.add(new)
        used_old.add(old)
        rival_old = _second(top_two[new]) if score == top_two[new][0] else top_two[new][0]
        rival_new = _second(best_for_old[old])
        clear = score - max(rival_old, rival_new) >= thresholds.margin
        certain = score >= thresholds.link and clear and shared[new][old] >= thresholds.shared_terms
        matches.append(Match(new, earlier[old].key, round(score, 3), certain))
        if not certain:
            matches += _also(new, old, score, scores[new], earlier, thresholds)
    # An earlier action linked for certain is settled: it is no one else's suggestion.
    linked = {m.earlier_key for m in matches if m.certain}
    kept = [m for m in matches if m.certain or m.earlier_key not in linked]
    return sorted(kept, key=lambda m: (m.new_index, -m.similarity))


def _also(
    new: int,
    chosen: int,
    best: float,
    row: dict[int, float],
    earlier: Sequence[Candidate],
    thresholds: Thresholds,
) -> list[Match]:
    close = sorted(
        (
            (score, old)
            for old, score in row.items()
            if old != chosen and score >= thresholds.suggest and best - score <= thresholds.also
        ),
        reverse=True,
    )
    return [
        Match(new, earlier[old].key, round(score, 3), False)
        for score, old in close[: thresholds.shown - 1]
    ]


def _second(descending: list[float]) -> float:
    return descending[1] if len(descending) > 1 else 0.0

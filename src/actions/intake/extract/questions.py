"""Question headings and their graded judgements.

Ofsted-style reports ask a question per area ("How effective are leadership and management?")
and grade it, on the line after the question or in its first paragraph ("… is good in …"). The
findings under a question carry both.
"""

from __future__ import annotations

import re

from actions.intake.extract.lines import Line, collapse
from actions.intake.extract.model import JUDGEMENTS

# "Summary for question 2 How …?": the question is what follows the label.
QUESTION_PREFIX = re.compile(r"^summary\s+for\s+question\s*\d*\s*", re.I)
# A findings heading such as "What the force should do better" answers no question: it ends one.
RESETS_QUESTION = re.compile(r"^what\s+the\s+", re.I)
_PROSE_JUDGEMENT = re.compile(
    r"\b(?:is|are|remains?|was)\s+(outstanding|good|adequate|inadequate)\s+(?:at|in)\b"
    r"|\b(requires?\s+improvement)\s+(?:at|in)\b",
    re.I,
)
# Lines between a question and its grade that are neither.
_SKIPPED_METADATA = re.compile(r"^(?:last\s+updated|published|date\s+of\s+publication)\b", re.I)


def is_question(line: Line) -> bool:
    text = line.text
    return (
        line.marker is None
        and text.endswith("?")
        and len(text) < 300
        and len(text.split()) >= 4
        and text[:1].isupper()
    )


def is_metadata(text: str) -> bool:
    """ "Last updated …", "Published …": skipped while waiting for a question's grade."""
    return bool(_SKIPPED_METADATA.match(text))


def grade_line(text: str) -> str | None:
    """The judgement when the line is nothing but a grade ("Good", "Requires improvement.")."""
    return next((g for g in JUDGEMENTS if g.lower() == text.lower().rstrip(".")), None)


def prose_grade(text: str) -> str | None:
    """A grade stated in a sentence: "Leadership … is good at …" → "Good"."""
    match = _PROSE_JUDGEMENT.search(text)
    return _canonical_grade(match[1] or match[2]) if match else None


def _canonical_grade(word: str) -> str:
    word = collapse(word).lower()
    return "Requires improvement" if word.startswith("require") else word.capitalize()

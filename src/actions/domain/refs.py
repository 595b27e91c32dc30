"""Human refs: ``NOR-2018-AFI-03`` = body, year, kind, number within the inspection."""

from __future__ import annotations

import re

from actions.domain.vocabulary import KIND_CODES, Kind


def body_code(body: str) -> str:
    """Three letters from the body's name: "Northamptonshire Police" → "NOR"."""
    letters = re.sub(r"[^A-Za-z]", "", body.split()[0] if body.split() else "")
    return (letters[:3] or "INS").upper().ljust(3, "X")


def inspection_code(body: str, year: int | None, taken: set[str]) -> str:
    """A code not in ``taken``; a second inspection of the same body and year gets B, C, ..."""
    base = f"{body_code(body)}-{year}" if year else body_code(body)
    if base not in taken:
        return base
    for suffix in "BCDEFGHJKLMNPQRSTUVWXYZ":
        if base + suffix not in taken:
            return base + suffix
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def action_ref(code: str, kind: Kind | str, number: int) -> str:
    return f"{code}-{KIND_CODES[Kind(kind)]}-{number:02d}"


_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|cf|no|para|paras|vs)\.", re.IGNORECASE)


def short_title(text: str, limit: int = 120) -> str:
    """A title for an action: the finding's first sentence, cut at a word boundary."""
    text = " ".join(text.split())
    guarded = _ABBREVIATIONS.sub(lambda m: m.group(1) + "\x00", text)
    first = re.split(r"(?<=[.!?])\s", guarded, maxsplit=1)[0].rstrip(".;:").replace("\x00", ".")
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;") + "…"

"""Rows of reader text before they are classified: page furniture (running heads, page
numbers), contents lists and sections that hold no new findings, and table rows (a row that
wrapped over printed lines, which columns a header names). Plain strings in, plain strings out.
"""

from __future__ import annotations

import itertools
import math
import re

HEADING_MARK = re.compile(r"^(#{1,6})\s+(\S.*)$")  # "## text": a heading from the reader


def collapse(text: str) -> str:
    return " ".join(text.split())


_PAGE_LINES = 8  # fewer lines than this between two numbers: not page numbers


_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?\s*$", re.I)


def drop_repeated_heads(rows: list[str]) -> list[str]:
    """A running head of two lines, one with a date or page number ("Inspection report:
    Ashgrove Academy" / "5 and 6 March 2024   3"), met again pages later: page furniture.
    Two short lines must repeat together, so a heading with its grade ("Requires improvement"
    / "Areas for improvement") is never taken for one."""
    filled = [n for n, row in enumerate(rows) if row.strip()]
    pairs: dict[tuple[str, str], list[int]] = {}
    for a, b in itertools.pairwise(filled):
        first, second = _furniture_key(rows[a]), _furniture_key(rows[b])
        if _lettered(first) and _lettered(second) and "0" in first + second:
            pairs.setdefault((first, second), []).append(a)
    drop: set[int] = set()
    for starts in pairs.values():
        if len(starts) >= 2 and starts[-1] - starts[0] >= _PAGE_LINES:
            for start in starts:
                drop.update((start, filled[filled.index(start) + 1]))
    return ["" if n in drop else row for n, row in enumerate(rows)]


def _lettered(key: str) -> bool:
    """Words, not a bare number (a list item's number repeats beside its status words)."""
    return sum(c.isalpha() for c in key) >= 3


def drop_running_heads(rows: list[str]) -> list[str]:
    """Text copied from a PDF keeps each page's running head beside its page number: a line
    that stands next to a page number on two pages or more is page furniture there (blanked,
    so line numbers stay true). The same words elsewhere (a heading) are kept."""
    filled = [n for n, row in enumerate(rows) if row.strip()]
    place = {n: k for k, n in enumerate(filled)}  # distances count lines with text only
    candidates = [n for n in filled if _PAGE_NUMBER_LINE.match(rows[n])]
    # Pages are long: numbers a few lines apart number list items (a register's "1", "2").
    numbers = [
        n
        for k, n in enumerate(candidates)
        if (k == 0 or place[n] - place[candidates[k - 1]] >= _PAGE_LINES)
        and (k + 1 == len(candidates) or place[candidates[k + 1]] - place[n] >= _PAGE_LINES)
    ]
    if len(numbers) < 2:
        return rows
    near: dict[str, set[int]] = {}
    for number in numbers:
        at = place[number]
        for n in filled[max(0, at - 2) : at + 3]:
            key = _furniture_key(rows[n])
            if key and n not in numbers:
                near.setdefault(key, set()).add(n)
    pages_with = {key: len({_nearest(numbers, n) for n in spots}) for key, spots in near.items()}
    # By most page numbers, not by some: a heading that twice opens a page is not furniture.
    enough = max(2, math.ceil(len(numbers) * 0.6))
    drop = {n for key, spots in near.items() if pages_with[key] >= enough for n in spots}
    drop |= {_nearest(numbers, n) for n in drop}  # and the page numbers they stand by
    return ["" if n in drop else row for n, row in enumerate(rows)]


def _furniture_key(row: str) -> str:
    """The line with its numbers as ``0`` (pages and dates change, the head does not); empty
    for what is no running head: a heading mark (``##``), a sentence, a long line."""
    text = collapse(row)
    if not text or text.startswith("#") or len(text.split()) > 14:
        return ""
    if text.endswith((".", ";", ",")):
        return ""
    return re.sub(r"\d+", "0", text.lower())


def _nearest(numbers: list[int], n: int) -> int:
    return min(numbers, key=lambda m: abs(m - n))


def strip_source_line(text: str) -> str:
    """The corpus convention: a first line ``SOURCE: <address>`` is provenance, not report."""
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    return rest if first.startswith("SOURCE:") else text


_CONTENTS = re.compile(
    r"^(?:#{1,6}\s+)?(?:(?:table\s+of\s+)?contents|on\s+this\s+page|in\s+this\s+report)\s*:?$", re.I
)


_ENTRY_MARK = re.compile(r"^(?:[•·\-–*]\s*|\(?\d{1,3}(?:\.\d{1,3})*[.)]?\s+)")  # "2. ", "• "
_PAGE_REF = re.compile(r"(?:\s*\.{2,})?\s*\d{1,3}$")  # "Overall summary ..... 2"


def drop_contents(rows: list[str]) -> list[str]:
    """A contents list names the report's headings ("2. Causes of concern"): blanked, so they
    open no list of findings. It ends at the first heading, table or sentence. Only where the
    reader marked headings (HTML, Word, PDF): in plain text nothing marks where it ends."""
    if not any(HEADING_MARK.match(row) for row in rows):
        return rows
    rows = list(rows)
    n = 0
    while n < len(rows):
        n += 1
        if not _CONTENTS.match(rows[n - 1].strip()):
            continue
        while n < len(rows) and _contents_entry(rows[n]):
            rows[n] = "\f" * rows[n].count("\f")  # page breaks still count pages
            n += 1
    return rows


_GLOSSARY = re.compile(r"^#{1,6}\s+.*\b(?:glossary|definitions|key\s+terms|terms\s+used)\b", re.I)
_NOT_FINDINGS = re.compile(
    # A glossary defines the words ("Recommendation: what we think the prison should do").
    r"^#{1,6}\s+(?:(?:appendix|annex)\s+\S+\s*[:.–-]?\s+)?(?:glossary|definitions|key\s+terms"
    r"|terms\s+used|abbreviations)\b"
    # Progress on an earlier report's findings ("Actions completed from previous inspections",
    # "Progress on recommendations from the last inspection"): old findings, not new ones.
    r"|^#{1,6}\s+(?=.*\b(?:progress|completed|closed|achieved)\b)(?=.*\b(?:(?:previous|last|earlier"
    r"|prior)\s+(?:inspections?|reports?|visits?|areas|recommendations|causes)|since\s+(?:our|the)"
    r"\s+last|(?:from|of)\s+(?:our|the|its)\s+(?:\d{4}(?:/\d{2,4})?|first)\s+inspection)\b)"
    # "Progress against the key concerns and recommendations" (a review of earlier findings)
    r"|^#{1,6}\s+(?:section\s+\d+\s+)?progress\s+(?:against|on|since|made\s+(?:on|against))\b"
    r"|^#{1,6}\s+(?:\d+\.?\s+)?(?:previous|earlier|prior)\s+(?:areas|recommendations|causes"
    r"|requirements)\b",
    re.I,
)


# A sub-heading that names findings ("Area for development 2") starts new ones even inside
# such a section; "What we found" under an earlier recommendation does not.
_NAMES_FINDINGS = re.compile(
    r"(?:areas?|aspects?)\s+for\s+(?:improvement|development)|recommendations?\b"
    r"|causes?\s+of\s+concern|(?:new\s+)?(?:key|priority)\s+concerns?",
    re.I,
)


def drop_sections_without_findings(rows: list[str]) -> list[str]:
    """Sections that hold no new findings (a glossary, progress on the last inspection's
    findings) are blanked to the next heading of their level or higher, or one that names
    findings. Only where the reader marked headings (HTML, Word, PDF), so plain text, whose
    headings are not marked, never loses more than those."""
    rows = list(rows)
    level = 0  # the blanked section's heading level; 0: not in one
    names = False  # a sub-heading naming findings ends it (not in a glossary: it defines them)
    for n, row in enumerate(rows):
        mark = HEADING_MARK.match(row.strip())
        ends = mark and (
            not level or len(mark[1]) <= level or (names and _NAMES_FINDINGS.match(mark[2]))
        )
        if mark and ends:
            level = len(mark[1]) if _NOT_FINDINGS.match(row.strip()) else 0
            names = bool(level) and not _GLOSSARY.match(row.strip())
        elif level:
            rows[n] = "\f" * row.count("\f")
    return rows


def _contents_entry(row: str) -> bool:
    text = row.replace("\f", "").strip()
    if not text:
        return True
    if text.startswith(("#", "|")):
        return False
    text = _PAGE_REF.sub("", _ENTRY_MARK.sub("", text)).strip()
    return len(text.split()) <= 30 and not text.endswith((".", ";", ":", "!", ","))


def _cells(row: str) -> list[str] | None:
    if not row.lstrip().startswith("|") or is_table_rule(row):
        return None
    return [collapse(cell) for cell in row.strip().strip("|").split("|")]


def join_wrapped_rows(rows: list[str]) -> list[str]:
    """A table cell that wraps in a PDF gives a row of its own: "|  | suspicion of a … |" under
    "| 1 | By 31 March 2025, chief constables should … arrested on |". Such a row is joined to the
    row above (and blanked, so line numbers stay true)."""
    rows = list(rows)
    above = None  # index of the last row that took text, and its cells
    for n, row in enumerate(rows):
        cells = _cells(row)
        if cells is None:
            above = None if row.strip() else above
            continue
        if above is not None and _continues_row(above[1], cells):
            joined = [collapse(f"{a} {b}") for a, b in zip(above[1], cells, strict=True)]
            rows[above[0]] = "| " + " | ".join(joined) + " |"
            rows[n] = ""
            above = (above[0], joined)
        else:
            above = (n, cells)
    return rows


def _continues_row(above: list[str], cells: list[str]) -> bool:
    """A wrapped row leaves a cell empty that the row above filled (its number, its status), and
    each text it has carries on a cell above: it starts in lower case, or that cell stopped
    without punctuation. A row whose first cell is an id or a capitalised text is a new row."""
    if len(above) != len(cells) or not any(cells):
        return False
    if not any(a and not c for a, c in zip(above, cells, strict=True)):
        return False
    if cells[0] and not cells[0][:1].islower():
        return False
    if any(ROW_ID.fullmatch(c) for c in cells if c):
        return False  # "|  | R2 | … |": a row of its own under a cell that spans rows
    return all(
        not c or (a and (c[:1].islower() or not a.endswith((".", "!", "?", ":", ";"))))
        for a, c in zip(above, cells, strict=True)
    )


def is_table_rule(row: str) -> bool:
    return bool(re.fullmatch(r"\s*\|?[\s:|-]*-{3,}[\s:|-]*\|?\s*", row))


def is_table_header(rows: list[str], index: int) -> bool:
    """A Markdown table's header row is the one directly above its ``|---|`` rule."""
    nxt = rows[index + 1] if index + 1 < len(rows) else ""
    return rows[index].lstrip().startswith("|") and is_table_rule(nxt)


ROW_ID = re.compile(
    r"[A-Z][A-Za-z]{0,2}\s?\d{1,4}|\d{1,4}|[A-Z]{0,3}\d{1,2}\.\d{1,3}"
)  # 7, R1, AFI 3, CoC 1, 2.14


def concern_columns(header: str) -> tuple[int, int] | None:
    """ "| Cause of concern | Ref | Recommendation | By when |": both columns' indexes."""
    cells = [collapse(cell).lower() for cell in header.strip().strip("|").split("|")]
    concern = [n for n, c in enumerate(cells) if re.fullmatch(r"causes?\s+of\s+concern", c)]
    recommendation = [n for n, c in enumerate(cells) if re.fullmatch(r"recommendations?", c)]
    return (concern[0], recommendation[0]) if concern and recommendation else None

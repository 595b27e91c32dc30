"""Report text → classified lines: noise dropped, list markers and references parsed off.

Every reader produces plain text with one paragraph (or list item, or table row) per line; this
module turns that into :class:`Line` objects the parser can reason about without caring which
marker style a given inspectorate or website used.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace
from datetime import date

from actions.intake.extract.dates import deadline_group

# Register pages wrap their status history in forum-like markup; "[comment]" bodies span lines
# and a truncated page may leave one open.
_COMMENT = re.compile(r"\[comment\].*?(?:\[/comment\]|\Z)", re.S | re.I)
_STATUS_SPAN = re.compile(r"\[on\].*?(?:\[/on\]|\Z)", re.S | re.I)
_LEFTOVER_TAG = re.compile(r"\[/?(?:on|status|comment)\]", re.I)
STATUS_BLOCK = "\x00status-block"

_HEADING_MARK = re.compile(r"^(#{1,6})\s+(\S.*)$")  # "## text": a heading from the reader
# Bullets: the usual glyphs plus whole classes that only ever mark list items at a line's start:
# private-use glyphs (Symbol/Wingdings bullets in PDFs), geometric shapes, dingbats, arrows.
_BULLET_CHARS = "•●▪◦‣⁃·\u25a0-\u25ff\u2700-\u27bf\u2190-\u21ff\ue000-\uf8ff"
_BULLET = re.compile(rf"^(?:[{_BULLET_CHARS}]\s*|[-*–−]\s+)")
_INLINE_BULLET = re.compile(r"\s+[•●▪◦‣■◼►➢\ue000-\uf8ff]\s*")
_MULTI_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,3})\.?\s+(?=\S)")  # 7.1, 14.2.1
_SINGLE_NUMBER = re.compile(r"^\(?(\d{1,3})[.)]\s+(?=\S)")  # 1. / 1) / (1)
_LETTER = re.compile(r"^\(?([a-z]|[ivx]{1,4})\)\s+(?=\S)")  # (a) / a) / (iv)
_LABEL = re.compile(
    r"^(recommendation|area\s+for\s+(?:improvement|development)|afi|cause\s+of\s+concern|suggestion)"
    # "Recommendation 3", "AFI 2.1", "Recommendation A" (a capital letter, never "a")
    r"\s*(?P<ref>\d{1,3}(?:\.\d{1,3})?|(?-i:[A-Z])\b)\s*[:.\-–]?\s*(?=\S|$)",
    re.I,
)
_CODE = re.compile(r"^([A-Z]{1,3}\d{1,3})(?:[.:)]\s*|\s+)(?=[A-Z(‘'\"])")  # R1, T10, AFI3
_REGISTER_START = re.compile(r"^\((\d{4,6})\)\s+(?=\S)")  # (8770) text
_REGISTER_END = re.compile(r"\s*\((\d{4,6})\)$")  # Title of the report (6955)
_NUMBER_ALONE = re.compile(r"^(?:[A-Z]{1,3})?\d{1,3}\.?$")

_NOISE = re.compile(
    r"^(?:skip\s+to\s+(?:main\s+)?content|please\s+wait|listen|print|share|back\s+to\s+top"
    r"|(?:error\s+)?404\b.*|page\s+not\s+found|cookies?\b.*\baccept.*|menu|search"
    r"|\d+\s+of\s+\d+\s+(?:implemented|achieved|completed|met)"
    r"|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)$",
    re.I,
)
_NAV = re.compile(r"\b(?:previous|prev)\b.*\bnext\b", re.I)
# Single words trackers and legends put on a line of their own ("• Implemented").
STATUS_WORDS = frozenset(
    s.lower()
    for s in (
        "Implemented",
        "Not implemented",
        "Partially implemented",
        "Achieved",
        "Partially achieved",
        "Not achieved",
        "Completed",
        "Complete",
        "Superseded",
        "In progress",
        "Open",
        "Closed",
        "Ongoing",
        "Not started",
        "Awaiting review",
        "Being progressed",
        "No further action needed",
    )
)
_STATUS_LINE = re.compile(r"^(?:action|status|progress|rag)\s*:\s*[\w\s-]{1,30}$", re.I)


@dataclass(frozen=True)
class Line:
    """One paragraph of report text with its list marker (if any) parsed off."""

    text: str
    marker: str | None = None  # "bullet", "number", "letter", "label", "code", "register"
    reference: str | None = None
    number_alone: bool = False  # "1" on its own line: the number of the next item
    status_block: bool = False  # where register status markup stood
    register_title: bool = False  # "Some report (6955)": the id of the next item
    label: str | None = None  # the word of a label marker: "recommendation", "afi", ...
    heading: int | None = None  # a typographic heading's level (1 = top), from "## text"
    page: int | None = None  # the PDF page the line stands on
    lineno: int = 0  # the line of the reader's text it came from (1-based)
    #: A tracker row's deadline from a column of its own ("Timescale: By 31 March 2025").
    due: tuple[date | None, str] | None = None

    @property
    def where(self) -> str:
        """Where a person finds this line: "page 4" in a PDF, "line 12" otherwise."""
        return f"page {self.page}" if self.page else f"line {self.lineno}"


def collapse(text: str) -> str:
    return " ".join(text.split())


def plain_words(text: str) -> list[str]:
    """The words of ``text`` in lower case, punctuation read as spaces: how two spellings of
    the same thing compare."""
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def prepare_lines(text: str) -> list[Line]:
    """Split report text into classified lines, dropping noise and empty lines."""
    text = _strip_source_line(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _replace_status_markup(text)
    rows = _drop_sections_without_findings(_drop_contents(_join_wrapped_rows(text.split("\n"))))
    raw = _drop_repeated_heads(_drop_running_heads(rows))
    paged = "\f" in text
    page = 1
    lines: list[Line] = []
    column: int | None = None  # the findings column of the table being read, by its header
    pair: tuple[int, int] | None = None  # its cause-of-concern and recommendation columns
    for index, row in enumerate(raw):
        if "\f" in row:  # a page break (the PDF reader, pdftotext)
            page += row.count("\f")
            row = row.replace("\f", "")
        at_page, lineno = (page if paged else None), index + 1
        if _is_table_header(raw, index):
            named, column = _findings_column(row)
            pair = _concern_columns(row)
            if pair is None:
                lines.extend(replace(ln, page=at_page, lineno=lineno) for ln in named)
            continue
        if row.strip() and not row.lstrip().startswith("|"):
            column = pair = None
        if pair is not None and not _is_table_rule(row):
            concern_lines = _concern_row(row, pair)
            lines.extend(replace(ln, page=at_page, lineno=lineno) for ln in concern_lines)
            continue
        if _is_table_rule(row):
            continue
        row = row.replace("\xa0", " ").strip()
        level = None
        if heading := _HEADING_MARK.match(row):
            level, row = len(heading[1]), heading[2]
        for piece in _split_inline_bullets(row) if level is None else [row]:
            line = classify(piece, column)
            if line is not None:
                lines.append(replace(line, heading=level, page=at_page, lineno=lineno))
    return lines


def classify(piece: str, column: int | None = None) -> Line | None:
    """One stripped piece of text → a Line, or None when it is noise. ``column``: a table's
    findings column, when its header named one."""
    if piece == STATUS_BLOCK:
        return Line("", status_block=True)
    if piece.startswith("|"):
        return _table_row(piece, column)
    text = collapse(piece)
    if not text or is_noise(text):
        return None
    if _NUMBER_ALONE.match(text):
        return Line("", reference=text.rstrip("."), number_alone=True)
    return parse_marker(text)


def is_noise(text: str) -> bool:
    """Site furniture and status legends that never carry a finding."""
    bare = _BULLET.sub("", text).strip()
    if not bare or _NOISE.match(bare) or bare.lower().rstrip(".") in STATUS_WORDS:
        return True
    if _STATUS_LINE.match(bare):
        return True
    return len(bare.split()) <= 10 and bool(_NAV.search(bare)) and "contents" in bare.lower()


def parse_marker(text: str) -> Line:
    """Take a list marker or reference off the front of ``text`` (already collapsed)."""
    if m := _BULLET.match(text):
        return Line(text[m.end() :].strip(), marker="bullet")
    if m := _REGISTER_START.match(text):
        return Line(text[m.end() :], marker="register", reference=m[1])
    if (m := _REGISTER_END.search(text)) and not 1990 <= int(m[1]) <= 2040:
        return Line(text[: m.start()], reference=m[1], register_title=True)
    if m := _LABEL.match(text):
        label = collapse(m[1]).lower()
        return Line(text[m.end() :].strip(), marker="label", reference=m["ref"], label=label)
    for pattern, kind in (
        (_MULTI_NUMBER, "number"),
        (_SINGLE_NUMBER, "number"),
        (_LETTER, "letter"),
        (_CODE, "code"),
    ):
        if m := pattern.match(text):
            return Line(text[m.end() :].strip(), marker=kind, reference=m[1])
    return Line(text)


_PAGE_LINES = 8  # fewer lines than this between two numbers: not page numbers
_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?\s*$", re.I)


def _drop_repeated_heads(rows: list[str]) -> list[str]:
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


def _drop_running_heads(rows: list[str]) -> list[str]:
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


def _strip_source_line(text: str) -> str:
    """The corpus convention: a first line ``SOURCE: <address>`` is provenance, not report."""
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    return rest if first.startswith("SOURCE:") else text


def _replace_status_markup(text: str) -> str:
    if "[on]" not in text.lower() and "[comment]" not in text.lower():
        return text
    text = _COMMENT.sub("", text)
    text = _STATUS_SPAN.sub(f"\n{STATUS_BLOCK}\n", text)
    return _LEFTOVER_TAG.sub("", text)


def _split_inline_bullets(row: str) -> list[str]:
    """ "a; and • b" → ["a; and", "• b"]: several bullets on one line become several lines."""
    pieces = _INLINE_BULLET.split(row)
    if len(pieces) == 1:
        return [row]
    return [pieces[0]] + ["• " + piece for piece in pieces[1:] if piece.strip()]


_CONTENTS = re.compile(
    r"^(?:#{1,6}\s+)?(?:(?:table\s+of\s+)?contents|on\s+this\s+page|in\s+this\s+report)\s*:?$", re.I
)
_PAGE_REF = re.compile(r"(?:\s*\.{2,})?\s*\d{1,3}$")  # "Overall summary ..... 2"


def _drop_contents(rows: list[str]) -> list[str]:
    """A contents list names the report's headings ("2. Causes of concern"): blanked, so they
    open no list of findings. It ends at the first heading, table or sentence. Only where the
    reader marked headings (HTML, Word, PDF): in plain text nothing marks where it ends."""
    if not any(_HEADING_MARK.match(row) for row in rows):
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


_NOT_FINDINGS = re.compile(
    # A glossary defines the words ("Recommendation: what we think the prison should do").
    r"^#{1,6}\s+(?:(?:appendix|annex)\s+\S+\s*[:.–-]?\s+)?(?:glossary|definitions|key\s+terms"
    r"|terms\s+used|abbreviations)\b"
    # Progress on an earlier report's findings ("Actions completed from previous inspections",
    # "Progress on recommendations from the last inspection"): old findings, not new ones.
    r"|^#{1,6}\s+(?=.*\b(?:progress|completed|closed|achieved)\b)(?=.*\b(?:(?:previous|last|earlier"
    r"|prior)\s+(?:inspections?|reports?|visits?|areas|recommendations|causes)|since\s+(?:our|the)"
    r"\s+last)\b)"
    r"|^#{1,6}\s+(?:\d+\.?\s+)?(?:previous|earlier|prior)\s+(?:areas|recommendations|causes"
    r"|requirements)\b",
    re.I,
)


def _drop_sections_without_findings(rows: list[str]) -> list[str]:
    """Sections that hold no new findings (a glossary, progress on the last inspection's
    findings) are blanked to the next heading. Only where the reader marked headings (HTML,
    Word, PDF), so plain text, whose headings are not marked, never loses more than those."""
    rows = list(rows)
    inside = False
    for n, row in enumerate(rows):
        if row.lstrip().startswith("#"):
            inside = bool(_NOT_FINDINGS.match(row.strip()))
        elif inside:
            rows[n] = "\f" * row.count("\f")
    return rows


def _contents_entry(row: str) -> bool:
    text = row.replace("\f", "").strip()
    if not text:
        return True
    if text.startswith(("#", "|")):
        return False
    text = _PAGE_REF.sub("", parse_marker(text).text).strip()
    return len(text.split()) <= 30 and not text.endswith((".", ";", ":", "!", ","))


def _cells(row: str) -> list[str] | None:
    if not row.lstrip().startswith("|") or _is_table_rule(row):
        return None
    return [collapse(cell) for cell in row.strip().strip("|").split("|")]


def _join_wrapped_rows(rows: list[str]) -> list[str]:
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
    if any(_ROW_ID.fullmatch(c) for c in cells if c):
        return False  # "|  | R2 | … |": a row of its own under a cell that spans rows
    return all(
        not c or (a and (c[:1].islower() or not a.endswith((".", "!", "?", ":", ";"))))
        for a, c in zip(above, cells, strict=True)
    )


def _is_table_rule(row: str) -> bool:
    return bool(re.fullmatch(r"\s*\|?[\s:|-]*-{3,}[\s:|-]*\|?\s*", row))


def _is_table_header(rows: list[str], index: int) -> bool:
    """A Markdown table's header row is the one directly above its ``|---|`` rule."""
    nxt = rows[index + 1] if index + 1 < len(rows) else ""
    return rows[index].lstrip().startswith("|") and _is_table_rule(nxt)


# What reports call their findings (a table column, a note that findings carry over).
FINDING_NAMES = r"recommendations?|areas?\s+for\s+improvement|afis?|causes?\s+of\s+concern"
# A tracker's header names the column that holds its findings: "| Ref | Recommendation | Owner |".
_FINDINGS_COLUMN = re.compile(
    # "Ref Recommendation": a PDF may set the id column's header too close to split off.
    rf"^(?:(?:ref|no|id|number|#)\.?\s+)?({FINDING_NAMES})$",
    re.I,
)


def _findings_column(row: str) -> tuple[list[Line], int | None]:
    """The findings column's name as a heading line, so the rows below read as its items, and
    the column's index."""
    cells = [collapse(cell) for cell in row.strip().strip("|").split("|")]
    names = [
        (len(m[1]), n, m[1]) for n, cell in enumerate(cells) if (m := _FINDINGS_COLUMN.match(cell))
    ]
    if not names:
        return [], None
    # "| AFI | Area for improvement | Owner |": the spelled-out name is the text column's.
    _, index, name = max(names)
    return [Line(name)], index


_ROW_ID = re.compile(r"[A-Z]{0,3}\s?\d{1,4}|[A-Z]{0,3}\d{1,2}\.\d{1,3}")  # 7, R1, AFI 3, 2.14


def _concern_columns(header: str) -> tuple[int, int] | None:
    """ "| Cause of concern | Ref | Recommendation | By when |": both columns' indexes."""
    cells = [collapse(cell).lower() for cell in header.strip().strip("|").split("|")]
    concern = [n for n, c in enumerate(cells) if re.fullmatch(r"causes?\s+of\s+concern", c)]
    recommendation = [n for n, c in enumerate(cells) if re.fullmatch(r"recommendations?", c)]
    return (concern[0], recommendation[0]) if concern and recommendation else None


def _concern_row(row: str, pair: tuple[int, int]) -> list[Line]:
    """A row of a concern's recommendations; the concern's cell spans its rows, so it is empty
    (or absent) in all but the first. Read as the report would print them: the concern, then
    its recommendations under it."""
    every = [collapse(cell) for cell in row.strip().strip("|").split("|")]
    concern = every[pair[0]] if pair[0] < len(every) else ""
    rest = "| " + " | ".join(c for n, c in enumerate(every) if n != pair[0]) + " |"
    recommendation = _table_row(rest, pair[1] - (pair[0] < pair[1]))
    lines = [Line("Cause of concern"), Line(concern, marker="row")] if concern else []
    if recommendation is not None and recommendation.text:
        lines += [Line("Recommendations"), recommendation]
    return lines


def _table_row(row: str, column: int | None = None) -> Line | None:
    """``| T1 | text | addressee | status |`` → the text cell (the findings column the header
    named, else the longest: "What we found" beside it may be longer), numbered by the id cell."""
    every = [collapse(cell) for cell in row.strip().strip("|").split("|")]
    cells = [cell for cell in every if cell]
    if not cells:
        return None
    named = every[column] if column is not None and column < len(every) else ""
    text = named or max(cells, key=len)
    ref = next((c for c in cells if c != text and _ROW_ID.fullmatch(c)), None)
    line = parse_marker(text)
    due = next((group for c in cells if c != text and (group := deadline_group(c))), None)
    if due:
        line = replace(line, due=due)
    if ref and line.reference is None:
        return Line(line.text, marker="code", reference=ref, due=due)
    if line.marker is None and len(line.text.split()) > 3:
        # A row is an item of its own, like a list item; short cells are headers or grades.
        return Line(line.text, marker="row")
    return line

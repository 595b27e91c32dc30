"""Report text → classified lines: noise dropped, list markers and references parsed off.

Every reader produces plain text with one paragraph (or list item, or table row) per line; this
module turns that into :class:`Line` objects the parser can reason about without caring which
marker style a given inspectorate or website used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from actions.intake.extract.dates import deadline_group, parse_calendar
from actions.intake.extract.page_rows import (
    HEADING_MARK,
    ROW_ID,
    collapse,
    concern_columns,
    drop_contents,
    drop_repeated_heads,
    drop_running_heads,
    drop_sections_without_findings,
    is_table_header,
    is_table_rule,
    join_wrapped_rows,
    strip_source_line,
)

__all__ = ["FINDING_NAMES", "Line", "collapse", "parse_marker", "plain_words", "prepare_lines"]

# Register pages wrap their status history in forum-like markup; "[comment]" bodies span lines
# and a truncated page may leave one open.
_COMMENT = re.compile(r"\[comment\].*?(?:\[/comment\]|\Z)", re.S | re.I)
_STATUS_SPAN = re.compile(r"\[on\].*?(?:\[/on\]|\Z)", re.S | re.I)
_LEFTOVER_TAG = re.compile(r"\[/?(?:on|status|comment)\]", re.I)
STATUS_BLOCK = "\x00status-block"

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
    r"|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?"
    # a site's footer links
    r"|accessibility(?:\s+statement)?|cookies|privacy(?:\s+(?:notice|policy))?|contact\s+us"
    r"|terms\s+and\s+conditions|sitemap|feedback)$",
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


def plain_words(text: str) -> list[str]:
    """The words of ``text`` in lower case, punctuation read as spaces: how two spellings of
    the same thing compare."""
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def prepare_lines(text: str) -> list[Line]:
    """Split report text into classified lines, dropping noise and empty lines."""
    text = strip_source_line(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _replace_status_markup(text)
    rows = drop_sections_without_findings(drop_contents(join_wrapped_rows(text.split("\n"))))
    raw = drop_repeated_heads(drop_running_heads(rows))
    paged = "\f" in text
    page = 1
    lines: list[Line] = []
    table = _Table()  # what the header of the table being read said about its columns
    for index, row in enumerate(raw):
        if "\f" in row:  # a page break (the PDF reader, pdftotext)
            page += row.count("\f")
            row = row.replace("\f", "")
        at_page, lineno = (page if paged else None), index + 1
        if is_table_header(raw, index):
            table = _Table.of(row)
            lines.extend(replace(ln, page=at_page, lineno=lineno) for ln in table.opening())
            continue
        if row.strip() and not row.lstrip().startswith("|"):
            table = _Table()
        if is_table_rule(row):
            continue
        if table.reads_rows_itself:
            lines.extend(replace(ln, page=at_page, lineno=lineno) for ln in table.rows(row))
            continue
        row = row.replace("\xa0", " ").strip()
        level = None
        if heading := HEADING_MARK.match(row):
            level, row = len(heading[1]), heading[2]
        for piece in _split_inline_bullets(row) if level is None else [row]:
            line = classify(piece, table.column, table.due_column)
            if line is not None:
                lines.append(replace(line, heading=level, page=at_page, lineno=lineno))
    return lines


def classify(piece: str, column: int | None = None, due_column: int | None = None) -> Line | None:
    """One stripped piece of text → a Line, or None when it is noise. ``column``: a table's
    findings column, when its header named one."""
    if piece == STATUS_BLOCK:
        return Line("", status_block=True)
    if piece.startswith("|"):
        return _table_row(piece, column, due_column)
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


# What reports call their findings (a table column, a note that findings carry over).
FINDING_NAMES = r"recommendations?|areas?\s+for\s+improvement|afis?|causes?\s+of\s+concern"
# A tracker's header names the column that holds its findings: "| Ref | Recommendation | Owner |".
_FINDINGS_COLUMN = re.compile(
    # "Ref Recommendation": a PDF may set the id column's header too close to split off.
    rf"^(?:(?:ref|no|id|number|#)\.?\s+)?({FINDING_NAMES}|improvements?\s+(?:needed|required))$",
    re.I,
)


@dataclass(frozen=True)
class _Table:
    """What a table's header row says about its columns (all None: no header, or not a table)."""

    named: tuple[Line, ...] = ()  # the findings column's name, as a heading line
    column: int | None = None  # the findings column
    due_column: int | None = None  # its timescale column
    pair: tuple[int, int] | None = None  # cause-of-concern and recommendation columns
    typed: tuple[int, int] | None = None  # a type column ("Area for improvement", …) and text

    @classmethod
    def of(cls, header: str) -> _Table:
        named, column = _findings_column(header)
        pair = concern_columns(header)
        typed = None if pair or column is not None else _typed_columns(header)
        return cls(tuple(named), column, _due_column(header), pair, typed)

    @property
    def reads_rows_itself(self) -> bool:
        """Rows that carry their own kinds (a type column, concerns beside recommendations)."""
        return self.pair is not None or self.typed is not None

    def opening(self) -> tuple[Line, ...]:
        """The heading the rows below read under (none where each row names its kind)."""
        return () if self.reads_rows_itself else self.named

    def rows(self, row: str) -> list[Line]:
        if self.typed is not None:
            return _typed_row(row, self.typed, self.due_column)
        assert self.pair is not None
        return _concern_row(row, self.pair)


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


_TYPE_COLUMN = re.compile(r"(?:finding\s+)?(?:type|kind|category)", re.I)
_TEXT_COLUMN = re.compile(r"findings?|description|issue|text|detail", re.I)
_KIND_CELL = re.compile(
    r"^(?:(?P<coc>causes?\s+of\s+concern)|(?P<afi>areas?\s+for\s+(?:improvement|development)|afi)"
    r"|(?P<rec>recommendations?))$",
    re.I,
)


def _typed_columns(header: str) -> tuple[int, int] | None:
    """ "| Type | Ref | Finding | Lead |": a plan whose rows say what kind each finding is."""
    cells = [collapse(cell) for cell in header.strip().strip("|").split("|")]
    kind = next((n for n, c in enumerate(cells) if _TYPE_COLUMN.fullmatch(c)), None)
    text = next((n for n, c in enumerate(cells) if _TEXT_COLUMN.fullmatch(c)), None)
    return (kind, text) if kind is not None and text is not None else None


def _typed_row(row: str, typed: tuple[int, int], due_column: int | None) -> list[Line]:
    """A row whose type cell names its kind: that kind's heading, then the row's finding."""
    every = [collapse(cell) for cell in row.strip().strip("|").split("|")]
    kind = _KIND_CELL.match(every[typed[0]]) if typed[0] < len(every) else None
    if kind is None:  # not a finding's row (a note, a total): nothing to track
        return []
    name = (
        "Cause of concern"
        if kind["coc"]
        else "Recommendation"
        if kind["rec"]
        else "Area for improvement"
    )
    found = _table_row(row, typed[1], due_column)
    return [Line(name), found] if found is not None and found.text else []


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


_DUE_COLUMN = re.compile(
    r"(?:timescales?|deadline|target(?:\s+date)?|due(?:\s+date)?|by\s+when|date\s+due"
    r"|(?:target\s+)?completion\s+date)",
    re.I,
)


def _due_column(header: str) -> int | None:
    cells = [collapse(cell) for cell in header.strip().strip("|").split("|")]
    return next((n for n, cell in enumerate(cells) if _DUE_COLUMN.fullmatch(cell)), None)


def _stated_due(cell: str) -> tuple[date | None, str] | None:
    """A timescale column's cell: "By 31 March 2025", "Within 3 months", "Immediate", or a bare
    date ("31 May 2025", which reads as "by")."""
    group = deadline_group(cell)
    if group is None and cell.strip(" .").lower() == "immediate":
        return None, cell
    if group is None and len(cell.split()) <= 4 and (day := parse_calendar(cell)) is not None:
        return day, cell
    return group


def _table_row(row: str, column: int | None = None, due_column: int | None = None) -> Line | None:
    """``| T1 | text | addressee | status |`` → the text cell (the findings column the header
    named, else the longest: "What we found" beside it may be longer), numbered by the id cell."""
    every = [collapse(cell) for cell in row.strip().strip("|").split("|")]
    cells = [cell for cell in every if cell]
    if not cells:
        return None
    named = every[column] if column is not None and column < len(every) else ""
    text = named or max(cells, key=len)
    due = next((group for c in cells if c != text and (group := deadline_group(c))), None)
    if due is None and due_column is not None and due_column < len(every):
        due = _stated_due(every[due_column])
    ref = next((c for c in cells if c != text and ROW_ID.fullmatch(c)), None)
    line = parse_marker(text)
    if due:
        line = replace(line, due=due)
    if ref and line.reference is None:
        return Line(line.text, marker="code", reference=ref, due=due)
    if line.marker is None and len(line.text.split()) > 3:
        # A row is an item of its own, like a list item; short cells are headers or grades.
        return Line(line.text, marker="row", due=due)
    return line

"""Page lines → report text: columns in reading order, tables, headings ranked into levels,
lines joined into paragraphs and list items (one a line; headings as ``#`` marks)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from actions.intake.extract.pdf.furniture import body_size, drop_footnotes, drop_running_lines
from actions.intake.extract.pdf.model import PdfLine, bullet, starts_item
from actions.intake.extract.pdf.tables import rebuild_tables

PAGE_BREAK = "\f"
_TERMINAL = (".", "!", "?", ":")


def layout_text(pages: list[list[PdfLine]]) -> str:
    """Pages of lines → one paragraph, item or heading per line; pages split by a form feed."""
    pages = drop_running_lines(pages)
    body = body_size(line for page in pages for line in page)
    pages = [drop_footnotes(page, body) for page in pages]
    pages = [_headings_in_place(_margin_numbers(rebuild_tables(page)), body) for page in pages]
    pages = [_with_edges(_rejoin(_column_order(page))) for page in pages]
    levels = _heading_levels(pages, body)
    out: list[_Block | str] = []
    last: _Block | None = None
    for page in pages:
        for block in _blocks(page, body, levels, last):
            if block is not last:  # else the block of the page before carried on here
                out.append(block)
            last = block
        out.append(PAGE_BREAK)
    return "\n".join(item if isinstance(item, str) else item.render() for item in out)


_PARAGRAPH_NUMBER = re.compile(r"\d{1,2}\.\d{1,3}")  # "3.14" set in the margin


def _margin_numbers(page: list[PdfLine]) -> list[PdfLine]:
    """Paragraph numbers set in the margin ("3.14" beside its paragraph's first line) go in
    front of that line, as a numbered paragraph reads in text; alone they read after it."""
    numbers = [ln for ln in page if not ln.table and _PARAGRAPH_NUMBER.fullmatch(ln.text.strip())]
    taken: set[int] = set()
    for number in numbers:
        beside = [
            ln
            for ln in page
            if ln is not number
            and not ln.table
            and ln.left >= number.right + 2
            and abs(ln.top - number.top) <= max(ln.height, number.height, 1.0) * 0.8
        ]
        if beside:
            line = min(beside, key=lambda ln: ln.left)
            line.text = f"{number.text.strip()} {line.text}"
            taken.add(id(number))
    return [ln for ln in page if id(ln) not in taken]


def _headings_in_place(page: list[PdfLine], body: float) -> list[PdfLine]:
    """A heading the producer wrote ahead of text that stands above it on the page (a floated
    or positioned box) is read where it stands: after the last of those lines."""
    page = list(page)
    for heading in [ln for ln in page if _is_heading_line(ln, body)]:
        at = page.index(heading)
        above = [n for n, ln in enumerate(page[at + 1 :], at + 1) if ln.top < heading.top - 1]
        if above:
            page.insert(above[-1] + 1, heading)  # after the last line that stands above it
            del page[at]
    return page


def _with_edges(page: list[PdfLine]) -> list[PdfLine]:
    """Note each line's column edge: a paragraph whose last line reaches it may go on."""
    if not page:
        return page
    middle = page[0].page_width / 2
    sides = {
        side: max((ln.right for ln in page if (ln.left > middle) == side), default=0.0)
        for side in (False, True)
    }
    for line in page:
        line.edge = sides[line.left > middle]
    return page


def _rejoin(page: list[PdfLine]) -> list[PdfLine]:
    """Pieces of one line split at wide gaps that turned out to be neither columns nor a
    table (a stretched justified line) are one line again."""
    out: list[PdfLine] = []
    for line in page:
        previous = out[-1] if out else None
        if previous is not None and line.row and line.row == previous.row:
            if not any(c.isalpha() for c in previous.text):  # a marker: the text sets the type
                previous.top, previous.size, previous.bold = line.top, line.size, line.bold
                previous.height = line.height
            previous.text = f"{previous.text} {line.text}"
            previous.right, previous.end_top = line.right, line.end_top
        else:
            out.append(line)
    return out


def _column_order(page: list[PdfLine]) -> list[PdfLine]:
    """Two-column text is read left column first, then right, between full-width lines."""
    if not page:
        return page
    middle = page[0].page_width / 2
    left = [ln for ln in page if ln.right < middle + 6]
    right = [ln for ln in page if ln.left > middle - 6]
    spanning = [ln for ln in page if ln.left < middle - 6 < middle + 6 < ln.right]
    if len(left) < 6 or len(right) < 6 or len(spanning) > len(page) * 0.3:
        return page
    # Columns start at one edge: most right-hand lines share their left edge.
    starts = Counter(round(ln.left / 3) for ln in right)
    if starts.most_common(1)[0][1] < len(right) * 0.5:
        return page
    ordered: list[PdfLine] = []
    band: list[PdfLine] = []
    for line in sorted(page, key=lambda ln: (ln.top, ln.left)):
        if line.left < middle - 6 < middle + 6 < line.right:  # spans both columns
            ordered.extend(_by_column(band, middle))
            ordered.append(line)
            band = []
        else:
            band.append(line)
    ordered.extend(_by_column(band, middle))
    return ordered


def _by_column(band: list[PdfLine], middle: float) -> list[PdfLine]:
    return sorted(band, key=lambda ln: (ln.left >= middle - 6, ln.top))


# -- headings -----------------------------------------------------------------------------------
def _style(line: PdfLine) -> tuple[float, bool]:
    return round(line.size * 2) / 2, line.bold


def _is_heading_line(line: PdfLine, body: float) -> bool:
    if (
        line.table
        or len(line.text.split()) > 25
        or starts_item(line.text)
        or not any(c.isalpha() for c in line.text)
    ):
        return False
    # Sizes are compared as ratios: the size PDFium reports is the font's nominal size, which
    # producers that scale the text matrix (WeasyPrint) set to a multiple of the printed size.
    return line.size >= body * 1.08 or (line.bold and line.size >= body * 0.95)


def _heading_levels(pages: list[list[PdfLine]], body: float) -> dict[tuple[float, bool], int]:
    """Heading styles ranked: larger first, bold before regular at one size; level 1 is top."""
    styles = {_style(ln) for page in pages for ln in page if _is_heading_line(ln, body)}
    ranked = sorted(styles, key=lambda s: (-s[0], not s[1]))
    return {style: min(n + 1, 6) for n, style in enumerate(ranked)}


# -- blocks -------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Block:
    text: str
    level: int | None  # heading level, or None for a paragraph or list item
    left: float  # where the block's first line starts
    indent: float  # where its wrapped lines start (after a bullet or number)
    last: PdfLine

    def render(self) -> str:
        # A whole sentence set large is a call-out ("By March 2022, the CPS should …"), not a
        # heading; a question set large still is one (PEEL's questions end in "?").
        if self.level and not (self.text.endswith(".") and len(self.text.split()) >= 10):
            return f"{'#' * self.level} {self.text}"
        return self.text

    def add(self, line: PdfLine) -> None:
        self.text = _join(self.text, line.text)
        self.last = line


def _blocks(
    page: list[PdfLine],
    body: float,
    levels: dict[tuple[float, bool], int],
    carried: _Block | None,
) -> list[_Block]:
    """Lines of one page → blocks; the first may continue ``carried`` from the page before."""
    pitch = _line_pitch(page)
    blocks: list[_Block] = []
    current = carried
    for n, line in enumerate(page):
        level = levels.get(_style(line)) if _is_heading_line(line, body) else None
        if current is not None and (n == 0 or line.left > current.last.right):
            # The top of a page or of the next column: only an unfinished paragraph goes on.
            joins = _continues_over_page(current, line, level)
            if joins:  # its lines go on in this column now
                current.left = current.indent = line.left
        else:
            joins = current is not None and _continues(current, line, level, pitch)
        if joins and current is not None:
            current.add(line)
            if not blocks:
                blocks.append(current)
            continue
        current = _start_block(line, level)
        blocks.append(current)
    return blocks


def _start_block(line: PdfLine, level: int | None) -> _Block:
    text = line.text
    indent = line.left
    if level is None and bullet(text):
        text = "• " + text[1:].lstrip()
        indent = line.left + 8
    return _Block(text, level, line.left, indent, line)


def _continues(block: _Block, line: PdfLine, level: int | None, pitch: float) -> bool:
    last = block.last
    if last.table or line.table:
        return False
    gap = line.top - max(last.top, last.end_top)
    if gap <= 0 or not _same_size(line, last):
        return False
    if block.level is not None or level is not None:
        # A heading wrapped onto a second line of the same style.
        return block.level == level and last.bold == line.bold and gap < line.height * 1.5
    if gap > _paragraph_gap(pitch, last.height) or starts_item(line.text):
        return False
    return line.left >= min(block.left, block.indent) - 4


def _paragraph_gap(pitch: float, height: float) -> float:
    """Lines further apart than this are in different paragraphs: a third of a line more than
    the page's wrapped-line spacing, and never more than about one and a half lines."""
    usual = pitch or height * 1.1
    return max(height * 0.9, min(usual * 1.3, height * 1.6))


def _same_size(a: PdfLine, b: PdfLine) -> bool:
    return abs(a.size - b.size) <= max(a.size, b.size) * 0.05


def _continues_over_page(block: _Block, line: PdfLine, level: int | None) -> bool:
    """An unfinished paragraph or item carries on at the top of the next page."""
    if block.level is not None or level is not None or starts_item(line.text):
        return False
    if block.last.table or line.table:
        return False
    if line.text[:1].islower():
        return _same_size(line, block.last)
    # The paragraph ran to the foot of the page mid-sentence: its last line is a full one.
    last = block.last
    full = last.right >= last.edge - (last.edge - block.left) * 0.15
    return full and not block.text.endswith(_TERMINAL) and _same_size(line, last)


def _line_pitch(page: list[PdfLine]) -> float:
    """The distance between wrapped lines of one paragraph: the smallest usual gap on the page
    (the most common gap may be between paragraphs, when most paragraphs are one line)."""
    gaps = Counter(
        round(b.top - a.end_top)
        for a, b in itertools.pairwise(page)
        if a.height * 0.8 <= b.top - a.end_top < a.height * 3 and _same_size(a, b)
    )
    usual = sorted(gap for gap, count in gaps.items() if count >= 2)
    return float(usual[0]) if usual else 0.0


def _join(paragraph: str, line: str) -> str:
    if paragraph.endswith("-") and line[:1].islower() and not paragraph.endswith(" -"):
        # "decision-" + "making": a hyphen at a line end is kept when the word is hyphenated.
        return paragraph + line
    return f"{paragraph} {line}"

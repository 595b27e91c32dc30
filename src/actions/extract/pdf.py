"""PDF → report text that keeps what the page shows: headings, list items, paragraphs.

Read with PDFium (pypdfium2). Measured on the 18 real Ofsted PDFs in ``tests/fixtures/pdf``: it
reads all of them in 0.5 s (pypdf 8.4 s, pdfminer.six 15.4 s) with words whole, and it reports
each character's box, font size and weight, which is what the layout rules below need.

The page is read as a person reads it:

* running headers, footers and page numbers are dropped by position (the top or bottom tenth of
  the page) and repetition (the same text, digits aside, on many pages); footnotes by size and
  position, footnote markers (small digits after a word) by size;
* a line set larger than the body text, or wholly bold, is a heading; heading styles are ranked
  by size (then weight) into levels, written as Markdown ``#`` marks so the parser can close a
  section at the next heading of the same or a higher level;
* a line starting with any bullet-like glyph (private-use, geometric, dingbat, dash) is a list
  item, written with "• "; lines are joined into paragraphs and items by spacing and
  indentation, so an item that wraps onto a line starting with a capital, a digit or "(" stays
  one item, also across a page break;
* two-column pages are read column by column.

Pages are separated by a form feed, so later stages can say on which page something stands.
"""

from __future__ import annotations

import ctypes
import itertools
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.errors import UserInputError
from actions.extract.pdftables import rebuild_tables

PAGE_BREAK = "\f"
_EDGE = 0.1  # the top and bottom tenth of a page hold running headers and footers
_BULLET_GLYPHS = frozenset("•●▪◦‣⁃○■□◆◇►▶➢➤✓✔–—−-*·o\uf0b7\uf0a7\uf06e\uf0d8\uf0fc")
_NUMBER_MARKER = re.compile(r"\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]")  # "3." "(a)" "iv)"
_MARKER = -1.0  # the ``size`` of a marker line drawn apart from its item (see _lines)
_NUMBERED = re.compile(r"^\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivx]{1,4})[.)]\s")
_TERMINAL = (".", "!", "?", ":")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?", re.I)


@dataclass
class PdfLine:
    """One line as PDFium lays it out (coordinates from the page's top-left, in points)."""

    page: int
    text: str
    left: float
    right: float
    top: float
    size: float
    bold: bool
    #: The top of the line's last character: PDFium joins a line ending in a hyphen to the next.
    end_top: float = 0.0
    #: The height of the first character's font box: a size in printed points, whatever the
    #: text matrix (``size`` is the nominal font size, which some producers scale).
    height: float = 0.0
    #: Set on the fragments of one PDFium line split at wide gaps (cells of a table row).
    row: int = 0
    table: bool = False  # a table row, written as "| cell | cell |" (see pdftables)
    edge: float = 0.0  # the right edge of the text column the line stands in
    page_height: float = 0.0
    page_width: float = 0.0


def read_pdf(data: bytes, path: Path) -> str:
    """The report text of a PDF; UserInputError for encrypted, scanned or broken files."""
    if b"%PDF" not in data[:1024]:
        raise UserInputError(f"{path}: not a PDF file")
    pages = load_lines(data, path)
    if not any(pages):
        if _has_images(data):
            raise UserInputError(
                f"{path}: the PDF has no text layer (a scanned document?); run it through OCR, "
                "or type its findings into a CSV (`actions extract --format csv` on any report "
                "shows the columns) and load it with `actions import`"
            )
        raise UserInputError(f"{path}: cannot read PDF (no text on any page: damaged?)")
    return layout_text(pages)


def _has_images(data: bytes) -> bool:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(data)
    try:
        return any(
            next(iter(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=3)), None)
            is not None
            for page in document
        )
    finally:
        document.close()


def load_lines(data: bytes, path: Path) -> list[list[PdfLine]]:
    """Every page's text lines, in PDFium's order."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UserInputError(f"{path}: PDF is password-protected") from None
        reason = " ".join(str(exc).split())[:120]
        raise UserInputError(
            f"{path}: cannot read PDF (corrupt or unsupported: {reason})"
        ) from None
    try:
        return [_page_lines(document[n], n + 1) for n in range(len(document))]
    except pdfium.PdfiumError as exc:
        reason = " ".join(str(exc).split())[:120]
        raise UserInputError(
            f"{path}: cannot read PDF (corrupt or unsupported: {reason})"
        ) from None
    finally:
        document.close()


def _page_lines(page: Any, number: int) -> list[PdfLine]:
    import pypdfium2.raw as raw

    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
        if len(text) != count:  # characters outside the BMP: one index each, two UTF-16 units
            text = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
        lines: list[PdfLine] = []
        offset = 0
        for row in text.split("\r\n"):
            for line in _lines(textpage, raw, text, offset, len(row)):
                line.page, line.page_height, line.page_width = number, height, width
                line.top, line.end_top = height - line.top, height - line.end_top
                lines.append(line)
            offset += len(row) + 2
        return _attach_markers(lines)
    finally:
        textpage.close()
        page.close()


def _lines(textpage: Any, raw: Any, text: str, start: int, length: int) -> list[PdfLine]:
    """A PDFium line, less the list markers that belong elsewhere.

    Some producers draw list markers (bullets, "3.") apart from their items, after the page's
    text say, so PDFium may give a line of markers only, or put them before another line's
    text: such markers become lines of their own, placed by their own boxes, and
    :func:`_attach_markers` gives each to the item level with it.
    """
    visible = [i for i in range(start, start + length) if not text[i].isspace()]
    if not visible:
        return []
    tokens = _tokens(text, visible)
    lead = 0
    while lead < len(tokens) and _marker_token(text, tokens[lead]):
        lead += 1
    if lead == 0:
        return _fragments(textpage, raw, text, visible)
    if lead == len(tokens):
        return [_marker_line(textpage, text, token) for token in tokens]
    first = tokens[lead][0]
    _, bottom, _, first_top = textpage.get_charbox(first, loose=True)
    height = first_top - bottom
    own = [
        token
        for token in tokens[:lead]
        if abs(textpage.get_charbox(token[0], loose=True)[3] - first_top) < height * 0.5
    ]
    apart = [_marker_line(textpage, text, token) for token in tokens[:lead] if token not in own]
    rest = [i for token in own[-1:] + tokens[lead:] for i in token]
    return apart + _fragments(textpage, raw, text, rest)


def _tokens(text: str, visible: list[int]) -> list[list[int]]:
    """Indices of the line's characters grouped into space-separated tokens."""
    tokens: list[list[int]] = [[visible[0]]]
    for previous, index in itertools.pairwise(visible):
        if index > previous + 1:
            tokens.append([])
        tokens[-1].append(index)
    return tokens


def _marker_token(text: str, token: list[int]) -> bool:
    word = "".join(text[i] for i in token)
    return (len(word) == 1 and _bullet_glyph(word)) or bool(_NUMBER_MARKER.fullmatch(word))


def _marker_line(textpage: Any, text: str, token: list[int]) -> PdfLine:
    left, bottom, _, top = textpage.get_charbox(token[0], loose=True)
    right = textpage.get_charbox(token[-1], loose=True)[2]
    word = "".join(text[i] for i in token)
    return PdfLine(0, word, left, right, top, _MARKER, False, top, top - bottom)


def _bullet_glyph(char: str) -> bool:
    return _bullet(char + " x")


def _attach_markers(lines: list[PdfLine]) -> list[PdfLine]:
    """Give each list marker drawn apart to the line of text level with it, on its right."""
    markers = [ln for ln in lines if ln.size == _MARKER]
    if not markers:
        return lines
    text_lines = [ln for ln in lines if ln.size != _MARKER]
    for marker in markers:
        level = [
            ln
            for ln in text_lines
            if ln.left > marker.left
            and abs(ln.top - marker.top) < max(ln.height, marker.height) * 0.6
        ]
        if level:
            item = min(level, key=lambda ln: ln.left)
            if not _starts_item(item.text):
                glyph = "•" if _bullet_glyph(marker.text) else marker.text
                item.text = f"{glyph} {item.text}"
                item.left = marker.left
    return text_lines


def _fragments(textpage: Any, raw: Any, text: str, visible: list[int]) -> list[PdfLine]:
    """A line split where the page leaves a wide gap: table cells, or two columns that PDFium
    read as one line. Each fragment is a line; fragments of one line share a ``row``."""
    box = textpage.get_charbox
    anchor = next((i for i in visible if text[i].isalpha()), visible[0])
    _, bottom, _, top = box(anchor, loose=True)
    gaps = {
        index: box(index, loose=True)[0] - box(previous, loose=True)[2]
        for previous, index in itertools.pairwise(visible)
        if index > previous + 1
    }
    # A cell or column gap is over an em wide, and wider than the line's narrowest word gap by
    # far: justified text stretches every gap of a line alike.
    height = top - bottom
    narrowest = min(gaps.values(), default=0.0)
    if len(gaps) == 1:
        wide = height * 1.5  # two words: one gap, nothing to compare it with
    elif narrowest < height * 0.6:
        wide = height * 1.2
    else:
        wide = max(height * 1.2, narrowest * 2.5)
    runs: list[list[int]] = [[visible[0]]]
    for index in visible[1:]:
        if gaps.get(index, 0.0) > wide:
            runs.append([])
        runs[-1].append(index)
    lines = [line for run in runs if (line := _line(textpage, raw, text, run))]
    if len(lines) > 1:
        row = id(lines[0])
        for line in lines:
            line.row = row
    return lines


def _line(textpage: Any, raw: Any, text: str, visible: list[int]) -> PdfLine | None:
    handle = textpage.raw
    letters = [i for i in visible if text[i].isalpha()] or visible
    step = max(1, len(letters) // 6)
    sample = letters[::step][:6]
    sizes = [raw.FPDFText_GetFontSize(handle, i) for i in sample]
    size = statistics.median(sizes)
    bold = all(_is_bold(raw, handle, i) for i in sample) and any(text[i].isalpha() for i in sample)
    end = visible[-1]
    # A footnote marker: small digits right after the last word ("improve?¹" → "improve?").
    while (
        end > visible[0]
        and text[end].isdigit()
        and raw.FPDFText_GetFontSize(handle, end) < size * 0.8
    ):
        end -= 1
    row = _spaced(text, visible, end).replace("\ufffe", "-").replace("\x02", "-")
    left = textpage.get_charbox(visible[0], loose=True)[0]
    # Heights from a letter: a bullet glyph's font (Wingdings, Symbol) has a box of its own.
    _, bottom, _, top = textpage.get_charbox(letters[0], loose=True)
    _, _, right, end_top = textpage.get_charbox(end, loose=True)
    clean = " ".join(row.split())
    if not clean:
        return None
    return PdfLine(0, clean, left, right, top, round(size, 1), bold, end_top, top - bottom)


def _spaced(text: str, visible: list[int], end: int) -> str:
    """The text of chosen characters, keeping one space where the page had a gap."""
    out: list[str] = []
    for n, i in enumerate(visible):
        if i > end:
            break
        if n and i > visible[n - 1] + 1:
            out.append(" ")
        out.append(text[i])
    return "".join(out)


def _is_bold(raw: Any, handle: Any, index: int) -> bool:
    # The weight comes from the font descriptor, which some producers leave at 400 for a bold
    # face (WeasyPrint): the font's name settles it then.
    if raw.FPDFText_GetFontWeight(handle, index) >= 600:
        return True
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    raw.FPDFText_GetFontInfo(handle, index, buffer, 128, ctypes.byref(flags))
    name = buffer.value.decode("latin-1").lower()
    return any(word in name for word in ("bold", "black", "heavy", "semibold"))


# -- layout -------------------------------------------------------------------------------------
def layout_text(pages: list[list[PdfLine]]) -> str:
    """Pages of lines → one paragraph, item or heading per line; pages split by a form feed."""
    pages = drop_running_lines(pages)
    body = body_size(line for page in pages for line in page)
    pages = [_drop_footnotes(page, body) for page in pages]
    pages = [_with_edges(_rejoin(_column_order(rebuild_tables(page)))) for page in pages]
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


def body_size(lines: Iterable[PdfLine]) -> float:
    """The font size most of the text is set in (weighted by characters)."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def drop_running_lines(pages: list[list[PdfLine]]) -> list[list[PdfLine]]:
    """Remove what repeats at the top or bottom of the pages, the page numbers there, and
    small print at the edges (a running head on a one-page document repeats nowhere)."""
    body = body_size(line for page in pages for line in page)
    keys = Counter(
        key for page in pages for key in {_running_key(ln) for ln in page if _at_edge(ln)}
    )
    threshold = max(2, len(pages) // 4)
    # Bare numbers repeat too ("#"): they are page numbers only when they count the pages.
    running = {key for key, count in keys.items() if count >= threshold and key.strip("# ")}
    numbering = _page_numbering(pages)
    return [
        [
            ln
            for ln in page
            if not (
                _at_edge(ln)
                and (
                    _running_key(ln) in running
                    or _page_number(ln, numbering)
                    or _small_print(ln, page, body)
                )
            )
        ]
        for page in pages
    ]


def _small_print(line: PdfLine, page: list[PdfLine], body: float) -> bool:
    """A short line in small type above or below everything else on the page."""
    outermost = line.top <= min(ln.top for ln in page) or line.top >= max(ln.top for ln in page)
    return outermost and line.size <= body * 0.9 and 2 <= len(line.text.split()) <= 12


def _page_numbering(pages: list[list[PdfLine]]) -> set[int]:
    """Offsets between the number printed at a page's edge and the page's place in the file.

    A printed page number moves in step with the page ("3" on the third page, or on the fifth
    after two unnumbered cover pages); a list number that happens to open a page does not.
    """
    offsets: Counter[int] = Counter()
    for page in pages:
        for line in page:
            if _at_edge(line) and (value := _number_value(line.text)) is not None:
                offsets[value - line.page] += 1
    needed = 1 if len(pages) == 1 else max(2, len(pages) // 3)
    return {offset for offset, count in offsets.items() if count >= needed}


def _page_number(line: PdfLine, numbering: set[int]) -> bool:
    value = _number_value(line.text)
    return value is not None and value - line.page in numbering


def _number_value(text: str) -> int | None:
    match = _PAGE_NUMBER.fullmatch(text)
    return int(match[1]) if match else None


def _at_edge(line: PdfLine) -> bool:
    return line.top < line.page_height * _EDGE or line.top > line.page_height * (1 - _EDGE)


def _running_key(line: PdfLine) -> str:
    return re.sub(r"\d+", "#", line.text.lower())


def _drop_footnotes(page: list[PdfLine], body: float) -> list[PdfLine]:
    """A block of small text at the foot of the page that starts with a number or symbol."""
    lowest = sorted(page, key=lambda ln: ln.top)
    cut = len(lowest)
    while cut > 0 and _small_in_lower_half(lowest[cut - 1], body):
        cut -= 1
    notes = lowest[cut:]
    if notes and re.match(r"^(?:\d{1,2}|[*†‡§])(?:\s|$)", notes[0].text):
        dropped = {id(ln) for ln in notes}
        return [ln for ln in page if id(ln) not in dropped]
    return page


def _small_in_lower_half(line: PdfLine, body: float) -> bool:
    return line.size <= body * 0.85 and line.top > line.page_height * 0.5


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
        or _starts_item(line.text)
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
        return f"{'#' * self.level} {self.text}" if self.level else self.text

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
    if level is None and _bullet(text):
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
    if gap > _paragraph_gap(pitch, last.height) or _starts_item(line.text):
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
    if block.level is not None or level is not None or _starts_item(line.text):
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


def _bullet(text: str) -> bool:
    """A list item's glyph: private-use, geometric, dingbat or dash, then the item's text."""
    first = text[:1]
    if not first or len(text) < 2:
        return False
    if first in "-–—−*o·" and text[1:2] != " ":
        return False  # a hyphenated word or "one", not a marker
    code = ord(first)
    return (
        first in _BULLET_GLYPHS
        or 0xE000 <= code <= 0xF8FF  # private use: Symbol/Wingdings bullets
        or 0x25A0 <= code <= 0x25FF  # geometric shapes
        or 0x2700 <= code <= 0x27BF  # dingbats
        or 0x2190 <= code <= 0x21FF  # arrows
        or unicodedata.category(first) == "Co"
    )


def _starts_item(text: str) -> bool:
    return _bullet(text) or bool(_NUMBERED.match(text))


def _join(paragraph: str, line: str) -> str:
    if paragraph.endswith("-") and line[:1].islower() and not paragraph.endswith(" -"):
        # "decision-" + "making": a hyphen at a line end is kept when the word is hyphenated.
        return paragraph + line
    return f"{paragraph} {line}"

"""Page furniture: running heads and footers, page numbers, footnotes, small print."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from actions.intake.extract.pdf.model import PdfLine

_EDGE = 0.1  # the top and bottom tenth of a page hold running headers and footers
_PAGE_NUMBER = re.compile(r"(?:page\s+)?(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?", re.I)


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


def drop_footnotes(page: list[PdfLine], body: float) -> list[PdfLine]:
    """A block of small text at the foot of the page that starts with a number or symbol."""
    lowest = sorted(page, key=lambda ln: ln.top)
    cut = len(lowest)
    while cut > 0 and _small_in_lower_half(lowest[cut - 1], body):
        cut -= 1
    notes = lowest[cut:]
    if notes and re.match(r"^(?:\d{1,2}[.)]?|[*†‡§])(?:\s|$)", notes[0].text):
        dropped = {id(ln) for ln in notes}
        return [ln for ln in page if id(ln) not in dropped]
    return page


def _small_in_lower_half(line: PdfLine, body: float) -> bool:
    return line.size <= body * 0.85 and line.top > line.page_height * 0.5

"""A line of a PDF page as the layout rules see it, and what marks a list item."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_BULLET_GLYPHS = frozenset("•●▪◦‣⁃○■□◆◇►▶➢➤✓✔–—−-*·o\uf0b7\uf0a7\uf06e\uf0d8\uf0fc")
NUMBER_MARKER = re.compile(r"\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]")  # "3." "(a)" "iv)"
MARKER = -1.0  # the ``size`` of a marker line drawn apart from its item (see glyphs)
_NUMBERED = re.compile(r"^\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivx]{1,4})[.)]\s")


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


def bullet(text: str) -> bool:
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


def starts_item(text: str) -> bool:
    return bullet(text) or bool(_NUMBERED.match(text))

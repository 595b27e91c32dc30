"""PDFium's characters → page lines: text, box, size and weight, list markers set apart.

Only a few characters of each line are asked for their font (a handful of ctypes calls per
line); boxes are asked for at word gaps, to split a line where the page leaves a wide gap.
"""

from __future__ import annotations

import ctypes
import itertools
import statistics
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from actions.common.errors import UserInputError
from actions.intake.extract.pdf.model import MARKER, NUMBER_MARKER, PdfLine, bullet, starts_item


def load_lines(data: bytes, path: Path) -> list[list[PdfLine]]:
    """Every page's text lines, in PDFium's order."""
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
            for line in _lines(textpage, text, offset, len(row)):
                line.page, line.page_height, line.page_width = number, height, width
                line.top, line.end_top = height - line.top, height - line.end_top
                lines.append(line)
            offset += len(row) + 2
        return _attach_markers(lines)
    finally:
        textpage.close()
        page.close()


def _lines(textpage: Any, text: str, start: int, length: int) -> list[PdfLine]:
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
        return _fragments(textpage, text, visible)
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
    return apart + _fragments(textpage, text, rest)


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
    return (len(word) == 1 and _bullet_glyph(word)) or bool(NUMBER_MARKER.fullmatch(word))


def _marker_line(textpage: Any, text: str, token: list[int]) -> PdfLine:
    left, bottom, _, top = textpage.get_charbox(token[0], loose=True)
    right = textpage.get_charbox(token[-1], loose=True)[2]
    word = "".join(text[i] for i in token)
    return PdfLine(0, word, left, right, top, MARKER, False, top, top - bottom)


def _bullet_glyph(char: str) -> bool:
    return bullet(char + " x")


def _attach_markers(lines: list[PdfLine]) -> list[PdfLine]:
    """Give each list marker drawn apart to the line of text level with it, on its right."""
    markers = [ln for ln in lines if ln.size == MARKER]
    if not markers:
        return lines
    text_lines = [ln for ln in lines if ln.size != MARKER]
    for marker in markers:
        level = [
            ln
            for ln in text_lines
            if ln.left > marker.left
            and abs(ln.top - marker.top) < max(ln.height, marker.height) * 0.6
        ]
        if level:
            item = min(level, key=lambda ln: ln.left)
            if not starts_item(item.text):
                glyph = "•" if _bullet_glyph(marker.text) else marker.text
                item.text = f"{glyph} {item.text}"
                item.left = marker.left
    return text_lines


def _fragments(textpage: Any, text: str, visible: list[int]) -> list[PdfLine]:
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
    lines = [line for run in runs if (line := _line(textpage, text, run))]
    if len(lines) > 1:
        row = id(lines[0])
        for line in lines:
            line.row = row
    return lines


def _line(textpage: Any, text: str, visible: list[int]) -> PdfLine | None:
    handle = textpage.raw
    letters = [i for i in visible if text[i].isalpha()] or visible
    step = max(1, len(letters) // 6)
    sample = letters[::step][:6]
    sizes = [raw.FPDFText_GetFontSize(handle, i) for i in sample]
    size = statistics.median(sizes)
    bold = all(_is_bold(handle, i) for i in sample) and any(text[i].isalpha() for i in sample)
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


def _is_bold(handle: Any, index: int) -> bool:
    # The weight comes from the font descriptor, which some producers leave at 400 for a bold
    # face (WeasyPrint): the font's name settles it then.
    if raw.FPDFText_GetFontWeight(handle, index) >= 600:
        return True
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    raw.FPDFText_GetFontInfo(handle, index, buffer, 128, ctypes.byref(flags))
    name = buffer.value.decode("latin-1").lower()
    return any(word in name for word in ("bold", "black", "heavy", "semibold"))

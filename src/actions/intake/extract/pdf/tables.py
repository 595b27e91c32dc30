"""Tables on a PDF page → one ``| cell | cell |`` line per row, as the other readers write them.

A table is found by its header: a line that PDFium's text splits at wide gaps into three or more
cells (or two, set in bold). Its cells' left edges are the columns. The lines below belong to
the table while they start inside it and do not run across a column edge; they are cut into rows
where the vertical gap is wider than a wrapped line's (cells are often centred vertically, so a
row is the band of lines that overlap), and each column's lines in a row are one cell.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from actions.intake.extract.pdf.model import PdfLine

_SLACK = 4.0  # points of misalignment tolerated between a cell and its column


def rebuild_tables(page: list[PdfLine]) -> list[PdfLine]:
    """The page's lines with each table replaced by its row lines (``table`` set on them)."""
    out: list[PdfLine] = []
    n = 0
    while n < len(page):
        header = _header_at(page, n)
        if header is None:
            out.append(page[n])
            n += 1
            continue
        columns = _columns(header)
        end = n + len(header)
        right = max(cell.right for cell in header)
        while end < len(page) and _inside(page[end], columns, right):
            end += 1
        body = page[n + len(header) : end]
        if not any(line.left > columns[0] + _SLACK for line in body):
            out.append(page[n])  # nothing below it in a second column: a stretched line
            n += 1
            continue
        out.extend(_rows(header, body, columns))
        n = end
    return out


def _header_at(page: list[PdfLine], n: int) -> list[PdfLine] | None:
    """The header's lines starting at ``page[n]``: its cells may wrap onto further lines, each
    PDFium line holding the pieces level with it."""
    row = page[n].row
    if not row:
        return None
    cells = [line for line in page[n : n + 12] if line.row == row]
    bold = all(cell.bold for cell in cells)
    if len(cells) < 2 or (len(cells) == 2 and not bold):
        return None
    lines = page[n : n + len(cells)]
    if len(lines) != len(cells):
        return None  # the row's pieces are not together
    bottom = max(cell.top for cell in cells)
    for line in page[n + len(cells) : n + len(cells) + 8]:
        if line.bold != bold or line.top > bottom + line.height * 1.25:
            break
        lines.append(line)
        bottom = max(bottom, line.top)
    return lines


def _columns(header: list[PdfLine]) -> list[float]:
    """Left edges of the header's cells, one per column (wrapped pieces share their column's)."""
    columns: list[float] = []
    for left in sorted(line.left for line in header):
        if not columns or left > columns[-1] + _SLACK:
            columns.append(left)
    return columns


def _inside(line: PdfLine, columns: list[float], right: float) -> bool:
    # Cells are padded: text starting left of the first cell is the page's text again.
    if line.left < columns[0] - 1.5 or line.left > right + _SLACK:
        return False
    if line.row:
        return True  # a cell of a row PDFium split itself
    crossed = [c for c in columns[1:] if line.left + _SLACK < c < line.right - _SLACK]
    return not crossed


def _rows(header: list[PdfLine], body: list[PdfLine], columns: list[float]) -> list[PdfLine]:
    rows = [_render(header, columns, header=all(cell.bold for cell in header))]
    band: list[PdfLine] = []
    bottom = 0.0
    for line in sorted(body, key=lambda ln: ln.top):
        if band and line.top - bottom > line.height * 1.25:
            rows.append(_render(band, columns, header=False))
            band = []
        band.append(line)
        bottom = max(bottom, line.top) if len(band) > 1 else line.top
    if band:
        rows.append(_render(band, columns, header=False))
    return [line for row in rows for line in row]


def _render(lines: list[PdfLine], columns: list[float], *, header: bool) -> list[PdfLine]:
    cells: dict[int, list[PdfLine]] = defaultdict(list)
    for line in lines:
        column = max(
            (k for k, start in enumerate(columns) if line.left >= start - _SLACK), default=0
        )
        cells[column].append(line)
    # Within a cell, an id set apart on the left ("T1") comes first, then lines top to bottom.
    texts = [
        " ".join(ln.text for ln in sorted(cells.get(k, []), key=lambda ln: (ln.left // 12, ln.top)))
        for k in range(len(columns))
    ]
    first = min(lines, key=lambda ln: ln.top)
    right = max(line.right for line in lines)
    row = replace(first, text="| " + " | ".join(texts) + " |", row=0, table=True, right=right)
    return [row, replace(row, text="|---|")] if header else [row]

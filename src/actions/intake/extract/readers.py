"""Report files → plain text with one paragraph, list item or table row per line.

Lists keep a visible marker ("• " or "3. ") and table rows are written as ``| a | b |`` so the
line classifier treats every format alike.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from actions.common.errors import UserInputError
from actions.intake.extract.columns import unfold_columns
from actions.intake.extract.lines import collapse

MAX_FILE_BYTES = 50 * 1024 * 1024
FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # encrypted Office files and old .doc are OLE containers


def read_report(path: Path) -> tuple[str, str]:
    """The text of the report at ``path`` and its format name; UserInputError when unusable."""
    fmt = _check_file(path)
    data = path.read_bytes()
    readers: dict[str, Callable[[bytes, Path], str]] = {
        "txt": read_txt,
        "html": read_html,
        "pdf": read_pdf,
        "docx": read_docx,
    }
    text = readers[fmt](data, path)
    if not text.strip():
        raise UserInputError(f"{path}: no text found in the file")
    return text, fmt


def _check_file(path: Path) -> str:
    if not path.exists():
        raise UserInputError(f"{path}: no such file")
    if not path.is_file():
        raise UserInputError(f"{path}: not a file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        expected = ", ".join(FORMATS)
        raise UserInputError(f"{path}: unsupported file type {path.suffix!r} (expected {expected})")
    size = path.stat().st_size
    if size == 0:
        raise UserInputError(f"{path}: file is empty")
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise UserInputError(f"{path}: file is larger than the {limit} MB limit")
    return fmt


# -- plain text ---------------------------------------------------------------------------------
def read_txt(data: bytes, path: Path) -> str:
    text = decode_text(data, path)
    if not text.strip():
        raise UserInputError(f"{path}: file is empty")
    return unfold_columns(_unquote_email(text))


_QUOTED = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)


def _unquote_email(text: str) -> str:
    """A forwarded email quotes the report with "> " at each line: the quoting goes."""
    lines = [line for line in text.split("\n") if line.strip()]
    quoted = sum(line.lstrip().startswith(">") for line in lines)
    return _QUOTED.sub("", text) if lines and quoted >= len(lines) * 0.3 else text


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM) first, then whatever charset-normalizer finds."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _reject_binary(data.decode("utf-16"), path)
    if b"\x00" in data[:65536]:
        raise UserInputError(f"{path}: not a text file (binary content)")
    try:
        return _reject_binary(data.decode("utf-8-sig"), path)
    except UnicodeDecodeError:
        pass
    # lazy: start-up speed (see actions/cli/app.py)
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise UserInputError(f"{path}: not a text file (unknown encoding)")
    return _reject_binary(str(best), path)


def _reject_binary(text: str, path: Path) -> str:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.01:
        raise UserInputError(f"{path}: not a text file (binary content)")
    return text


# -- HTML ---------------------------------------------------------------------------------------
_DROP = frozenset({"script", "style", "nav", "noscript", "template", "svg", "head", "iframe"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "caption",
        "figure",
        "figcaption",
        "address",
        "hr",
        "form",
    ]
)


def read_html(data: bytes, path: Path) -> str:
    # lazy: start-up speed (see actions/cli/app.py)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    if soup.find(True) is None:
        raise UserInputError(f"{path}: no HTML content")
    out: list[str] = []
    _walk_html(soup, out)
    return "\n".join(line.strip() for line in "".join(out).split("\n"))


def _walk_html(node: Any, out: list[str]) -> None:
    # lazy: start-up speed (see actions/cli/app.py)
    from bs4 import NavigableString
    from bs4.element import PreformattedString

    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA
            continue
        if isinstance(child, NavigableString):
            out.append(re.sub(r"\s+", " ", str(child)))
        elif child.name in _DROP:
            continue
        elif child.name == "br":
            out.append("\n")
        elif child.name == "table" and not child.find("table"):
            out.append("\n" + "\n".join(_html_table(child)) + "\n")
        elif child.name == "tr":
            out.append("\n" + _table_row([c.get_text(" ") for c in child.find_all(["td", "th"])]))
            if child.find("th") and not child.find("td"):
                out.append("\n|---|")
            out.append("\n")
        elif child.name == "li":
            inner: list[str] = []
            _walk_html(child, inner)
            # An item's paragraph (<li><p>…) starts on the marker's line, not below it.
            out.append("\n" + _list_prefix(child) + "".join(inner).lstrip("\n "))
            out.append("\n")
        elif child.name == "dt" and (term := collapse(child.get_text(" "))):
            # A term names what its <dd> says ("2 Victims and witnesses"): a sub-heading.
            out.append(f"\n###### {term}\n")
        elif child.name in _HEADINGS:
            # "## text": the parser ends a section at the next heading of its level or higher.
            text = collapse(child.get_text(" "))
            if text:
                out.append(f"\n{'#' * _HEADINGS[child.name]} {text}\n")
        elif child.name in _BLOCK:
            out.append("\n")
            _walk_html(child, out)
            out.append("\n")
        else:
            _walk_html(child, out)


def _html_table(table: Any) -> list[str]:
    """Rows as "| a | b |" lines, a cell spanning rows (rowspan) leaving its column empty in the
    rows below, as a printed table looks; a row of header cells is followed by "|---|"."""
    lines: list[str] = []
    spans: dict[int, int] = {}  # column -> rows it is still covered for
    for tr in table.find_all("tr"):
        cells: list[str] = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            while spans.get(len(cells), 0) > 0:
                spans[len(cells)] -= 1
                cells.append("")
            rows = int(cell.get("rowspan", 1)) if str(cell.get("rowspan", 1)).isdigit() else 1
            if rows > 1:
                spans[len(cells)] = rows - 1
            cells.append(cell.get_text(" "))
        while spans.get(len(cells), 0) > 0:
            spans[len(cells)] -= 1
            cells.append("")
        lines.append(_table_row(cells))
        if tr.find("th") and not tr.find("td"):
            lines.append("|---|")
    return lines


def _list_prefix(item: Any) -> str:
    """HTML lists draw their markers; write them out so list items read as list items."""
    parent = item.parent
    if parent is not None and parent.name == "ol":
        start = int(parent.get("start", "1") or 1) if str(parent.get("start", "1")).isdigit() else 1
        siblings = [li for li in parent.find_all("li", recursive=False)]
        own = collapse(item.get_text(" "))
        if re.match(r"^\(?\d+(\.\d+)*[.)]?\s", own):
            return ""  # the item already spells its number
        return f"{start + siblings.index(item)}. "
    return "• "


def _table_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(collapse(cell) for cell in cells) + " |"


# -- PDF ----------------------------------------------------------------------------------------
def read_pdf(data: bytes, path: Path) -> str:
    # lazy: start-up speed (see actions/cli/app.py): the pdf package loads pypdfium2
    from actions.intake.extract.pdf import read_pdf as read_pdf_layout

    return read_pdf_layout(data, path)


# -- DOCX ---------------------------------------------------------------------------------------
def read_docx(data: bytes, path: Path) -> str:
    # lazy: start-up speed (see actions/cli/app.py)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    if data.startswith(_OLE_MAGIC):
        raise UserInputError(f"{path}: DOCX is password-protected (or an old .doc file)")
    try:
        document = docx.Document(str(path))
        return "\n".join(_docx_lines(document))
    # A damaged archive fails further in than the zip directory: a member that does not inflate
    # (zlib.error, EOFError), an unsupported compression (NotImplementedError) or a part that is
    # not XML (lxml's XMLSyntaxError). All mean the same to the user: this is not a usable DOCX.
    except (
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        zlib.error,
        EOFError,
        NotImplementedError,
        etree.XMLSyntaxError,
    ) as exc:
        raise UserInputError(f"{path}: cannot read DOCX (corrupt or not Word: {exc})") from None


def _docx_lines(document: Any, container: Any = None, parent: Any = None) -> list[str]:
    """The paragraphs and tables of the body (or of a table cell), in order."""
    # lazy: start-up speed (see actions/cli/app.py)
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    container = document.element.body if container is None else container
    parent = document if parent is None else parent
    lines: list[str] = []
    counters: Counter[str] = Counter()
    for element in container.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_docx_paragraph(Paragraph(element, parent), document, counters))
            for box in _text_boxes(element):  # a text box anchored in the paragraph
                lines.extend(_docx_lines(document, box, parent))
        elif tag == "tbl":
            table = Table(element, parent)
            if _is_box(table):  # a shaded box or frame: its content reads as the page does
                for cell in _distinct_cells(table):
                    lines.extend(_docx_lines(document, cell._tc, cell))
            else:
                lines.extend(_docx_table(table))
            counters.clear()
    return lines


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _text_boxes(paragraph: Any) -> list[Any]:
    """The text boxes in a paragraph's runs; Word stores each twice (a drawing and a VML
    fallback for old readers): the fallback's copy is left out."""
    boxes = []
    for box in paragraph.iter(f"{_W}txbxContent"):
        if not any(ancestor.tag == _FALLBACK for ancestor in box.iterancestors()):
            boxes.append(box)
    return boxes


def _distinct_cells(table: Any) -> list[Any]:
    """Each cell once: a merged cell is returned for every grid column it spans."""
    seen: list[Any] = []
    for row in table.rows:
        for cell in row.cells:
            if all(cell._tc is not other._tc for other in seen):
                seen.append(cell)
    return seen


def _is_box(table: Any) -> bool:
    """A table of one column is a box around content (a call-out, a framed list), not data."""
    return all(len({id(cell._tc) for cell in row.cells}) == 1 for row in table.rows)


def _docx_paragraph(paragraph: Any, document: Any, counters: Counter[str]) -> str:
    # A line break inside a paragraph (Shift+Enter) starts a line of its own: "(a)\tevery …"
    text = "\n".join(filter(None, (collapse(part) for part in paragraph.text.split("\n"))))
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    if text and (level := _docx_heading_level(style)):
        counters.clear()
        return f"{'#' * level} {text}"
    if num_pr is None and not style.startswith("List"):
        counters.clear()  # a numbered list restarts after ordinary text
        return text
    if not text:
        return text
    if "Number" in style or _docx_numbering_format(document, num_pr) == "decimal":
        counters[style] += 1
        return f"{counters[style]}. {text}"
    return f"• {text}"


def _docx_heading_level(style: str) -> int | None:
    """Word's "Title" and "Heading 1".."Heading 6" styles as heading levels."""
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading ([1-6])", style)
    return int(match[1]) if match else None


def _docx_numbering_format(document: Any, num_pr: Any) -> str | None:
    """numFmt ("bullet", "decimal", ...) of a list paragraph, from the numbering part."""
    try:
        num_id = num_pr.numId.val
        level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        numbering = document.part.numbering_part.element
        num = numbering.num_having_numId(num_id)
        abstract_id = num.abstractNumId.val
        ns = numbering.nsmap["w"]
        for abstract in numbering.findall(f"{{{ns}}}abstractNum"):
            if abstract.get(f"{{{ns}}}abstractNumId") != str(abstract_id):
                continue
            for lvl in abstract.findall(f"{{{ns}}}lvl"):
                if lvl.get(f"{{{ns}}}ilvl") == str(level):
                    fmt = lvl.find(f"{{{ns}}}numFmt")
                    return None if fmt is None else str(fmt.get(f"{{{ns}}}val"))
    except (AttributeError, KeyError, NotImplementedError):
        return None
    return None


def _docx_table(table: Any) -> list[str]:
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    lines = [_table_row(row) for row in rows]
    if len(rows) > 1 and all(len(collapse(c).split()) <= 3 for c in rows[0]):
        lines.insert(1, "|---|")  # a header row, as in Markdown
    return lines

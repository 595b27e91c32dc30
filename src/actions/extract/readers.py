"""Report files → plain text with one paragraph, list item or table row per line.

Lists keep a visible marker ("• " or "3. ") and table rows are written as ``| a | b |`` so the
line classifier treats every format alike.
"""

from __future__ import annotations

import itertools
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.errors import UserInputError
from actions.extract.lines import collapse
from actions.logs import muted

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
    return text


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
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    if soup.find(True) is None:
        raise UserInputError(f"{path}: no HTML content")
    out: list[str] = []
    _walk_html(soup, out)
    return "\n".join(line.strip() for line in "".join(out).split("\n"))


def _walk_html(node: Any, out: list[str]) -> None:
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
        elif child.name == "tr":
            out.append("\n" + _table_row([c.get_text(" ") for c in child.find_all(["td", "th"])]))
            if child.find("th") and not child.find("td"):
                out.append("\n|---|")
            out.append("\n")
        elif child.name == "li":
            out.append("\n" + _list_prefix(child))
            _walk_html(child, out)
            out.append("\n")
        elif child.name in _BLOCK:
            out.append("\n")
            _walk_html(child, out)
            out.append("\n")
        else:
            _walk_html(child, out)


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
@dataclass
class _PdfLine:
    y: float
    size: float
    text: str


def read_pdf(data: bytes, path: Path) -> str:
    """Text of a PDF via pypdf (pdfplumber was 25× slower on a 100-page report).

    Lines are rebuilt from the text positions pypdf reports, repeated page headers and footers
    are dropped, and lines are joined into paragraphs on line spacing and markers.
    """
    import pypdf
    from pypdf.errors import PdfReadError

    if b"%PDF" not in data[:1024]:
        raise UserInputError(f"{path}: not a PDF file")
    try:
        # pypdf logs each repair it attempts ("invalid pdf header", "EOF marker not found"):
        # extra stderr lines in a flow run; an unreadable file is reported below in one line.
        with muted("pypdf"):
            reader = pypdf.PdfReader(path)
            if reader.is_encrypted and not reader.decrypt(""):
                raise UserInputError(f"{path}: PDF is password-protected")
            pages = [_pdf_page_lines(page) for page in reader.pages]
    except UserInputError:
        raise
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        IndexError,
        EOFError,
        NotImplementedError,
        zlib.error,  # damaged streams and filter names
    ) as exc:
        reason = " ".join(str(exc).replace("\x00", " ").split())[:120] or type(exc).__name__
        raise UserInputError(
            f"{path}: cannot read PDF (corrupt or unsupported: {reason})"
        ) from None
    pages = _drop_running_lines(pages)
    return "\n".join(_paragraphs(pages))


def _pdf_page_lines(page: Any) -> list[_PdfLine]:
    lines: list[_PdfLine] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if not text.strip():
            return
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(cm[3] * tm[3]) or 1.0
        if lines and abs(lines[-1].y - y) < max(size * scale, 1.0) * 0.5:
            lines[-1].text += text if lines[-1].text.endswith(" ") else f" {text}"
        else:
            lines.append(_PdfLine(y, size * scale, text))

    page.extract_text(visitor_text=visit)
    for line in lines:
        line.text = collapse(line.text)
    return [line for line in lines if line.text]


def _drop_running_lines(pages: list[list[_PdfLine]]) -> list[list[_PdfLine]]:
    """Remove page headers/footers: the same text (digits aside) atop or under most pages,
    and a page number as the first or last line of a page."""
    edges = Counter(
        key for page in pages for key in {_running_key(ln.text) for ln in page[:2] + page[-2:]}
    )
    running = {key for key, count in edges.items() if count >= max(3, len(pages) // 2)}
    cleaned = []
    for page in pages:
        near_edge = {id(ln) for ln in page[:2] + page[-2:]}
        at_edge = {id(ln) for ln in page[:1] + page[-1:]}
        cleaned.append(
            [
                ln
                for ln in page
                if not (id(ln) in near_edge and _running_key(ln.text) in running)
                and not (id(ln) in at_edge and _page_number(ln.text))
            ]
        )
    return cleaned


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _page_number(text: str) -> bool:
    return bool(re.fullmatch(r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?", text, re.I))


def _paragraphs(pages: list[list[_PdfLine]]) -> list[str]:
    paragraphs: list[str] = []
    joinable = False  # the last paragraph may carry on at the top of the next page
    for page in pages:
        gaps = sorted(a.y - b.y for a, b in itertools.pairwise(page) if a.y - b.y > 0)
        usual = gaps[len(gaps) // 10] if gaps else 0.0  # line spacing inside a paragraph
        widest = max((len(ln.text) for ln in page), default=0)
        previous: _PdfLine | None = None
        for line in page:
            if previous is None:
                new = not (joinable and _lower_start(line.text))
            else:
                new = _starts_paragraph(previous, line, usual, widest)
            if new or not paragraphs:
                paragraphs.append(line.text)
            else:
                paragraphs[-1] = _join_wrapped(paragraphs[-1], line.text)
            previous = line
        joinable = bool(paragraphs) and not paragraphs[-1].endswith((".", "!", "?", ":"))
    return paragraphs


def _starts_paragraph(previous: _PdfLine, line: _PdfLine, usual: float, widest: int) -> bool:
    from actions.extract.lines import parse_marker

    gap = previous.y - line.y
    if (
        gap <= 0
        or gap > usual * 1.3
        or gap > line.size * 1.8
        or abs(line.size - previous.size) > 0.5
    ):
        return True
    if parse_marker(line.text).marker in ("bullet", "number", "label", "code"):
        return True
    short = len(previous.text) < widest * 0.7
    return short and previous.text.endswith((".", "!", "?", ":", ";"))


def _lower_start(text: str) -> bool:
    return text[:1].islower()


def _join_wrapped(paragraph: str, line: str) -> str:
    if paragraph.endswith("-") and _lower_start(line):
        return paragraph[:-1] + line
    return f"{paragraph} {line}"


# -- DOCX ---------------------------------------------------------------------------------------
def read_docx(data: bytes, path: Path) -> str:
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


def _docx_lines(document: Any) -> list[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    counters: Counter[str] = Counter()
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_docx_paragraph(Paragraph(element, document), document, counters))
        elif tag == "tbl":
            lines.extend(_docx_table(Table(element, document)))
    return lines


def _docx_paragraph(paragraph: Any, document: Any, counters: Counter[str]) -> str:
    text = collapse(paragraph.text)
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    if num_pr is None and not style.startswith("List"):
        counters.clear()  # a numbered list restarts after ordinary text
        return text
    if not text:
        return text
    if "Number" in style or _docx_numbering_format(document, num_pr) == "decimal":
        counters[style] += 1
        return f"{counters[style]}. {text}"
    return f"• {text}"


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

"""Shared by the extract tests and benchmarks: fixtures, format generation, finding matching.

A fixture's .txt is turned into .html, .pdf (fpdf2, core font) and .docx (python-docx, real list
paragraphs and tables) with the same paragraphs, list items and table rows, so every format can
be checked against the same expected findings.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
FORMATS = ("txt", "html", "pdf", "docx", "print", "columns")
#: Formats written as a typeset PDF (WeasyPrint): headings, bullets, running heads, justified.
PRINTED = {"print": 1, "columns": 2}
_BULLET = re.compile(r"^\s*(?:[•●▪◦◼■►➢\uf0b7]\s*|-\s+)")


def fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.txt"))


def fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def expected(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    return data


# -- matching -----------------------------------------------------------------------------------
def norm_text(text: str) -> str:
    """Case, punctuation, quotes and whitespace aside: what a reader would call the same text."""
    text = unicodedata.normalize("NFKD", text).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def match_count(want: list[dict[str, Any]], found: list[dict[str, Any]]) -> int:
    """How many expected findings were found: same kind and same normalised text, one for one."""
    pool = Counter((f["kind"], norm_text(f["text"])) for f in found)
    hits = 0
    for item in want:
        key = (item["kind"], norm_text(item["text"]))
        if pool[key]:
            pool[key] -= 1
            hits += 1
    return hits


# -- blocks of a fixture ------------------------------------------------------------------------
@dataclass
class Block:
    kind: str  # "p", "ul" or "table"
    rows: list[str] | list[list[str]]


def blocks(text: str) -> Iterator[Block]:
    """Paragraphs, bullet lists and Markdown tables of a fixture (its SOURCE line left out)."""
    lines = [ln for ln in text.splitlines() if not ln.startswith("SOURCE:")]
    i = 0
    while i < len(lines):
        line = lines[i]
        if _BULLET.match(line):
            items: list[str] = []
            while i < len(lines) and _BULLET.match(lines[i]):
                items.append(_BULLET.sub("", lines[i]).strip())
                i += 1
            yield Block("ul", items)
            continue
        if line.lstrip().startswith("|"):
            rows: list[list[str]] = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                if not re.fullmatch(r"[\s|:-]+", lines[i]):
                    rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            yield Block("table", rows)
            continue
        if line.strip():
            yield Block("p", [line.strip()])
        i += 1


# -- writers ------------------------------------------------------------------------------------
def write_format(name: str, fmt: str, directory: Path) -> Path:
    """Write fixture ``name`` as ``fmt`` into ``directory``; returns the file."""
    return write_text_as(fixture_text(name), fmt, directory / file_name(name, fmt))


def file_name(name: str, fmt: str) -> str:
    return f"{name}.{fmt}.pdf" if fmt in PRINTED else f"{name}.{fmt}"


def write_text_as(text: str, fmt: str, path: Path) -> Path:
    """Report text as a .txt, .html, .pdf or .docx file at ``path``."""
    if fmt == "txt":
        path.write_text(text, encoding="utf-8")
    elif fmt == "html":
        path.write_text(to_html(text), encoding="utf-8")
    elif fmt == "pdf":
        write_pdf(text, path)
    elif fmt == "docx":
        write_docx(text, path)
    elif fmt in PRINTED:
        write_typeset_pdf(text, path, columns=PRINTED[fmt])
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return path


def to_html(text: str) -> str:
    body: list[str] = []
    for block in blocks(text):
        if block.kind == "p":
            body.append(f"<p>\n  {escape(str(block.rows[0]))}\n</p>")
        elif block.kind == "ul":
            body.append(
                "<ul>" + "".join(f"<li>{escape(str(r))}</li>" for r in block.rows) + "</ul>"
            )
        else:
            body.append(_html_table(block.rows))  # type: ignore[arg-type]
    return (
        "<!doctype html><html><head><title>Report</title><style>p{color:red}</style></head>"
        "<body><nav><a href='/'>Home</a> <a href='/next'>Next</a></nav>"
        "<script>var s = 'The force should ignore scripts.';</script><main>"
        + "\n".join(body)
        + "</main></body></html>"
    )


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
    rest = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rest}</tbody></table>"


def cp1252(text: str) -> str:
    """What the PDF core fonts can draw: cp1252, other characters spelled in ASCII or '?'."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


def write_pdf(text: str, path: Path, *, repeat: int = 1) -> None:
    """A PDF of the fixture with a running header and page-number footer on every page."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("helvetica", size=8)
            self.cell(0, 5, "Inspection report - published text", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("helvetica", size=8)
            self.cell(0, 5, f"Page {self.page_no()}", align="C")

    pdf = Report()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    for _ in range(repeat):
        for block in blocks(text):
            _pdf_block(pdf, block)
    pdf.output(str(path))


def _pdf_block(pdf: Any, block: Block) -> None:
    pdf.set_font("helvetica", size=10)
    rows = block.rows
    if block.kind == "table":
        rows = ["| " + " | ".join(r) + " |" for r in rows]  # type: ignore[arg-type]
    for row in rows:
        line = cp1252(str(row))
        if block.kind == "ul":
            pdf.set_x(pdf.l_margin + 4)
            line = f"• {line}"  # in cp1252, which the core fonts use here
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)


def _looks_like_heading(text: str, following: Block | None) -> bool:
    """What a publisher would set as a heading: a short line that is not a sentence, above a
    list or a real paragraph (a status word or a name between rows is not one)."""
    words = text.split()
    if not 2 <= len(words) <= 10 or text.endswith((".", ";", ",", ":")) or not text[:1].isupper():
        return False
    if following is None:
        return False
    return following.kind == "ul" or len(str(following.rows[0]).split()) >= 8


def write_typeset_pdf(text: str, path: Path, *, columns: int = 1) -> None:
    """The fixture as a published report looks: WeasyPrint, headings in bold, bullet lists,
    justified text, a running head and page numbers, optionally in two columns."""
    from weasyprint import HTML

    body: list[str] = []
    parts = list(blocks(text))
    for n, block in enumerate(parts):
        following = parts[n + 1] if n + 1 < len(parts) else None
        if block.kind == "p":
            row = escape(str(block.rows[0]))
            if str(block.rows[0]).endswith("?") and len(row.split()) <= 30:
                body.append(f"<h2>{row}</h2>")
            elif _looks_like_heading(str(block.rows[0]), following):
                body.append(f"<h3>{row}</h3>")
            else:
                body.append(f"<p>{row}</p>")
        elif block.kind == "ul":
            body.append(
                "<ul>" + "".join(f"<li>{escape(str(r))}</li>" for r in block.rows) + "</ul>"
            )
        else:  # a publisher sets a table across the columns
            body.append(f"<div class='wide'>{_html_table(block.rows)}</div>")  # type: ignore[arg-type]
    css = f"""
        @page {{ size: A4; margin: 25mm 20mm;
            @top-center {{ content: "Inspection report: published text"; font-size: 8pt }}
            @bottom-right {{ content: counter(page); font-size: 9pt }} }}
        body {{ font-family: "DejaVu Sans"; font-size: 10.5pt; text-align: justify;
            line-height: 1.35; columns: {columns}; column-gap: 12mm }}
        h2 {{ font-size: 14pt }} h3 {{ font-size: 11.5pt }}
        li {{ margin-bottom: 4pt }} td, th {{ font-size: 9pt; border: 1px solid #999 }}
        .wide {{ column-span: all }}
    """
    html = f"<html><head><style>{css}</style></head><body>{''.join(body)}</body></html>"
    HTML(string=html).write_pdf(str(path))


def write_docx(text: str, path: Path) -> None:
    import docx

    document = docx.Document()
    for block in blocks(text):
        if block.kind == "p":
            document.add_paragraph(str(block.rows[0]))
        elif block.kind == "ul":
            for row in block.rows:
                document.add_paragraph(str(row), style="List Bullet")
        else:
            rows: list[list[str]] = block.rows  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    document.save(str(path))

"""Turning :class:`ReportContent` into files: HTML, Markdown, CSV, XLSX and PDF (from the HTML)."""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from actions.common.errors import UserInputError
from actions.reports.content import ReportContent
from actions.reports.filters import rag_label, status_label
from actions.reports.templates import environment

ACTION_COLUMNS = (
    "ref",
    "inspection",
    "kind",
    "reference",
    "question",
    "judgement",
    "finding",
    "title",
    "owner_name",
    "owner_email",
    "deadline",
    "original_deadline",
    "status",
    "progress",
    "rag",
    "days_overdue",
    "escalation_level",
    "last_update_on",
    "last_update_note",
    "evidence_url",
    "repeat_of",
)
#: A cell starting with one of these is a formula to a spreadsheet (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: A PDF of more actions than this is the board summary: WeasyPrint lays out about 20-40 pages a
#: second on one core (measured: 1,030 pages of 2,000 findings took 209 s), and nobody reads a
#: 1,000-page PDF. Long lists are cut to their first rows (worst first) and the per-finding
#: section is left to the HTML, Markdown and spreadsheets, which always hold everything.
PDF_FULL_LIMIT = 100
PDF_ROW_LIMIT = 20


def render_html(
    content: ReportContent, *, row_limit: int | None = None, findings: bool = True
) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(c=content, row_limit=row_limit, findings=findings)


def pdf_html(content: ReportContent, html: str) -> str:
    """The HTML the PDF is printed from: the same document, summarised when it is large."""
    if content.pack or content.summary["total"] <= PDF_FULL_LIMIT:  # a pack is always whole
        return html
    return render_html(content, row_limit=PDF_ROW_LIMIT, findings=False)


def render_markdown(content: ReportContent) -> str:
    return environment().get_template("report.md.j2").render(c=content)


def action_rows(content: ReportContent) -> Iterator[tuple[Any, ...]]:
    """One row per action, in report order (inspection, then finding sequence)."""
    for section in content.sections:
        for group in section.groups:
            for item in group.items:
                v, f = item.view, item.finding
                yield (
                    v.ref,
                    section.info.code,
                    v.kind,
                    f.reference if f else None,
                    v.question,
                    f.judgement if f else None,
                    v.finding,
                    v.title,
                    v.owner_name,
                    v.owner_email,
                    v.deadline,
                    v.original_deadline,
                    v.status,
                    v.progress,
                    v.rag or "done",
                    v.days_overdue,
                    v.escalation_level,
                    v.last_update_on,
                    v.last_update_note,
                    v.evidence_url,
                    v.repeat_of,
                )


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text by spreadsheets, never evaluated
    return value.isoformat() if hasattr(value, "isoformat") else value


def write_csv(content: ReportContent, path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel reads UTF-8
        writer = csv.writer(handle)
        writer.writerow(ACTION_COLUMNS)
        writer.writerows(tuple(_csv_cell(v) for v in row) for row in action_rows(content))
    return path


# --------------------------------------------------------------------------- XLSX


def write_xlsx(content: ReportContent, path: Path) -> Path:
    # lazy: start-up speed (see actions/cli/app.py)
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    _summary_sheet(summary, content)
    _table(book.create_sheet("Actions"), ACTION_COLUMNS, list(action_rows(content)))
    _table(
        book.create_sheet("Overdue"),
        ("ref", "title", "owner", "deadline", "days_overdue", "escalation_level", "policy_level"),
        [
            (
                r.view.ref,
                r.view.title,
                r.view.owner_name or r.view.owner_email or "(unassigned)",
                r.view.deadline,
                r.view.days_overdue,
                r.view.escalation_level,
                r.policy_level,
            )
            for r in content.overdue
        ],
    )
    _table(
        book.create_sheet("Updates"),
        ("date", "ref", "by", "status_to", "progress", "note", "evidence_url", "review"),
        [
            (u.on, u.ref, u.by, u.status_to, u.progress, u.note, u.evidence_url, u.decision)
            for u in content.updates
        ],
    )
    _table(
        book.create_sheet("By owner"),
        ("owner", "email", "total", "open", "red", "amber", "green", "overdue", "completed_closed"),
        [
            (r.label, r.detail, r.total, r.open, r.red, r.amber, r.green, r.overdue, r.done)
            for r in content.by_owner
        ],
    )
    _table(
        book.create_sheet("Forecast"),
        (
            "inspection",
            "next_inspection",
            "window_days",
            "completed_in_window",
            "rate_per_week",
            "days_left",
            "open_now",
            "expected_completions",
            "predicted_open",
            "predicted_open_refs",
            "verdict",
        ),
        [
            (
                f.label,
                f.next_inspection,
                f.window_days,
                f.completed_in_window,
                round(f.rate_per_week, 2),
                f.days_left,
                f.open_now,
                f.expected_completions,
                f.predicted_open,
                ", ".join(i.ref for i in f.still_open),
                f.verdict,
            )
            for f in content.forecasts
        ],
    )
    book.save(path)
    return path


def _set(ws: Any, row: int, column: int, value: Any) -> None:
    # lazy: start-up speed (see actions/cli/app.py)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):  # stored before imports refused them: XML cannot hold them
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, not a formula (user text must never run)


def _table(ws: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    # lazy: start-up speed (see actions/cli/app.py)
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for col, header in enumerate(headers, start=1):
        _set(ws, 1, col, header)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            _set(ws, r, col, value)
    for col, header in enumerate(headers, start=1):
        longest = max([len(header)] + [len(str(row[col - 1] or "")) for row in rows[:200]])
        ws.column_dimensions[get_column_letter(col)].width = min(max(10, longest + 2), 60)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def _summary_sheet(ws: Any, content: ReportContent) -> None:
    # lazy: start-up speed (see actions/cli/app.py)
    from openpyxl.styles import Font

    rows: list[tuple[Any, ...]] = [
        (content.title,),
        (content.scope,),
        ("as of", content.as_of),
        ("updates since", content.since),
        (),
    ]
    rows += [(label, int(figure), note) for figure, label, note in content.headline]
    rows += [(), ("RAG (open actions)",)] + [(rag_label(c), n) for c, n in content.by_rag]
    rows += [(), ("Shown apart",)] + [(status_label(s), n) for s, n in content.done_apart]
    rows += [(), ("By status",)] + [(r.label, r.total) for r in content.by_status]
    rows += [(), ("By kind",)] + [(r.label, r.total) for r in content.by_kind]
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            _set(ws, r, col, value)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["C"].width = 40


# --------------------------------------------------------------------------- PDF


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report is self-contained: WeasyPrint must never reach out to the network or disk."""
    raise ValueError(f"report rendering does not fetch resources ({url[:40]})")


@contextmanager
def _quiet_weasyprint() -> Iterator[None]:
    """WeasyPrint warns about screen-only CSS (overflow, text-size-adjust); not news to anyone."""
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def write_pdf(html: str, path: Path) -> Path:
    # lazy: start-up speed (see actions/cli/app.py); WeasyPrint costs over a second
    from weasyprint import HTML

    with _quiet_weasyprint():
        HTML(string=html, url_fetcher=_no_fetch).write_pdf(path)
    return path


def writable_dir(out_dir: Path) -> None:
    """Make ``out_dir`` (with its parents) or say in one line why reports cannot go there."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"{out_dir}: cannot write reports there ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK):
        raise UserInputError(f"{out_dir}: cannot write reports there (permission denied)")

"""Reading reports: `extract` (the findings, no database) and `ingest` (findings become
actions, repeats of the last inspection are linked).

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from actions.cli.app import (
    JsonOpt,
    app,
    emit_json,
    err,
    out,
    plain,
)
from actions.common.dates import parse_date
from actions.common.errors import UserInputError
from actions.common.tabular import require_file
from actions.flows_api import run_ingest
from actions.results import IngestResult

# --------------------------------------------------------------------------- reports in


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="Report: .txt, .html/.htm, .pdf or .docx.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="json, table, or csv (the actions-CSV columns: correct, then `actions import`).",
        ),
    ] = "json",
) -> None:
    """Print the findings of a report (no database).

    Where the report looks like it holds findings the reader could not place, a warning on
    stderr names the page or line to check.
    """
    from actions.intake.extract import extract_file

    if fmt not in {"json", "table", "csv"}:
        raise UserInputError(f"--format {fmt!r}: use json, table or csv")
    report = extract_file(file)
    if not report.findings:
        raise UserInputError(f"no findings found in {file}")
    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    if fmt == "json":
        emit_json(report.to_json())
    elif fmt == "csv":
        from actions.intake.extract.tabular import write_findings_csv

        inspection = report.title or file.stem.replace("_", " ")
        write_findings_csv(report, inspection, sys.stdout)
    else:
        _print_findings(report, file)


def _print_findings(report: Any, file: Path) -> None:
    table = Table("#", "kind", "ref", "question", "due", "conf.", "text")
    for index, f in enumerate(report.findings):
        table.add_row(
            *(
                plain(cell)
                for cell in (
                    str(index),
                    f.kind,
                    f.reference or "",
                    f.question or "",
                    f.due_text or "",
                    f"{f.confidence:.2f}",
                    f.text,
                )
            )
        )
    out.print(table)
    out.print(plain(f"{len(report.findings)} finding(s) in {file}"))


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="Report: .txt, .html/.htm, .pdf or .docx.")],
    body: Annotated[str, typer.Option(help="The inspected body, e.g. 'Northamptonshire Police'.")],
    inspectorate: Annotated[str | None, typer.Option(help="e.g. HMICFRS, Ofsted.")] = None,
    title: Annotated[
        str | None, typer.Option(help="Report title (default: from the report).")
    ] = None,
    published: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD")] = None,
    next_inspection: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD")] = None,
    addressee: Annotated[
        list[str] | None,
        typer.Option(
            "--addressee",
            metavar="NAME",
            help="Keep findings addressed to this body (repeatable) and those addressed to "
            "no one, e.g. --addressee 'chief constables'.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would happen.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create the inspection, its findings and one action per finding (idempotent)."""
    from actions.intake.ingest import InspectionMeta

    meta = {
        "body": body,
        "inspectorate": inspectorate,
        "title": title,
        "published": parse_date(published, what="--published") if published else None,
        "next_inspection": parse_date(next_inspection, what="--next-inspection")
        if next_inspection
        else None,
        "addressees": list(addressee or ()),
    }
    InspectionMeta.of(meta)  # a clear error before any flow run starts
    require_file(file)
    summary = run_ingest(str(file.resolve()), meta, dry_run=dry_run)
    if as_json:
        emit_json(summary)
        return
    _print_ingest(summary)


def _print_ingest(summary: IngestResult) -> None:
    if summary["outcome"] == "unchanged":
        out.print(f"{summary['file']}: {summary['note']}", markup=False)
        return
    prefix = "would " if summary["dry_run"] else ""
    out.print(
        plain(
            f"{summary['inspection']} — {summary['title']} ({summary['outcome']}): "
            f"{prefix}create {len(summary['created'])} action(s), keep {summary['kept']}, "
            f"{prefix}supersede {len(summary['superseded'])}"
        )
    )
    for ref in summary["created"]:
        out.print(f"  + {ref}")
    for ref in summary["superseded"]:
        out.print(f"  ~ {ref} (superseded)")
    _print_repeats(summary, prefix)
    if summary["unassigned"]:
        out.print(
            f"[yellow]{len(summary['unassigned'])} action(s) have no owner yet:[/] "
            + ", ".join(summary["unassigned"])
        )
    if summary.get("left_out"):
        named = ", ".join(
            f"{name} ({n})" for name, n in sorted(summary["left_out_addressees"].items())
        )
        out.print(
            f"left out {summary['left_out']} finding(s) addressed to others: {named}",
            markup=False,
        )
    for warning in summary.get("warnings", []):
        err.print(f"warning: {warning}", markup=False, highlight=False)


def _print_repeats(summary: IngestResult, prefix: str) -> None:
    """The next inspection's view (docs/next-inspection.md): raised again, maybe raised again,
    not raised again."""
    repeats, maybe = summary.get("repeats", []), summary.get("suggested_repeats", [])
    if repeats:
        out.print(
            f"raised again ({len(repeats)}): owners carried over, earlier actions "
            f"{'would be' if prefix else 'are'} superseded unless closed"
        )
    for r in repeats:
        flag = f" — closed on {r['closed_on']}, raised again" if r["closed_on"] else ""
        out.print(plain(f"  ↻ {r['ref']} repeats {r['repeat_of']} ({r['similarity']:.2f}){flag}"))
    if maybe:
        out.print(
            f"may be raised again ({len(maybe)}): confirm or dismiss with "
            "`actions repeats confirm|dismiss REF --by SRO`"
        )
    for r in maybe:
        out.print(plain(f"  ? {r['ref']} may repeat {r['repeat_of']} ({r['similarity']:.2f})"))
    if summary.get("not_raised_again"):
        refs = summary["not_raised_again"]
        out.print(
            plain(f"not raised again ({len(refs)}), still open, for review: " + ", ".join(refs))
        )

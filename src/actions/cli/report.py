"""Commands of the `report` area (registered on the app when this module is imported).

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from actions.cli.app import AsOfOpt, JsonOpt, app, emit_json, out
from actions.common.dates import as_of_or_today, parse_date
from actions.common.errors import UserInputError
from actions.flows_api import run_report

ALL_FORMATS = "html,pdf,md,csv,xlsx"


@app.command()
def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Directory to write into (created if missing).")
    ] = Path("reports"),
    fmt: Annotated[
        str, typer.Option("--format", help="Comma-separated: html,pdf,md,csv,xlsx.")
    ] = ALL_FORMATS,
    inspection: Annotated[
        str | None,
        typer.Option(help="Only this inspection (its code, e.g. NOR-2018); default all."),
    ] = None,
    owner: Annotated[
        list[str] | None,
        typer.Option(help="Only actions owned by this email (repeat for several people)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD",
            help="Date of the previous report: 'updates since' lists updates after it "
            "(default: 7 days before --as-of).",
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    statutory: Annotated[
        bool,
        typer.Option(
            "--statutory",
            help="Instead: the draft statutory response (HTML + DOCX; needs --inspection).",
        ),
    ] = False,
    pack: Annotated[
        bool,
        typer.Option(
            "--pack",
            help="Instead: the pre-inspection pack with all evidence (HTML, PDF, MD; "
            "needs --inspection).",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the progress report and print where each file is.

    --statutory writes the draft response to the police and crime commissioner (due 56 days
    after publication) and --pack the pre-inspection pack instead of the progress report.
    """
    from actions.reports import generate_pack, generate_statutory_response, parse_formats

    day = as_of_or_today(as_of)
    if statutory or pack:
        if statutory and pack:
            raise UserInputError("choose one of --statutory and --pack")
        if not inspection:
            raise UserInputError(
                f"--{'statutory' if statutory else 'pack'} needs --inspection CODE"
            )
    if statutory:
        assert inspection is not None
        _print_paths(generate_statutory_response(out_dir, inspection, day), {}, as_json)
        return
    if pack:
        assert inspection is not None
        result = generate_pack(out_dir, inspection, day)
        _print_paths(result.paths, result.summary, as_json)
        return
    # The progress report runs as a Prefect flow run (docs/commands.md); sending it to managers
    # is the scheduled flow's job, so the command only writes the files.
    written = run_report(
        day,
        str(out_dir),
        formats=",".join(parse_formats(fmt)),
        inspection=inspection,
        owners=owner or None,
        since=parse_date(since, what="--since") if since else None,
        title=title,
        send=False,
    )
    paths = {fmt_: Path(path) for fmt_, path in written["files"].items()}
    _print_paths(paths, written["summary"], as_json)


def _print_paths(paths: dict[str, Path], summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json({"files": {k: str(v) for k, v in paths.items()}, "summary": summary})
        return
    if summary:
        out.print(
            f"{summary['total']} action(s): {summary['open']} open, {summary['overdue']} overdue, "
            f"{summary['status']['closed']} closed (as of {summary['as_of']})",
            markup=False,
        )
    for fmt, path in paths.items():
        out.print(f"{fmt:5} {path}", markup=False, highlight=False)

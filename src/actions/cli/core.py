"""Everyday commands: init, people, list, show, update, review, extract, ingest."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from actions.cli.app import (
    AsOfOpt,
    JsonOpt,
    app,
    database,
    emit_json,
    err,
    fitted_table,
    out,
    people_app,
    plain,
    rag_cell,
)
from actions.common.dates import as_of_or_today, parse_date
from actions.results import IngestResult

# --------------------------------------------------------------------------- init


@app.command()
def init(as_json: JsonOpt = False) -> None:
    """Create the database, or migrate it to the newest schema (safe to run again)."""
    from actions.common.settings import get_settings

    url = get_settings().database_url
    from actions.store import db

    revision = db.migrate()
    if as_json:
        emit_json({"database": db.describe_url(url), "revision": revision})
    else:
        out.print(f"database ready: {db.describe_url(url)} (schema {revision})")


# --------------------------------------------------------------------------- people


@people_app.command("import")
def people_import(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: email,name,manager_email,notify,role")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create or update people from a file (all-or-nothing)."""
    from actions.tracking.people import import_people

    with database() as session:
        result = import_people(session, file, dry_run=dry_run)
    if as_json:
        emit_json({**asdict(result), "dry_run": dry_run})
        return
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{verb} {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged people from {file}"
    )


@people_app.command("list")
def people_list(as_json: JsonOpt = False) -> None:
    """List people with their manager, role and channel (never the channel's URLs)."""
    from actions.tracking.people import channel_label, list_people

    with database() as session:
        rows = list_people(session)
        if as_json:
            emit_json(
                [
                    {
                        "email": p.email,
                        "name": p.name,
                        "manager_email": m,
                        "role": p.role,
                        "channel": channel_label(p),
                    }
                    for p, m in rows
                ]
            )
            return
        table = Table("email", "name", "manager", "role", "channel")
        for person, manager in rows:
            cells = (person.email, person.name, manager or "", person.role, channel_label(person))
            table.add_row(*(plain(cell) for cell in cells))
    out.print(table)


# --------------------------------------------------------------------------- read


@app.command("list")
def list_actions(
    owner: Annotated[str | None, typer.Option(help="Only this owner's actions (email).")] = None,
    status: Annotated[str | None, typer.Option(help="Only actions in this status.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue open actions.")] = False,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List actions with owner, deadline, status and RAG."""
    from actions.domain.lifecycle import parse_status
    from actions.domain.policy import load_policy
    from actions.tracking.queries import ActionFilter, iter_actions

    day = as_of_or_today(as_of)
    filters = ActionFilter(
        owner=owner, status=parse_status(status).value if status else None, overdue=overdue
    )
    rules = load_policy().rag_rules()
    with database() as session:
        views = list(iter_actions(session, day, filters, rules))
    if as_json:
        emit_json([v.as_json() for v in views])
        return
    rows = [
        (
            v.ref,
            v.status,
            rag_cell(v.rag),
            f"{v.progress}%",
            str(v.deadline or ""),
            v.owner_email or "(unassigned)",
            v.title,
        )
        for v in views
    ]
    headers = ("ref", "status", "rag", "progress", "deadline", "owner", "title")
    out.print(fitted_table(headers, rows))
    out.print(f"{len(views)} action(s) as of {day}")


@app.command()
def show(ref: str, as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """Show one action: its finding, deadlines, updates and full history."""
    from actions.domain.policy import load_policy
    from actions.repeats.review import chain
    from actions.tracking.history import audit_trail, deadline_history, update_entries
    from actions.tracking.queries import get_action, view_by_id

    day = as_of_or_today(as_of)
    with database() as session:
        action = get_action(session, ref)
        assert action.id is not None
        view = view_by_id(session, action.id, day, load_policy().rag_rules())
        trail = audit_trail(session, action.id)
        deadlines = deadline_history(action, trail)
        updates = update_entries(session, action.id)
        steps = chain(session, action)
    if as_json:
        emit_json(
            {
                **view.as_json(),
                "deadlines": [asdict(d) for d in deadlines],
                "updates": [asdict(u) for u in updates],
                "chain": [
                    {**asdict(s), "closed_on": s.closed_on.isoformat() if s.closed_on else None}
                    for s in steps
                ],
                "history": [
                    {
                        "at": r.at.isoformat(),
                        "actor": r.actor,
                        "field": r.field,
                        "old": r.old,
                        "new": r.new,
                        "reason": r.reason,
                    }
                    for r in trail
                ],
            }
        )
        return
    _print_action(view, deadlines, updates, trail)
    _print_chain(view.ref, steps)


def _print_chain(ref: str, steps: list[Any]) -> None:
    """The finding's line across inspections: raised, raised again, …"""
    if not steps:
        return
    out.print(Text("\nAcross inspections", style="bold"))
    for n, step in enumerate(steps):
        arrow = "  " if n == 0 else "→ "
        closed = (
            f" on {step.closed_on}, raised again" if step.closed_on and n < len(steps) - 1 else ""
        )
        here = "   ← this action" if step.ref == ref else ""
        out.print(plain(f"  {arrow}{step.ref} ({step.inspection}) {step.status}{closed}{here}"))


def _print_action(view: Any, deadlines: list[Any], updates: list[Any], trail: list[Any]) -> None:
    """Every value is data (``plain``): only the section titles are styled."""
    overdue = f", {view.days_overdue} day(s) overdue" if view.days_overdue else ""
    question = f" — {view.question}" if view.question else ""
    out.print(Text.assemble((view.ref, "bold"), " ", plain(view.title)))
    for line in (
        f"  inspection  {view.inspection}",
        f"  kind        {view.kind}{question}",
        f"  owner       {view.owner_email or '(unassigned)'}",
        f"  status      {view.status}, {view.progress}%, RAG {view.rag or '—'}",
        f"  deadline    {view.deadline or '(none)'}{overdue}",
        f"  escalation  level {view.escalation_level}",
        *([f"  repeats     {view.repeat_of} (raised again)"] if view.repeat_of else []),
    ):
        out.print(plain(line))
    out.print(Text("\nFinding", style="bold"))
    out.print(plain(f"  {view.finding}"))
    out.print(Text("\nDeadlines", style="bold"))
    for d in deadlines:
        when = d.since.date().isoformat() if d.since else ""
        out.print(plain(f"  {d.deadline or '(none)'}  {d.by} {when} {d.reason}".rstrip()))
    out.print(Text("\nUpdates", style="bold"))
    for u in updates or []:
        review = (
            f" → {u.decision} by {u.reviewer}"
            if u.decision
            else (" (awaiting review)" if u.needs_review else "")
        )
        asked = f" status→{u.status_to}" if u.status_to else ""
        asked += f" deadline→{u.requested_deadline}" if u.requested_deadline else ""
        out.print(plain(f"  {u.at:%Y-%m-%d %H:%M} {u.by}{asked}{review}: {u.note or u.reason}"))
    if not updates:
        out.print("  (none)")
    out.print(Text("\nHistory", style="bold"))
    for r in trail:
        change = f"{r.field} {r.old or ''} → {r.new or ''}"
        reason = f" ({r.reason})" if r.reason else ""
        out.print(plain(f"  {r.at:%Y-%m-%d %H:%M} {r.actor}: {change}{reason}"))


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
    from actions.common.errors import UserInputError
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
    from actions.common.errors import UserInputError
    from actions.common.tabular import require_file
    from actions.flows_api import run_ingest
    from actions.intake.ingest import InspectionMeta

    if not body.strip():
        raise UserInputError("--body must name the inspected body")
    meta = InspectionMeta(
        body=body.strip(),
        inspectorate=inspectorate,
        title=title,
        published=parse_date(published, what="--published") if published else None,
        next_inspection=parse_date(next_inspection, what="--next-inspection")
        if next_inspection
        else None,
        addressees=tuple(name.strip() for name in addressee or () if name.strip()),
    )
    require_file(file)  # a clear error before any flow run starts
    summary = run_ingest(str(file.resolve()), asdict(meta), dry_run=dry_run)
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


# --------------------------------------------------------------------------- write


@app.command()
def update(
    ref: str,
    by: Annotated[str, typer.Option("--by", help="Email of the person making the update.")],
    status: Annotated[
        str | None,
        typer.Option(help="open, in_progress, blocked, completed, not_accepted, superseded."),
    ] = None,
    progress: Annotated[int | None, typer.Option(help="Progress 0-100.")] = None,
    note: Annotated[str, typer.Option(help="Narrative; required to complete.")] = "",
    evidence: Annotated[str, typer.Option(help="Link to evidence (http/https).")] = "",
    deadline: Annotated[
        str | None, typer.Option(help="Ask for a new deadline (YYYY-MM-DD).")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why the deadline should change.")] = "",
    superseded_by: Annotated[str | None, typer.Option(help="The newer action's ref.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an update; completion, deadline changes and 'not accepted' then await review."""
    from actions.domain.lifecycle import UpdateRequest, parse_status
    from actions.tracking.updates import post_update

    request = UpdateRequest(
        status=parse_status(status) if status else None,
        progress=progress,
        note=note,
        evidence_url=evidence,
        deadline=parse_date(deadline, what="--deadline") if deadline else None,
        reason=reason,
        superseded_by=superseded_by,
    )
    with database() as session:
        outcome = post_update(session, ref, request, by=by)
    _print_outcome(outcome, as_json)


@app.command()
def review(
    ref: str,
    by: Annotated[str, typer.Option("--by", help="Email of the reviewer.")],
    accept: Annotated[bool, typer.Option("--accept", help="Accept what awaits review.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject what awaits review.")] = False,
    note: Annotated[str, typer.Option(help="The reviewer's note.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Accept or reject a pending completion, deadline change or 'not accepted'."""
    from actions.common.errors import UserInputError
    from actions.tracking.updates import review as review_action

    if accept == reject:
        raise UserInputError("give exactly one of --accept or --reject")
    with database() as session:
        outcome = review_action(session, ref, accept=accept, by=by, note=note)
    _print_outcome(outcome, as_json)


def _print_outcome(outcome: Any, as_json: bool) -> None:
    if as_json:
        emit_json(asdict(outcome))
        return
    tail = " — awaiting review" if outcome.awaiting_review else ""
    out.print(
        f"{outcome.ref}: {outcome.message}; status {outcome.status}, "
        f"{outcome.progress}%, deadline {outcome.deadline or '(none)'}{tail}"
    )

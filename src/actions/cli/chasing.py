"""Chasing commands: chase and escalate (each delivers what it planned), and deliver (the outbox).

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from actions.cli.app import AsOfOpt, JsonOpt, app, emit_json, err, fitted_table, out
from actions.common.dates import as_of_or_today
from actions.flows_api import run_chase, run_deliver
from actions.results import ChaseResult

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show the plan; write and send nothing.")
]


def _run(kind: str, as_of: str | None, dry_run: bool, as_json: bool) -> int:

    day = as_of_or_today(as_of)
    summary = run_chase(kind, day, dry_run=dry_run)
    public = {
        k: summary[k]
        for k in ("as_of", "planned", "sent", "skipped_duplicate", "failed", "recipients")
    }
    if as_json:
        emit_json(
            {
                **public,
                "items": summary["items"],
                "dry_run": dry_run,
                "unroutable": summary["unroutable"],
            }
        )
    else:
        _print_summary(kind, summary, dry_run)
    return 1 if summary["failed"] else 0


def _print_summary(kind: str, summary: ChaseResult, dry_run: bool) -> None:
    if summary.get("not_working_day"):
        out.print(
            f"{summary['as_of']} is not a working day ({summary['not_working_day']}): "
            "nothing planned; the next run catches up"
        )
        return
    rows = [(m["recipient"], m["role"], str(m["items"]), m["refs"]) for m in summary["messages"]]
    if rows:
        out.print(fitted_table(("recipient", "role", "items", "actions"), rows))
        if len(rows) < summary["planned"]:
            out.print(f"(the first {len(rows)} of {summary['planned']} recipients, by name)")
    sent = f"would send {summary['planned']}" if dry_run else f"sent {summary['sent']}"
    out.print(
        f"{kind} as of {summary['as_of']}: {summary['planned']} message(s) to "
        f"{summary['recipients']} recipient(s), {sent}, failed {summary['failed']}, "
        f"skipped {summary['skipped_duplicate']} already sent"
    )
    _print_undelivered(summary.get("delivery", []))
    if summary["unroutable"]:
        from actions.chasing import listed_refs

        err.print("  no recipient for: " + listed_refs(summary), markup=False)


def _print_undelivered(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row["state"] != "sent":
            err.print(
                f"  not delivered to {row['recipient']}: {row['error']} "
                f"({'will retry' if row['state'] == 'pending' else 'gave up'})",
                markup=False,
            )


@app.command()
def chase(as_of: AsOfOpt = None, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Plan and send reminders: deadlines coming up and updates overdue (one digest each)."""
    raise typer.Exit(_run("chase", as_of, dry_run, as_json))


@app.command()
def escalate(as_of: AsOfOpt = None, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Plan and send escalations of overdue actions: owner, then manager, then the SRO."""
    raise typer.Exit(_run("escalate", as_of, dry_run, as_json))


@app.command()
def deliver(as_json: JsonOpt = False) -> None:
    """Send what is due in the outbox now, retries of earlier failures included."""

    result = run_deliver()
    if as_json:
        emit_json({k: result[k] for k in ("sent", "failed", "gave_up")})
    else:
        out.print(
            f"outbox: sent {result['sent']}, failed {result['failed']} "
            f"(of which {result['gave_up']} gave up)"
        )
        _print_undelivered(result["rows"])
    raise typer.Exit(1 if result["failed"] else 0)

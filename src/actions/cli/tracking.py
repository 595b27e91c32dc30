"""Tracking actions: `list`, `show`, `update` and `review`.

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.text import Text

from actions.cli.app import (
    AsOfOpt,
    JsonOpt,
    app,
    database,
    emit_json,
    fitted_table,
    out,
    plain,
    rag_cell,
)
from actions.common.dates import as_of_or_today, parse_date
from actions.common.errors import UserInputError

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

"""Commands of the next inspection (docs/next-inspection.md): the repeat links a person decides.

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer

from actions.cli.app import JsonOpt, app, database, emit_json, out, plain

if TYPE_CHECKING:
    from actions.repeats.review import Decision

repeats_app = typer.Typer(
    help="Findings raised again at the next inspection: suggestions to confirm, links to fix.",
    no_args_is_help=True,
)
app.add_typer(repeats_app, name="repeats")

ByOpt = Annotated[str, typer.Option("--by", help="Email of the SRO deciding.")]
EarlierOpt = Annotated[
    str | None, typer.Option("--repeat-of", metavar="REF", help="The earlier action.")
]


@repeats_app.command("list")
def list_suggestions(as_json: JsonOpt = False) -> None:
    """Suggested repeats waiting for the SRO: a new finding that may raise an earlier one again."""
    from actions.repeats.review import pending_suggestions

    with database() as session:
        pending = pending_suggestions(session)
    if as_json:
        emit_json([asdict(s) for s in pending])
        return
    for s in pending:
        out.print(plain(f"{s.ref} may repeat {s.repeat_of} (similarity {s.similarity:.2f})"))
        out.print(plain(f"  now:    {s.finding}"))
        out.print(plain(f"  before: {s.earlier_finding}"))
    out.print(f"{len(pending)} suggestion(s) to decide")


@repeats_app.command("confirm")
def confirm(ref: str, by: ByOpt, repeat_of: EarlierOpt = None, as_json: JsonOpt = False) -> None:
    """Link REF to the earlier action it repeats: the suggested one, or --repeat-of REF.

    The owner carries over and the earlier action is superseded unless it was closed.
    """
    from actions.repeats.review import confirm as confirm_link

    with database() as session:
        decision = confirm_link(session, ref, by=by, repeat_of=repeat_of)
    _print(decision, as_json)


@repeats_app.command("dismiss")
def dismiss(ref: str, by: ByOpt, repeat_of: EarlierOpt = None, as_json: JsonOpt = False) -> None:
    """Say REF does not repeat the suggested earlier action(s)."""
    from actions.repeats.review import dismiss as dismiss_link

    with database() as session:
        decision = dismiss_link(session, ref, by=by, repeat_of=repeat_of)
    _print(decision, as_json)


@repeats_app.command("break")
def break_(
    ref: str,
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="Why REF is not a repeat (audited).")],
    as_json: JsonOpt = False,
) -> None:
    """Undo a wrong link: REF stops repeating; the earlier action gets its status back."""
    from actions.repeats.review import break_link

    with database() as session:
        decision = break_link(session, ref, by=by, reason=reason)
    _print(decision, as_json)


def _print(decision: Decision, as_json: bool) -> None:
    if as_json:
        emit_json(asdict(decision))
        return
    out.print(plain(decision.message))

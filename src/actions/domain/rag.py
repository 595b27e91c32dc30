"""Red/amber/green, derived exactly as docs/lifecycle.md says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from actions.domain.models import Status


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    #: completed, closed, superseded and not accepted are shown apart from the RAG counts.
    DONE = ""


@dataclass(frozen=True)
class RagRules:
    amber_within_days: int = 14
    amber_below_progress: int = 75
    update_cadence_days: int = 30


def rag(
    *,
    status: str,
    deadline: date | None,
    progress: int,
    last_activity: date,
    as_of: date,
    rules: RagRules = RagRules(),
) -> Rag:
    """``last_activity`` is the date of the last update (or of creation, if none yet)."""
    if status not in (Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED):
        return Rag.DONE
    if status == Status.BLOCKED or (deadline is not None and deadline < as_of):
        return Rag.RED
    if (
        deadline is not None
        and (deadline - as_of).days <= rules.amber_within_days
        and progress < rules.amber_below_progress
    ):
        return Rag.AMBER
    if (as_of - last_activity).days > rules.update_cadence_days:
        return Rag.AMBER
    return Rag.GREEN

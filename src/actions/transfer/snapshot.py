"""What an import checks rows against: people, actions and inspections, read once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import func, select
from sqlmodel import Session, col

from actions.domain.models import Action, Finding, Inspection, Person
from actions.tracking.queries import inspection_label


class Existing(NamedTuple):
    """The fields of an existing action that an import may change."""

    id: int
    title: str
    owner_id: int | None
    deadline: date | None
    original_deadline: date | None
    status: str
    progress: int
    notes: str
    escalation_level: int
    repeat_of_id: int | None


@dataclass(frozen=True)
class Snapshot:
    """What an import checks rows against, read once."""

    people: dict[str, int]
    actions: dict[str, Existing]
    #: id → (code, label) of every inspection.
    inspections: dict[int, tuple[str, str]]
    max_seq: dict[int, int]

    @cached_property
    def emails(self) -> dict[int, str]:
        """id → email (only needed when an owner changes)."""
        return {id_: email for email, id_ in self.people.items()}

    @cached_property
    def refs(self) -> dict[int, str]:
        """id → ref (only needed when a repeat link changes)."""
        return {known.id: ref for ref, known in self.actions.items()}


def load_snapshot(session: Session, *, lock: bool = False) -> Snapshot:
    people = {e: i for e, i in session.execute(select(col(Person.email), col(Person.id)))}
    stmt = select(col(Action.ref), *(col(getattr(Action, f)) for f in Existing._fields))
    if lock:  # PostgreSQL: no owner update slips in between this read and the writes
        stmt = stmt.with_for_update()
    actions = {r[0].upper(): Existing(*r[1:]) for r in session.execute(stmt)}
    inspections = {
        i.id: (i.code, inspection_label(i)) for i in session.execute(select(Inspection)).scalars()
    }
    seqs = select(col(Finding.inspection_id), func.max(col(Finding.seq))).group_by(
        col(Finding.inspection_id)
    )
    max_seq = {i: n for i, n in session.execute(seqs)}
    return Snapshot(people, actions, inspections, max_seq)  # type: ignore[arg-type]

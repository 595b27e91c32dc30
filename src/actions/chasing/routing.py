"""Routing (docs/chasing.md): who receives each candidate's line, and the lines gathered into one
digest per recipient as the candidates stream past, ordered by recipient."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session, col

from actions.chasing.candidates import ESCALATE
from actions.chasing.thresholds import Due
from actions.domain.models import Person
from actions.messaging.digest import encode_line

if TYPE_CHECKING:
    from actions.chasing.planning import Plan
    from actions.chasing.recording import Writer


@dataclass(frozen=True, slots=True)
class Recipient:
    id: int
    email: str
    name: str
    role: str


@dataclass(slots=True)
class Line:
    """One action in one recipient's digest, already in its stored form (:func:`encode_line`):
    an SRO's digest can list every action at level 3, so lines are kept small."""

    action_id: int
    ref: str
    code: str
    role: str  # the recipient's role for this line: owner, manager or sro
    copied: bool = False
    #: The ledger items of the action, on the one line (of all recipients') whose message
    #: holds them; empty on the other lines.
    items: tuple[Due, ...] = ()


def _line(
    row: Any, dues: list[Due], role: str, *, copied: bool = False, keyed: bool = False
) -> Line:
    code = encode_line(row.id, role, dues)
    return Line(row.id, row.ref, code, role, copied, tuple(dues) if keyed else ())


def sros(session: Session) -> list[Recipient]:
    """The active SROs, by email: they receive what has nobody else to go to."""
    rows = session.execute(
        select(col(Person.id), col(Person.email), col(Person.name), col(Person.role))
        .where(col(Person.active), col(Person.role) == "sro")
        .order_by(col(Person.email))
    )
    return [Recipient(r.id, r.email, r.name, r.role) for r in rows]


# docs/chasing.md: reminders go to the owner; escalations to the owner (level 1), the owner's
# manager with the owner copied (level 2), the SROs with the owner copied (level 3). With no
# active owner, or no active manager at level 2, the SROs receive it instead.

#: (recipient id, action id, line, candidate row with the recipient's details): sorts as the
#: digests group.
Routed = tuple[int, int, Line, Any]


class Router:
    def __init__(self, plan: Plan, writer: Writer) -> None:
        self.plan, self.writer, self.sros = plan, writer, writer.sros
        self.to_sros: list[Line] = []  # every SRO receives these: one list, shared

    def owner_lines(self, rows: Iterable[tuple[Any, list[Due], int]]) -> Iterator[Routed]:
        """Every candidate passes here once: the owner's line, the SROs' share, the counts."""
        kind, plan = self.plan.kind, self.plan
        for row, fresh, skipped in rows:
            plan.skipped_duplicate += skipped
            if not fresh:
                continue
            if row.to_id is None and not self.sros:
                plan.unroutable.add(row.ref)  # nobody (active) owns it and there is no SRO
                continue
            level = max(d.level for d in fresh) if kind == ESCALATE else 0
            if kind == ESCALATE:
                self._note_escalation(row, level)
            if row.to_id is None:
                self._to_sros(_line(row, fresh, "sro", keyed=True))
                continue
            line = _line(row, fresh, "owner", copied=level >= 2, keyed=True)
            yield row.to_id, row.id, line, row
            if level >= 3 or (level == 2 and row.manager_id is None):
                self._to_sros(_line(row, fresh, "sro"))

    def manager_lines(self, rows: Iterable[tuple[Any, list[Due], int]]) -> Iterator[Routed]:
        """Level-2 escalations, arriving in the order of the owners' active managers."""
        for row, fresh, _ in rows:
            if fresh and max(d.level for d in fresh) == 2:
                yield row.to_id, row.id, _line(row, fresh, "manager"), row

    def _to_sros(self, line: Line) -> None:
        if self.sros:
            self.to_sros.append(line)

    def _note_escalation(self, row: Any, level: int) -> None:
        self.plan.overdue.add(row.ref)
        if level >= 3:
            self.plan.level3.add(row.ref)
        if level != row.escalation_level:
            self.writer.level_changed(row.id, row.escalation_level, level)


def digests(routed: Iterable[Routed]) -> Iterator[tuple[Recipient, list[Line]]]:
    """Consecutive lines for one recipient → (recipient, lines in action order)."""
    current: Recipient | None = None
    lines: list[Line] = []
    for recipient_id, _, line, row in routed:
        if current is None or recipient_id != current.id:
            if current is not None:
                yield current, lines
            current, lines = Recipient(row.to_id, row.to_email, row.to_name, row.to_role), []
        lines.append(line)
    if current is not None:
        yield current, lines

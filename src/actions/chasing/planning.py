"""A run's plan: :func:`plan` streams the candidates through routing into recording (see the
package's docstring), and :class:`Plan` is what it planned, in counts and bounded samples."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Generic, TypeVar

from sqlmodel import Session

from actions.chasing.candidates import ESCALATE, fresh
from actions.chasing.recording import Writer
from actions.chasing.routing import Line, Routed, Router, digests, sros
from actions.chasing.workdays import bank_holiday_name, is_working_day
from actions.common.gcpause import paused_gc
from actions.domain.policy import Policy
from actions.results import MessageRow, PlanSummary

#: Refs kept for summaries and tables; counts are always whole.
LISTED_REFS = 500
TABLE_ROWS = 1000
T = TypeVar("T")


class Sample(Generic[T]):
    """How many values, and the first ``limit`` of them in order, in bounded memory."""

    def __init__(self, limit: int = LISTED_REFS) -> None:
        self.limit = limit
        self.count = 0
        self._kept: list[T] = []

    def add(self, value: T) -> None:
        self.count += 1
        self._kept.append(value)
        if len(self._kept) >= 2 * self.limit:
            self._kept = sorted(self._kept)[: self.limit]  # type: ignore[type-var]

    def first(self) -> list[T]:
        return sorted(self._kept)[: self.limit]  # type: ignore[type-var]


def listed_refs(summary: PlanSummary) -> str:
    """The unroutable refs of a summary as text, saying how many were left out."""
    refs = summary["unroutable"]
    more = summary["unroutable_count"] - len(refs)
    return ", ".join(refs) + (f" and {more} more" if more > 0 else "")


@dataclass
class Plan:
    """What a run planned: counts, the message ids, and bounded samples of refs."""

    kind: str
    as_of: date
    planned: int = 0
    item_count: int = 0
    skipped_duplicate: int = 0
    not_working_day: str | None = None
    message_ids: list[int] = field(default_factory=list)
    #: (recipient name, role, number of items, refs): the first by name, for the table.
    rows: Sample[tuple[str, str, int, str]] = field(default_factory=lambda: Sample(TABLE_ROWS))
    unroutable: Sample[str] = field(default_factory=Sample)
    overdue: Sample[str] = field(default_factory=Sample)
    level3: Sample[str] = field(default_factory=Sample)

    def summary(self) -> PlanSummary:
        return {
            "as_of": self.as_of.isoformat(),
            "planned": self.planned,
            "items": self.item_count,
            "skipped_duplicate": self.skipped_duplicate,
            "recipients": self.planned,  # one digest per person
            "unroutable": self.unroutable.first(),
            "unroutable_count": self.unroutable.count,
            "not_working_day": self.not_working_day,
            "overdue_refs": self.overdue.first(),
            "overdue_count": self.overdue.count,
            "level3_refs": self.level3.first(),
            "level3_count": self.level3.count,
        }

    def table(self) -> list[MessageRow]:
        """Who gets what, without any address or secret (for the CLI and Prefect artifacts);
        the first ``TABLE_ROWS`` recipients by name."""
        return [
            {"recipient": name, "role": role, "items": items, "refs": refs}
            for name, role, items, refs in self.rows.first()
        ]


@paused_gc()
def plan(
    session: Session,
    kind: str,
    as_of: date,
    policy: Policy,
    *,
    write: bool = True,
    run_label: str = "",
    force: bool = False,
) -> Plan:
    """Plan every reminder (``chase``) or escalation (``escalate``) due on ``as_of`` and, unless
    ``write`` is false (a dry run), record the messages, their ledger items and the escalation
    levels in the session's transaction, batch by batch."""
    result = Plan(kind=kind, as_of=as_of)
    calendar = policy.chase.calendar
    if policy.chase.working_days_only and not force and not is_working_day(as_of, calendar):
        result.not_working_day = bank_holiday_name(as_of, calendar) or as_of.strftime("%A")
        return result
    writer = Writer(session, result, sros(session), write=write, label=run_label)
    router = Router(result, writer)
    routed: Iterable[Routed] = router.owner_lines(fresh(session, kind, as_of, policy))
    if kind == ESCALATE:
        # Managers' lines first where keys tie, as the routes list them (docs/chasing.md).
        managers = fresh(session, kind, as_of, policy, by_manager=True)
        routed = heapq.merge(router.manager_lines(managers), routed, key=_order)
    held: dict[int, list[Line]] = {}  # the SROs' own lines wait for the lines all SROs share
    for recipient, lines in digests(routed):
        if recipient.role == "sro":
            held[recipient.id] = lines
        else:
            writer.digest(recipient, lines)
    shared = sorted(router.to_sros, key=lambda ln: ln.action_id)
    for number, sro in enumerate(writer.sros):
        # The first SRO's message holds the items of actions nobody owns; the rest get copies.
        copies = shared if number == 0 else [_copy(ln) for ln in shared]
        lines = list(heapq.merge(copies, held.pop(sro.id, []), key=lambda ln: ln.action_id))
        if lines:
            writer.digest(sro, lines)
    writer.flush()
    return result


def _order(routed: Routed) -> tuple[int, int]:
    return routed[0], routed[1]


def _copy(line: Line) -> Line:
    return replace(line, items=()) if line.items else line

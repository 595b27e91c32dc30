"""Planning reminders and escalations (SPEC section 8) into the outbox.

Streaming, so memory stays flat however many actions there are: the candidate actions arrive
ordered by recipient (owners, and for level 2 a second stream ordered by manager), each
recipient's digest is complete when the stream moves past them, and finished digests are
written in batches. Per batch of candidates: one query for the dedupe keys already spent; per
batch of digests: a handful of bulk writes. The pure rules live in :mod:`actions.thresholds`;
messages are stored as data (``payload``) and rendered just before sending
(:mod:`actions.delivery`).

What still grows with the data: one digest is built whole (an SRO's can list every action at
level 3; ~250 bytes a line), and the ids of the messages written (one per recipient). Refs and
table rows for summaries are bounded samples; the counts beside them are whole.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, false, func, or_, select, type_coerce, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from actions import audit
from actions.bulk import among, bulk_insert, bulk_insert_values, insert_with_ids
from actions.dates import LONDON, london_date
from actions.digest import encode_line
from actions.gcpause import collect_young, paused_gc
from actions.models import (
    OPEN_STATUSES,
    Action,
    AuditRecord,
    Message,
    MessageItem,
    Person,
)
from actions.policy import Policy
from actions.thresholds import Due, deadline_reminder, escalation, update_request
from actions.types import UTCDateTime, utcnow
from actions.workdays import bank_holiday_name, is_working_day

CHASE = "chase"
ESCALATE = "escalate"
_OPEN = [s.value for s in OPEN_STATUSES]
ITEM_COLUMNS = ("message_id", "action_id", "kind", "threshold", "dedupe_key")
ROLE_RANK = {"owner": 0, "manager": 1, "sro": 2}
#: Candidate rows read, and digest lines written, per batch. Memory follows this, not the data.
BATCH = 5000
#: Refs kept for summaries and tables; counts are always whole.
LISTED_REFS = 500
TABLE_REFS = 20
TABLE_ROWS = 1000
T = TypeVar("T")


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


def listed_refs(summary: dict[str, Any]) -> str:
    """The unroutable refs of a summary as text, saying how many were left out."""
    refs = summary["unroutable"]
    more = summary.get("unroutable_count", len(refs)) - len(refs)
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

    def summary(self) -> dict[str, Any]:
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

    def table(self) -> list[dict[str, Any]]:
        """Who gets what, without any address or secret (for the CLI and Prefect artifacts);
        the first ``TABLE_ROWS`` recipients by name."""
        return [
            {"recipient": name, "role": role, "items": items, "refs": refs}
            for name, role, items, refs in self.rows.first()
        ]


# --------------------------------------------------------------------------- loading


def _sros(session: Session) -> list[Recipient]:
    """The active SROs, by email: they receive what has nobody else to go to."""
    rows = session.execute(
        select(col(Person.id), col(Person.email), col(Person.name), col(Person.role))
        .where(col(Person.active), col(Person.role) == "sro")
        .order_by(col(Person.email))
    )
    return [Recipient(r.id, r.email, r.name, r.role) for r in rows]


def _start_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _candidates(
    session: Session, kind: str, as_of: date, policy: Policy, *, by_manager: bool = False
) -> Iterator[Sequence[Any]]:
    """Open actions that may be due something, in batches, with only the columns the rules and
    the routing need, ordered by recipient: the owner (with the owner's details and active
    manager), or with ``by_manager`` the owner's active manager (with the manager's details),
    for the level-2 escalations that go to managers. People arrive with their actions, so no
    directory of everyone is held in memory."""
    owner, manager = aliased(Person), aliased(Person)
    columns: list[Any] = [
        col(Action.id),
        col(Action.ref),
        col(Action.deadline),
        col(Action.owner_id),
        col(Action.escalation_level),
    ]
    where: list[Any] = [col(Action.status).in_(_OPEN)]
    if kind == CHASE:
        horizon = as_of + timedelta(days=max(policy.chase.reminder_days_before, default=0))
        silent_since = _start_of_day_utc(
            as_of - timedelta(days=policy.chase.update_cadence_days - 1)
        )
        activity = func.coalesce(col(Action.last_update_at), col(Action.created_at))
        columns.append(type_coerce(activity, UTCDateTime()).label("activity"))
        due_soon = and_(col(Action.deadline) >= as_of, col(Action.deadline) <= horizon)
        where += [col(Action.owner_id).is_not(None), or_(due_soon, activity < silent_since)]
    else:
        where.append(col(Action.deadline) < as_of)
    # The recipient's id, email, name and role; escalations also need the owner's active manager.
    active_owner = and_(col(owner.id) == col(Action.owner_id), col(owner.active))
    active_manager = and_(col(manager.id) == col(owner.manager_id), col(manager.active))
    if by_manager:
        person = manager
        stmt = select(*columns).join(owner, active_owner).join(manager, active_manager)
        where += _level_window(as_of, policy, 2)
    else:
        person = owner
        stmt = select(*columns).outerjoin(owner, active_owner)
        if kind == ESCALATE:  # whether level 2 has a manager to go to
            stmt = stmt.add_columns(col(manager.id).label("manager_id"))
            stmt = stmt.outerjoin(manager, active_manager)
    stmt = stmt.add_columns(
        col(person.id).label("to_id"),
        col(person.email).label("to_email"),
        col(person.name).label("to_name"),
        col(person.role).label("to_role"),
    )
    stmt = stmt.where(*where).order_by(col(person.id), col(Action.id))
    # Core rather than the ORM session: the ORM's row handling costs a third of the fetch here.
    result = session.connection().execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions()


def _level_window(as_of: date, policy: Policy, wanted: int) -> list[Any]:
    """Deadlines whose days overdue put an action at level ``wanted`` (none if no such level)."""
    levels = sorted(policy.escalation.levels, key=lambda lv: lv.days_overdue)
    for index, level in enumerate(levels):
        if level.level == wanted:
            bounds = [col(Action.deadline) <= as_of - timedelta(days=level.days_overdue)]
            if index + 1 < len(levels):
                higher = levels[index + 1].days_overdue
                bounds.append(col(Action.deadline) > as_of - timedelta(days=higher))
            return bounds
    return [false()]


def _spent(session: Session, keys: list[str]) -> set[str]:
    """Which of these dedupe keys the ledger already holds: one primary-key lookup per batch, so
    the cost follows today's candidates, not the years of reminders behind them."""
    if not keys:
        return set()
    key = col(MessageItem.dedupe_key)
    stmt = select(key).where(among(session, key, keys))
    return set(session.connection().execute(stmt).scalars())


def _fresh(
    session: Session, batches: Iterable[Sequence[Any]], kind: str, as_of: date, policy: Policy
) -> Iterator[tuple[Any, list[Due], int]]:
    """(row, dues not yet sent, how many were already sent) for each candidate due something."""
    for batch in batches:
        collect_young()  # the garbage cycles of the batch before (the collector is paused)
        due = [(row, dues) for row in batch if (dues := _dues(row, kind, as_of, policy))]
        used = _spent(session, [d.dedupe_key for _, dues in due for d in dues])
        for row, dues in due:
            fresh = [d for d in dues if d.dedupe_key not in used] if used else dues
            yield row, fresh, len(dues) - len(fresh)


def _dues(row: Any, kind: str, as_of: date, policy: Policy) -> list[Due]:
    if kind == ESCALATE:
        due = escalation(row.id, row.deadline, as_of, policy)
        return [due] if due else []
    activity = london_date(row.activity) if row.activity else as_of
    found = [
        deadline_reminder(row.id, row.deadline, as_of, policy),
        update_request(row.id, activity, as_of, policy),
    ]
    return [d for d in found if d is not None]


# --------------------------------------------------------------------------- routing
# SPEC section 8: reminders go to the owner; escalations to the owner (level 1), the owner's
# manager with the owner copied (level 2), the SROs with the owner copied (level 3). With no
# active owner, or no active manager at level 2, the SROs receive it instead.

#: (recipient id, action id, line, candidate row with the recipient's details): sorts as the
#: digests group.
Routed = tuple[int, int, Line, Any]


class _Router:
    def __init__(self, plan: Plan, writer: _Writer) -> None:
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


def _digests(routed: Iterable[Routed]) -> Iterator[tuple[Recipient, list[Line]]]:
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


# --------------------------------------------------------------------------- writing


def message_key(kind: str, recipient_id: int, as_of: date, lines: list[Line]) -> str:
    """Unique per recipient and day: a line's code fixes its dues (their days and levels, with
    ``as_of``, fix the thresholds and dates the dedupe keys are made of)."""
    digest = hashlib.sha256("\n".join(ln.code for ln in lines).encode()).hexdigest()[:16]
    return f"{kind}:{recipient_id}:{as_of.isoformat()}:{digest}"


def _role(lines: list[Line]) -> str:
    return max((ln.role for ln in lines), key=ROLE_RANK.__getitem__)


class _Writer:
    """Finished digests and level changes, written in batches (or only counted: a dry run)."""

    def __init__(
        self, session: Session, plan: Plan, sros: list[Recipient], *, write: bool, label: str
    ) -> None:
        self.session, self.plan, self.sros = session, plan, sros
        self.write, self.label, self.now = write, label, utcnow()
        self.messages: list[dict[str, Any]] = []
        self.items: list[tuple[int, Line]] = []  # (index into self.messages, line with items)
        self.levels: dict[int, tuple[int, int]] = {}
        self.lines = 0

    def digest(self, recipient: Recipient, lines: list[Line]) -> None:
        plan, role = self.plan, _role(lines)
        plan.planned += 1
        plan.item_count += len(lines)
        refs = ", ".join(ln.ref for ln in lines[:TABLE_REFS])
        if len(lines) > TABLE_REFS:
            refs += f" … and {len(lines) - TABLE_REFS} more"
        plan.rows.add((recipient.name, role, len(lines), refs))
        if not self.write:
            return
        self.items.extend((len(self.messages), ln) for ln in lines if ln.items)
        self.messages.append(self._message(recipient, role, lines))
        self.lines += len(lines)
        if self.lines >= BATCH:
            self.flush()

    def _message(self, recipient: Recipient, role: str, lines: list[Line]) -> dict[str, Any]:
        kind, as_of = self.plan.kind, self.plan.as_of
        return {
            "recipient_id": recipient.id,
            "recipient_label": recipient.email,
            "kind": kind,
            "dedupe_key": message_key(kind, recipient.id, as_of, lines),
            "subject": "",
            # What the message says, as data; actions.digest turns it into words when sent.
            "payload": {
                "template": "reminder" if kind == CHASE else "escalation",
                "as_of": as_of.isoformat(),
                "role": role,
                "copied": all(ln.copied for ln in lines if ln.role == "owner"),
                "lines": [ln.code for ln in lines],
            },
            "body_text": "",
            "body_html": "",
            "attachments": [],
            "state": "pending",
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": self.now,
            "created_at": self.now,
            "run_label": self.label,
        }

    def level_changed(self, action_id: int, old: int, new: int) -> None:
        if self.write:
            self.levels[action_id] = (old, new)
            if len(self.levels) >= BATCH:
                self._write_levels()

    def flush(self) -> None:
        """Messages (ids taken up front), their ledger items, then any level changes."""
        if self.messages:
            # Straight to the driver (COPY / executemany): the ORM's bookkeeping costs seconds.
            ids = insert_with_ids(self.session, Message.__table__, self.messages)  # type: ignore[attr-defined]
            self.plan.message_ids.extend(ids)
            rows = [
                (ids[index], ln.action_id, d.kind, d.threshold, d.dedupe_key)
                for index, ln in self.items
                for d in ln.items
            ]
            bulk_insert_values(self.session, MessageItem.__table__, ITEM_COLUMNS, rows)  # type: ignore[attr-defined]
        self.messages, self.items, self.lines = [], [], 0
        self._write_levels()

    def _write_levels(self) -> None:
        """Each escalated action's new level: one UPDATE per level, one bulk audit insert."""
        if not self.levels:
            return
        by_level: dict[int, list[int]] = {}
        for aid, (_, new) in self.levels.items():
            by_level.setdefault(new, []).append(aid)
        table = Action.__table__  # type: ignore[attr-defined]
        for level, ids in by_level.items():  # one UPDATE per level: a handful per batch
            self.session.connection().execute(
                update(table)
                .where(among(self.session, table.c.id, ids))
                .values(escalation_level=level)
            )
        reason = f"escalated as of {self.plan.as_of.isoformat()}"
        audit_rows = [
            {
                "at": self.now,
                "actor": audit.SYSTEM_ACTOR,
                "entity": "action",
                "entity_id": aid,
                "action_id": aid,
                "field": "escalation_level",
                "old": str(old),
                "new": str(new),
                "reason": reason,
            }
            for aid, (old, new) in self.levels.items()
        ]
        bulk_insert(self.session, AuditRecord.__table__, audit_rows)  # type: ignore[attr-defined]
        self.levels = {}


# --------------------------------------------------------------------------- planning


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
    writer = _Writer(session, result, _sros(session), write=write, label=run_label)
    router = _Router(result, writer)

    def fresh(by_manager: bool = False) -> Iterator[tuple[Any, list[Due], int]]:
        batches = _candidates(session, kind, as_of, policy, by_manager=by_manager)
        return _fresh(session, batches, kind, as_of, policy)

    routed: Iterable[Routed] = router.owner_lines(fresh())
    if kind == ESCALATE:
        # Managers' lines first where keys tie, as the routes list them (SPEC section 8).
        routed = heapq.merge(router.manager_lines(fresh(by_manager=True)), routed, key=_order)
    held: dict[int, list[Line]] = {}  # the SROs' own lines wait for the lines all SROs share
    for recipient, lines in _digests(routed):
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

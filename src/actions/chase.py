"""Planning reminders and escalations (SPEC section 8) into the outbox.

Set-based: one streamed query for the candidate actions, one for the dedupe keys already used,
one for the people, then bulk inserts — a constant number of statements whatever the number of
actions. The pure rules live in :mod:`actions.thresholds`; messages are stored as data
(``payload``) and rendered just before sending (:mod:`actions.delivery`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, type_coerce, update
from sqlmodel import Session, col

from actions import audit
from actions.bulk import among, bulk_insert, bulk_insert_values, insert_with_ids
from actions.dates import LONDON, london_date
from actions.digest import encode_line
from actions.gcpause import paused_gc
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


@dataclass
class PersonInfo:
    id: int
    email: str
    name: str
    manager_id: int | None
    role: str


@dataclass(slots=True)
class Line:
    """One action in one recipient's digest (composed into words only when sent)."""

    action_id: int
    ref: str
    dues: list[Due]
    role: str  # the recipient's role for this line: owner, manager or sro
    copied: bool = False
    current_level: int = 0


@dataclass
class PlannedMessage:
    recipient: PersonInfo
    kind: str
    lines: list[Line] = field(default_factory=list)

    @property
    def role(self) -> str:
        return max((ln.role for ln in self.lines), key=ROLE_RANK.__getitem__)


@dataclass
class Plan:
    kind: str
    as_of: date
    messages: list[PlannedMessage] = field(default_factory=list)
    skipped_duplicate: int = 0
    unroutable: list[str] = field(default_factory=list)
    not_working_day: str | None = None
    message_ids: list[int] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(len(m.lines) for m in self.messages)

    def summary(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "planned": len(self.messages),
            "items": self.item_count,
            "skipped_duplicate": self.skipped_duplicate,
            "recipients": len({m.recipient.id for m in self.messages}),
            "unroutable": self.unroutable,
            "not_working_day": self.not_working_day,
            "overdue_refs": self._refs(lambda d: d.kind == "escalation"),
            "level3_refs": self._refs(lambda d: d.kind == "escalation" and d.level >= 3),
        }

    def _refs(self, wanted: Any) -> list[str]:
        refs = {ln.ref for m in self.messages for ln in m.lines if any(wanted(d) for d in ln.dues)}
        return sorted(refs)

    def table(self) -> list[dict[str, Any]]:
        """Who gets what, without any address or secret (for the CLI and Prefect artifacts)."""
        return [
            {
                "recipient": m.recipient.name,
                "role": m.role,
                "items": len(m.lines),
                "refs": ", ".join(ln.ref for ln in m.lines),
            }
            for m in self.messages
        ]


# --------------------------------------------------------------------------- loading


def _people(session: Session) -> dict[int, PersonInfo]:
    rows = session.execute(
        select(
            col(Person.id),
            col(Person.email),
            col(Person.name),
            col(Person.manager_id),
            col(Person.role),
        ).where(col(Person.active))
    )
    return {r.id: PersonInfo(r.id, r.email, r.name, r.manager_id, r.role) for r in rows}


def _start_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _candidates(session: Session, kind: str, as_of: date, policy: Policy) -> Iterator[Any]:
    """Open actions that may be due something, streamed, with only the columns the rules need
    (the digest's words are composed at send time): at 100,000 rows every column counts."""
    open_now = col(Action.status).in_(_OPEN)
    columns: list[Any] = [
        col(Action.id),
        col(Action.ref),
        col(Action.deadline),
        col(Action.owner_id),
        col(Action.escalation_level),
    ]
    if kind == CHASE:
        horizon = as_of + timedelta(days=max(policy.chase.reminder_days_before, default=0))
        silent_since = _start_of_day_utc(
            as_of - timedelta(days=policy.chase.update_cadence_days - 1)
        )
        activity = func.coalesce(col(Action.last_update_at), col(Action.created_at))
        columns.append(type_coerce(activity, UTCDateTime()).label("activity"))
        due_soon = and_(col(Action.deadline) >= as_of, col(Action.deadline) <= horizon)
        where = and_(
            open_now, col(Action.owner_id).is_not(None), or_(due_soon, activity < silent_since)
        )
    else:
        where = and_(open_now, col(Action.deadline) < as_of)
    stmt = select(*columns).where(where).order_by(col(Action.id))
    # Core rather than the ORM session: the ORM's row handling costs a third of the fetch here.
    yield from session.connection().execute(stmt.execution_options(yield_per=5000))


def _spent(session: Session, keys: list[str]) -> set[str]:
    """Which of today's dedupe keys the ledger already holds: one primary-key lookup, so the
    cost follows today's candidates, not the years of reminders behind them."""
    if not keys:
        return set()
    key = col(MessageItem.dedupe_key)
    return set(session.execute(select(key).where(among(session, key, keys))).scalars())


# --------------------------------------------------------------------------- routing


def _recipients(
    owner: PersonInfo | None, level: int, people: dict[int, PersonInfo], sros: list[PersonInfo]
) -> list[tuple[PersonInfo, str, bool]]:
    """(person, role, copied) for an escalation at ``level`` (SPEC section 8)."""
    if owner is None:
        return [(sro, "sro", False) for sro in sros]  # nobody owns it: straight to the top
    if level <= 1:
        return [(owner, "owner", False)]
    if level == 2:
        manager = people.get(owner.manager_id) if owner.manager_id else None
        primary = [(manager, "manager", False)] if manager else [(s, "sro", False) for s in sros]
        return [*primary, (owner, "owner", True)]
    return [*[(s, "sro", False) for s in sros], (owner, "owner", True)]


# --------------------------------------------------------------------------- planning


@paused_gc()
def plan(session: Session, kind: str, as_of: date, policy: Policy, *, force: bool = False) -> Plan:
    """Work out every reminder (``chase``) or escalation (``escalate``) due on ``as_of``."""
    result = Plan(kind=kind, as_of=as_of)
    calendar = policy.chase.calendar
    if policy.chase.working_days_only and not force and not is_working_day(as_of, calendar):
        result.not_working_day = bank_holiday_name(as_of, calendar) or as_of.strftime("%A")
        return result
    people = _people(session)
    sros = sorted((p for p in people.values() if p.role == "sro"), key=lambda p: p.email)
    due: list[tuple[Any, list[Due]]] = []
    for row in _candidates(session, kind, as_of, policy):
        dues = _dues(row, kind, as_of, policy)
        if dues:
            due.append((row, dues))
    used = _spent(session, [d.dedupe_key for _, dues in due for d in dues])
    digests: dict[int, PlannedMessage] = {}
    for row, dues in due:
        fresh = [d for d in dues if d.dedupe_key not in used] if used else dues
        result.skipped_duplicate += len(dues) - len(fresh)
        if not fresh:
            continue
        owner = people.get(row.owner_id) if row.owner_id else None
        if kind == CHASE and owner:
            routes = [(owner, "owner", False)]
        else:
            level = max(d.level for d in fresh)
            routes = _recipients(owner, level, people, sros)
        if not routes:
            result.unroutable.append(row.ref)
            continue
        for person, role, copied in routes:
            digest = digests.get(person.id)
            if digest is None:  # not setdefault: that would build a message for every row
                digest = digests[person.id] = PlannedMessage(person, kind)
            digest.lines.append(Line(row.id, row.ref, fresh, role, copied, row.escalation_level))
    result.messages = sorted(digests.values(), key=lambda m: m.recipient.email)
    return result


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


# --------------------------------------------------------------------------- writing


def message_key(message: PlannedMessage, as_of: date) -> str:
    # Lines come in action-id order (the candidates query sorts), so no sort is needed here.
    keys = "\n".join(d.dedupe_key for ln in message.lines for d in ln.dues)
    digest = hashlib.sha256(keys.encode()).hexdigest()[:16]
    return f"{message.kind}:{message.recipient.id}:{as_of.isoformat()}:{digest}"


def _payload(message: PlannedMessage, as_of: date) -> dict[str, Any]:
    """What the message says, as data; :mod:`actions.digest` turns it into words."""
    return {
        "template": "reminder" if message.kind == CHASE else "escalation",
        "as_of": as_of.isoformat(),
        "role": message.role,
        "copied": all(ln.copied for ln in message.lines if ln.role == "owner"),
        "lines": [encode_line(ln.action_id, ln.role, ln.dues) for ln in message.lines],
    }


@paused_gc()
def record(session: Session, result: Plan, *, run_label: str = "") -> list[int]:
    """Write the planned messages, their items and escalation levels in bulk; returns ids."""
    if not result.messages:
        return []
    now = utcnow()
    rows = [
        {
            "recipient_id": m.recipient.id,
            "recipient_label": m.recipient.email,
            "kind": result.kind,
            "dedupe_key": message_key(m, result.as_of),
            "subject": "",
            "payload": _payload(m, result.as_of),
            "body_text": "",
            "body_html": "",
            "attachments": [],
            "state": "pending",
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": now,
            "created_at": now,
            "run_label": run_label,
        }
        for m in result.messages
    ]
    # Straight to the driver (COPY / executemany): the ORM's bookkeeping costs seconds here.
    ids = insert_with_ids(session, Message.__table__, rows)  # type: ignore[attr-defined]
    _record_items(session, result, ids)
    if result.kind == ESCALATE:
        _raise_levels(session, result, now)
    result.message_ids = ids
    return ids


def _record_items(session: Session, result: Plan, ids: list[int]) -> None:
    rows = []
    seen: set[str] = set()
    for message_id, message in zip(ids, result.messages, strict=True):
        for line in message.lines:
            for due in line.dues:
                if due.dedupe_key in seen:
                    continue  # the same action went to several people: key it once
                seen.add(due.dedupe_key)
                rows.append((message_id, line.action_id, due.kind, due.threshold, due.dedupe_key))
    bulk_insert_values(session, MessageItem.__table__, ITEM_COLUMNS, rows)  # type: ignore[attr-defined]


def _raise_levels(session: Session, result: Plan, now: datetime) -> None:
    """Record each escalated action's new level (one UPDATE per level, one bulk audit insert)."""
    changed: dict[int, tuple[int, int]] = {}
    for message in result.messages:
        for line in message.lines:
            new = max(d.level for d in line.dues)
            if new != line.current_level:
                changed[line.action_id] = (line.current_level, new)
    if not changed:
        return
    by_level: dict[int, list[int]] = {}
    for aid, (_, new) in changed.items():
        by_level.setdefault(new, []).append(aid)
    table = Action.__table__  # type: ignore[attr-defined]
    for level, ids in by_level.items():  # one UPDATE per level: a handful, whatever the count
        session.connection().execute(
            update(table).where(among(session, table.c.id, ids)).values(escalation_level=level)
        )
    reason = f"escalated as of {result.as_of.isoformat()}"
    bulk_insert(
        session,
        AuditRecord.__table__,  # type: ignore[attr-defined]
        [
            {
                "at": now,
                "actor": audit.SYSTEM_ACTOR,
                "entity": "action",
                "entity_id": aid,
                "action_id": aid,
                "field": "escalation_level",
                "old": str(old),
                "new": str(new),
                "reason": reason,
            }
            for aid, (old, new) in changed.items()
        ],
    )
